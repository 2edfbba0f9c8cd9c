// Evaluate an expression graph once per shared node. The forward-mode
// derivative of a deep layer shares its sub-derivatives; walking it as a tree
// would take time exponential in depth.
import type { Expr, Sym } from '../symbolic/expr.ts';
import { lookupFunction } from '../symbolic/functions.ts';

export function evaluateShared(e: Expr, env: (s: Sym) => number, memo = new Map<Expr, number>()): number {
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  let v: number;
  switch (e.kind) {
    case 'num': v = e.value; break;
    case 'sym': v = env(e.sym); break;
    case 'add': v = 0; for (const t of e.terms) v += evaluateShared(t, env, memo); break;
    case 'mul': v = 1; for (const t of e.factors) v *= evaluateShared(t, env, memo); break;
    case 'pow': v = evaluateShared(e.base, env, memo) ** evaluateShared(e.exp, env, memo); break;
    case 'call': {
      const fn = lookupFunction(e.fn);
      if (!fn) throw new Error(`internal: unknown function ${e.fn}`);
      v = fn.evaluate(...e.args.map((a) => evaluateShared(a, env, memo)));
      break;
    }
  }
  memo.set(e, v);
  return v;
}
