// deltagen check: type-check the generated trainer, load it, compare it with the
// reference and finite differences (src/check/run.ts), naming each stage as it starts.
import { checkNetwork, formatCheckReport } from '../check/run.ts';
import { CheckFailure } from '../errors.ts';
import type { CheckFlags } from './commands.ts';
import { parsePositiveInt, parseUnroll, printJson, type Ctx } from './common.ts';
import { loadNetwork } from './input.ts';
import { stages } from './progress.ts';

export async function check(ctx: Ctx, file: string, opts: CheckFlags): Promise<number> {
  const unroll = parseUnroll(opts.unroll);
  const points = parsePositiveInt(opts.points, '--points');
  const network = await loadNetwork(ctx, file);
  const report = await checkNetwork(network, { points, unroll, onStage: stages(ctx, `check ${network.name}`, opts.quiet) });
  if (opts.json) {
    printJson(ctx, report);
    return report.passed ? 0 : 1;
  }
  ctx.stdout.write(formatCheckReport(report));
  if (!report.passed) throw new CheckFailure(`${file}: the generated gradient disagrees (see the table above)`);
  return 0;
}
