import type { Command } from 'commander';
import { checkNetwork, formatCheckReport } from '../check/run.ts';
import { CheckFailure, UserError } from '../errors.ts';
import type { UnrollMode } from '../render/typescript.ts';
import { loadNetworkFile } from '../spec/load.ts';
import { guard, parsePositiveInt, printJson } from './common.ts';

export function registerCheck(program: Command): void {
  program.command('check')
    .description('compile the generated trainer and compare it with the reference and finite differences')
    .argument('<file>', 'network file (YAML or JSON)')
    .option('--points <n>', 'random points to check', '5')
    .option('--unroll <mode>', 'code form: full (straight-line), loops, or auto (chosen from the sizes)', 'auto')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExample:\n  deltagen check examples/xor.yaml')
    .action((file: string, opts: { points: string; unroll: string; json?: boolean }) => guard(async () => {
      if (!['full', 'loops', 'auto'].includes(opts.unroll)) throw new UserError(`--unroll must be full, loops or auto, not ${JSON.stringify(opts.unroll)}`);
      const network = loadNetworkFile(file);
      const report = await checkNetwork(network, { points: parsePositiveInt(opts.points, '--points'), unroll: opts.unroll as UnrollMode });
      if (opts.json) printJson(report);
      else process.stdout.write(formatCheckReport(report));
      if (!report.passed) {
        if (opts.json) process.exitCode = 1;
        else throw new CheckFailure(`${file}: the generated gradient disagrees (see the table above)`);
      }
    }));
}
