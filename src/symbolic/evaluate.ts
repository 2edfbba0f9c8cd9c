import type { Expr, Sym } from './expr.ts';
import { lookupFunction } from './functions.ts';

/** Evaluate an expression numerically; `env` gives each symbol's value. */
export function evaluate(e: Expr, env: (s: Sym) => number): number {
  switch (e.kind) {
    case 'num': return e.value;
    case 'sym': return env(e.sym);
    case 'add': { let s = 0; for (const t of e.terms) s += evaluate(t, env); return s; }
    case 'mul': { let p = 1; for (const t of e.factors) p *= evaluate(t, env); return p; }
    case 'pow': return evaluate(e.base, env) ** evaluate(e.exp, env);
    case 'call': {
      const fn = lookupFunction(e.fn);
      if (!fn) throw new Error(`internal: unknown function ${e.fn}`);
      return fn.evaluate(...e.args.map((a) => evaluate(a, env)));
    }
  }
}
