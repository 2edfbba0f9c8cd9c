// deltagen check: type-check the generated trainer, load it, compare it with the
// reference and finite differences (src/check/run.ts), naming each stage as it starts.
import { checkInInterpreter, formatTargetReport } from '../check/interpreters.ts';
import { whyFailed } from '../check/check.ts';
import { checkNetwork, formatCheckReport } from '../check/run.ts';
import { CheckFailure, UserError } from '../errors.ts';
import type { CheckFlags } from './commands.ts';
import { LIMITS, parsePositiveInt, parseUnroll, printJson, type Ctx } from './common.ts';
import { loadNetwork } from './input.ts';
import { stages } from './progress.ts';

export async function check(ctx: Ctx, file: string, opts: CheckFlags): Promise<number> {
  const unroll = parseUnroll(opts.unroll);
  const points = parsePositiveInt(opts.points, '--points', LIMITS.points);
  if (!['ts', 'octave', 'numpy'].includes(opts.target)) throw new UserError(`--target: expected ts, octave or numpy, found "${opts.target}"`);
  const network = await loadNetwork(ctx, file);
  if (opts.target === 'octave' || opts.target === 'numpy') {
    // Runs the trainer in octave-cli or python3 and compares it with the reference and the TypeScript trainer.
    const r = await checkInInterpreter(network, opts.target, { points, onStage: stages(ctx, `check ${network.name} (${opts.target})`, opts.quiet) });
    if (opts.json) printJson(ctx, r);
    else ctx.stdout.write(formatTargetReport(r));
    if (!r.passed && !opts.json) throw new CheckFailure(`${file}: the ${opts.target} trainer disagrees (see the table above)`);
    return r.passed ? 0 : 1;
  }
  const report = await checkNetwork(network, { points, unroll, onStage: stages(ctx, `check ${network.name}`, opts.quiet) });
  if (opts.json) {
    printJson(ctx, report);
    return report.passed ? 0 : 1;
  }
  ctx.stdout.write(formatCheckReport(report));
  if (!report.passed) throw new CheckFailure(`${file}: ${whyFailed(report)} (see the table above)`);
  return 0;
}
