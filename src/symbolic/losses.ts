// Losses per output element ℓ(a, y); C = Σ_i ℓ(a_i, y_i). ∂ℓ/∂a comes from the CAS.
import type { LossName } from '../spec/types.ts';
import { formulaDerivative } from './cas.ts';
import { add, call, div, mul, neg, num, pow, sub, sym, type Expr } from './expr.ts';

/** Per-element symbols: the output a_i, the target y_i, and the output size n. */
export const A = sym('a');
export const Y = sym('y');
export const N = sym('n');

export interface Loss {
  readonly name: LossName;
  /** ℓ(a, y) in A, Y, N. */
  readonly element: Expr;
  /** ∂ℓ/∂a in A, Y, N, from the CAS. */
  readonly gradient: Expr;
  /** What the loss is called in prose. */
  readonly title: string;
}

function element(name: LossName): { element: Expr; title: string } {
  const diff2 = pow(sub(A, Y), num(2));
  switch (name) {
    case 'squared': return { element: diff2, title: 'squared error' };
    case 'half-squared': return { element: mul(num(0.5), diff2), title: 'half squared error' };
    case 'mse': return { element: div(diff2, N), title: 'mean squared error' };
    case 'cross-entropy': return {
      element: neg(add(mul(Y, call('log', A)), mul(sub(num(1), Y), call('log', sub(num(1), A))))),
      title: 'cross-entropy',
    };
    case 'softmax-cross-entropy': return { element: neg(mul(Y, call('log', A))), title: 'cross-entropy of a softmax output' };
  }
}

export function resolveLoss(name: LossName): Loss {
  const { element: e, title } = element(name);
  const gradient = formulaDerivative(e, A.kind === 'sym' ? A.sym : (undefined as never));
  return { name, element: e, gradient, title };
}
