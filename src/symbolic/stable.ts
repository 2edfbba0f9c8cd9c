// Stable forms of a custom formula, found by rules on its tree: the same value,
// written so that float64 evaluation does not overflow where the value itself
// is finite (log(1 + e^1000) is 1000, not log(∞)). Each rule is one entry; the
// grid check, the derivative and the generated code all use the result.
import { add, call, isNum, mul, neg, num, type Expr } from './expr.ts';

type Rule = (e: Extract<Expr, { kind: 'call' }>) => Expr | undefined;

const isCall = (e: Expr, fn: string): e is Extract<Expr, { kind: 'call' }> => e.kind === 'call' && e.fn === fn;

const RULES: readonly Rule[] = [
  // log(1 + e^w) = softplus(w)
  (e) => {
    if (e.fn !== 'log' || e.args[0]!.kind !== 'add' || e.args[0]!.terms.length !== 2) return undefined;
    const [a, b] = e.args[0]!.terms as [Expr, Expr];
    const exp = isNum(a, 1) && isCall(b, 'exp') ? b : isNum(b, 1) && isCall(a, 'exp') ? a : undefined;
    return exp ? call('softplus', exp.args[0]!) : undefined;
  },
  // log σ(w) = −softplus(−w)
  (e) => (e.fn === 'log' && isCall(e.args[0]!, 'sigmoid') ? neg(call('softplus', neg(e.args[0]!.args[0]!))) : undefined),
  // log cosh(w) = |w| + softplus(−2|w|) − log 2
  (e) => {
    if (e.fn !== 'log' || !isCall(e.args[0]!, 'cosh')) return undefined;
    const a = call('abs', e.args[0]!.args[0]!);
    return add(a, call('softplus', mul(num(-2), a)), neg(call('log', num(2))));
  },
];

export function stabilize(e: Expr): Expr {
  switch (e.kind) {
    case 'num': case 'sym': return e;
    case 'add': return add(...e.terms.map(stabilize));
    case 'mul': return mul(...e.factors.map(stabilize));
    case 'pow': return { ...e, base: stabilize(e.base), exp: stabilize(e.exp) };
    case 'call': {
      const inner = call(e.fn, ...e.args.map(stabilize)) as Extract<Expr, { kind: 'call' }>;
      for (const rule of RULES) {
        const out = rule(inner);
        if (out) return stabilize(out);
      }
      return inner;
    }
  }
}
