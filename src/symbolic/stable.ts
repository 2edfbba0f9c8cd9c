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

/** ½ + ½ tanh(w) = σ(2w): a sigmoid written with tanh, so cross-entropy can take its logs from the logit. */
function halfTanh(e: Extract<Expr, { kind: 'add' }>): Expr | undefined {
  if (e.terms.length !== 2) return undefined;
  const [a, b] = e.terms as [Expr, Expr];
  const [half, scaled] = isNum(a, 0.5) ? [a, b] : isNum(b, 0.5) ? [b, a] : [undefined, undefined];
  if (!half || scaled!.kind !== 'mul' || scaled!.factors.length !== 2) return undefined;
  const [c, t] = scaled!.factors as [Expr, Expr];
  const tanh = isNum(c, 0.5) && isCall(t, 'tanh') ? t : isNum(t, 0.5) && isCall(c, 'tanh') ? c : undefined;
  return tanh ? call('sigmoid', mul(num(2), tanh.args[0]!)) : undefined;
}

export function stabilize(e: Expr): Expr {
  switch (e.kind) {
    case 'num': case 'sym': return e;
    case 'add': {
      const sum = add(...e.terms.map(stabilize));
      return (sum.kind === 'add' && halfTanh(sum)) || sum;
    }
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
