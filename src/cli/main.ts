// deltagen's command line: argument parsing only; the work is in the stages.
// `main` can run inside another process (tests call it directly): it returns the
// exit code instead of exiting, writes only through `io`, and keeps no state
// between runs. src/cli/run.ts is the process entry.
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../package-root.ts';
import { registerCommands } from './commands.ts';
import { contextOf, guard, oneLine, printJson, reportError, type CliIo } from './common.ts';

export type { CliIo } from './common.ts';

export async function main(argv: readonly string[], io?: CliIo): Promise<number> {
  const ctx = contextOf(io);
  const json = argv.includes('--json');
  let code = 0;
  const program = new Command('deltagen')
    .description('Derive backpropagation symbolically; write a LaTeX derivation and a checked, unrolled TypeScript trainer.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      // Usage errors read like every other error: one line (a "did you mean" joins it), prefixed, with where to look.
      // With --json, stdout gets the error object instead (below), and stderr the line.
      writeErr: (text) => ctx.stderr.write(text.startsWith('error: ') ? `deltagen: ${oneLine(text.slice(7)).replace('(Did you mean', '(did you mean')} (see deltagen --help)\n` : text),
    })
    // Settings above and this one are inherited by the commands registered after them.
    .exitOverride()
    .addHelpText('after', '\nExample:\n  deltagen derive examples/question.yaml && deltagen check examples/question.yaml');
  registerCommands(program, ctx, async (commandJson, body, fields) => { code = await guard(ctx, commandJson, body, fields); });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) return reportError(ctx, err, json);
    // --help and --version end with exit code 0; every usage error is bad input: 2.
    if (err.exitCode === 0) return 0;
    if (json) printJson(ctx, { error: { message: oneLine(err.message.replace(/^error: /, '')), exitCode: 2 } });
    return 2;
  }
  return code;
}
