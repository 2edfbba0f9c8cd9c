// The process entry of the command line (bin/deltagen.js loads it). Signals need
// nothing here: outside file writes SIGINT keeps its default (the process ends at
// once); during writes io/atomic.ts takes it over and main returns 130.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
