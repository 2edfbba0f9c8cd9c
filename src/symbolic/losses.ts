// Losses per output element ℓ(a, y); C = Σ_i ℓ(a_i, y_i). ∂ℓ/∂a comes from the CAS.
import type { LossName } from '../spec/types.ts';
import { CasTimeout, FormulaTooDeep, MAX_FORMULA_DEPTH, formulaDerivative, parseScalarFormula, withCasDeadline } from './cas.ts';

/** The CAS's time for a loss formula's derivative, in the CAS worker. */
export const FORMULA_LOSS_CAS_MS = 5000;
import { UserError } from '../errors.ts';
import { evaluate } from './evaluate.ts';
import { add, call, div, mul, neg, num, pow, sub, substitute, sym, symbolsOf, type Expr } from './expr.ts';

/** Per-element symbols: the output a_i, the target y_i, and the output size n. */
export const A = sym('a');
export const Y = sym('y');
export const N = sym('n');

export interface Loss {
  /** A loss of the chain form's list, or 'formula' for ℓ(a, y) written in the network file. */
  readonly name: LossName | 'formula';
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

/** ℓ(a, y_j) for output j of n: the loss term with a given output expression. */
export function lossTerm(loss: Loss, a: Expr, j: number, n: number): Expr {
  return substitute(loss.element, (s) => {
    if (s.index.length !== 0 || s.layer !== undefined) return undefined;
    if (s.base === 'a') return a;
    if (s.base === 'y') return sym('y', undefined, [j]);
    if (s.base === 'n') return num(n);
    return undefined;
  });
}

export function resolveLoss(name: LossName): Loss {
  const { element: e, title } = element(name);
  const derivative = formulaDerivative(e, A.kind === 'sym' ? A.sym : (undefined as never));
  const gradient = name === 'cross-entropy' || name === 'softmax-cross-entropy' ? guardDivisions(derivative) : derivative;
  return { name, element: e, gradient, title };
}

/**
 * Divisions whose numerator holds the target (y/a, (1 − y)/(1 − a)) become
 * xdivy, which is 0 when the numerator is 0: at y = 1 and a = 1 the term is
 * identically zero, and its quotient must not be 0/0.
 */
function guardDivisions(e: Expr): Expr {
  switch (e.kind) {
    case 'add': return add(...e.terms.map(guardDivisions));
    case 'mul': {
      const below = e.factors.filter((f) => f.kind === 'pow' && f.exp.kind === 'num' && f.exp.value === -1);
      const above = e.factors.filter((f) => !below.includes(f));
      const hasTarget = above.some((f) => [...symbolsOf(f).values()].some((s) => s.base === 'y'));
      if (below.length === 0 || !hasTarget) return e;
      return call('xdivy', mul(...above), mul(...below.map((f) => (f as Extract<Expr, { kind: 'pow' }>).base)));
    }
    default: return e;
  }
}

/** The plain quotient form of an expression (for algebra, where 0/0 does not arise). */
export function plainDivisions(e: Expr): Expr {
  switch (e.kind) {
    case 'add': return add(...e.terms.map(plainDivisions));
    case 'mul': return mul(...e.factors.map(plainDivisions));
    case 'pow': return pow(plainDivisions(e.base), plainDivisions(e.exp));
    case 'call': return e.fn === 'xdivy' ? div(plainDivisions(e.args[0]!), plainDivisions(e.args[1]!)) : call(e.fn, ...e.args.map(plainDivisions));
    default: return e;
  }
}

/** Points (a, y) where a formula loss and its derivative must be finite. */
const LOSS_GRID = [-3, -0.5, 0, 0.25, 0.5, 0.75, 1, 3].flatMap((a) => [0, 0.5, 1, -1].map((y) => [a, y] as const));

/**
 * ℓ(a, y) written as a formula in a and y (mathjs syntax), applied per output
 * element; ∂ℓ/∂a from the CAS. The formula and its derivative are evaluated on
 * a grid first: where both are finite somewhere the loss is usable; a formula
 * that is finite nowhere is refused.
 */
export function formulaLoss(text: string, field: string): Loss {
  const shown = `${field}: formula "${text.length > 60 ? `${text.slice(0, 57)}...` : text}"`;
  let e: Expr;
  try {
    e = parseScalarFormula(text, { a: A, y: Y });
  } catch (err) {
    throw new UserError(`${shown}: ${(err as Error).message}`);
  }
  let gradient: Expr;
  try {
    gradient = withCasDeadline(FORMULA_LOSS_CAS_MS, () => formulaDerivative(e, (A as { sym: Parameters<typeof formulaDerivative>[1] }).sym));
  } catch (err) {
    if (err instanceof CasTimeout) throw new UserError(`${shown}: ${err.message}; write it more simply, or use a loss by name`);
    if (err instanceof FormulaTooDeep) throw new UserError(`${shown}: its derivative is nested deeper than ${MAX_FORMULA_DEPTH} levels; write it with fewer nested functions`);
    throw err;
  }
  const at = (f: Expr, a: number, y: number): number => evaluate(f, (s) => (s.base === 'a' ? a : y));
  if (!LOSS_GRID.some(([a, y]) => Number.isFinite(at(e, a, y)) && Number.isFinite(at(gradient, a, y)))) {
    throw new UserError(`${field}: formula "${text}" is not finite anywhere on a, y in [-3, 3]`);
  }
  return { name: 'formula', element: e, gradient, title: 'loss of the network file' };
}
