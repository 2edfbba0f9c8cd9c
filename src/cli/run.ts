// The process entry of the command line (bin/deltagen.js loads it). Signals need
// nothing here: outside file writes SIGINT keeps its default (the process ends at
// once); during writes io/atomic.ts takes it over and main returns 130.
import { main } from './main.ts';

// A reader that has gone (`deltagen train … | head -1`) ends the output, quietly, as for any Unix tool:
// what was asked for is written to files before anything is printed.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2));
