// δ^(L) for a softmax output: the Jacobian diag(a) − a aᵀ times ∇_a C, simplified
// by the CAS in components and then with Σ_i y_i = 1. Done on a concrete
// instance of the output size (at most 4 components: the algebra does not
// depend on the size), and the result is read back per component.
import type { Loss } from '../symbolic/losses.ts';
import { casExpand } from '../symbolic/cas.ts';
import { add, mul, num, neg, sub, substitute, sym, symbolsOf, type Expr } from '../symbolic/expr.ts';

export interface SoftmaxDelta {
  /** δ_j per component, in the loss's A, Y symbols. */
  readonly element: Expr;
  /** The CAS's expansion of Σ_i J_ij ∂C/∂a_i for j = 1, before Σ y = 1 is used. */
  readonly expanded: Expr;
  readonly size: number;
}

export function softmaxDelta(loss: Loss, units: number): SoftmaxDelta | undefined {
  const n = Math.min(units, 4);
  const a = (i: number): Expr => sym('a', undefined, [i]);
  const y = (i: number): Expr => sym('y', undefined, [i]);
  const grad = (i: number): Expr => substitute(loss.gradient, (s) =>
    s.index.length === 0 && s.base === 'a' ? a(i) : s.index.length === 0 && s.base === 'y' ? y(i) : undefined);
  const j = 1;
  const terms: Expr[] = [];
  for (let i = 1; i <= n; i++) terms.push(mul(a(i), sub(num(i === j ? 1 : 0), a(j)), grad(i)));
  const expanded = casExpand(add(...terms));
  // The targets are a distribution: y_n = 1 − Σ_{i<n} y_i.
  const rest = add(num(1), ...Array.from({ length: n - 1 }, (_, i) => neg(y(i + 1))));
  const closed = casExpand(substitute(expanded, (s) => (s.base === 'y' && s.index[0] === n ? rest : undefined)));
  const free = [...symbolsOf(closed).values()];
  if (free.some((s) => s.index[0] !== j)) return undefined;
  const element = substitute(closed, (s) => (s.base === 'a' ? sym('a') : s.base === 'y' ? sym('y') : undefined));
  return { element, expanded, size: n };
}
