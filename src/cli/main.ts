// deltagen's command line: argument parsing only; the work is in the stages.
import { Command } from 'commander';
import { registerCheck } from './check.ts';
import { registerDerive } from './derive.ts';
import { registerTrain } from './train.ts';
import { registerInit } from './init.ts';
import { registerVerify } from './verify.ts';

const program = new Command('deltagen')
  .description('Derive backpropagation symbolically; write a LaTeX derivation and a checked, unrolled TypeScript trainer.')
  .configureOutput({
    // Usage errors read like every other error: one line, prefixed, with where to look.
    writeErr: (text) => process.stderr.write(text.startsWith('error: ') ? `deltagen: ${text.slice(7).trimEnd()} (see deltagen --help)\n` : text),
  })
  .exitOverride((err) => {
    // Usage errors are bad input: exit 2, like every other bad input.
    process.exit(err.exitCode === 0 ? 0 : 2);
  })
  .addHelpText('after', '\nExample:\n  deltagen derive examples/question.yaml && deltagen check examples/question.yaml');
registerDerive(program);
registerCheck(program);
registerTrain(program);
registerInit(program);
registerVerify(program);
await program.parseAsync(process.argv);
