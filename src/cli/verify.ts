// deltagen verify: a hand-derived formula against the network's derivation.
import { UserError } from '../errors.ts';
import { formatResult } from '../verify/report.ts';
import { verify as verifyFormula } from '../verify/verify.ts';
import type { VerifyFlags } from './commands.ts';
import { LIMITS, parsePositiveInt, printJson, type Ctx } from './common.ts';
import { loadNetwork } from './input.ts';

export async function verify(ctx: Ctx, file: string, opts: VerifyFlags): Promise<number> {
  if (typeof opts.update === 'string' && (opts.formula !== undefined || opts.latex !== undefined)) {
    throw new UserError('give the update either as --update EXPR or with --formula/--latex, not both');
  }
  const network = await loadNetwork(ctx, file);
  const result = verifyFormula(network, {
    wrt: opts.wrt,
    of: opts.of,
    ...(typeof opts.update === 'string' ? { formula: opts.update } : {}),
    ...(opts.formula !== undefined ? { formula: opts.formula } : {}),
    ...(opts.latex !== undefined ? { latex: opts.latex } : {}),
    update: opts.update !== undefined && opts.update !== false,
    points: parsePositiveInt(opts.points, '--points', LIMITS.points),
    seed: parsePositiveInt(opts.seed, '--seed'),
  });
  if (opts.json) printJson(ctx, result);
  else ctx.stdout.write(formatResult(result));
  return result.verdict === 'different' ? 1 : 0;
}
