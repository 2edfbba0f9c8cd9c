// Activations: each is a formula in u; its derivative is found by the CAS, and,
// where the CAS result can be written as a polynomial in the forward value
// (σ' = σ(1 − σ), tanh' = 1 − tanh²), that form is found and checked so the
// generated code reuses the forward pass instead of recomputing exp or tanh.
import { UserError } from '../errors.ts';
import type { ActivationSpec } from '../spec/types.ts';
import { formulaDerivative, parseScalarFormula } from './cas.ts';
import { evaluate } from './evaluate.ts';
import { call, isNum, substitute, sym, type Expr } from './expr.ts';
import { fitOutputPolynomial } from './output-form.ts';

/** The formula variable (printed z) and the forward value (printed σ(z)). */
export const U = sym('u');
export const V = sym('v');

export interface Activation {
  readonly name: string;
  /** LaTeX of the function's name, e.g. \sigma. */
  readonly latexName: string;
  readonly elementwise: boolean;
  /** σ(u) as a formula in U: what the CAS differentiates and the code evaluates. */
  readonly formula: Expr;
  /** σ'(u) in U, from the CAS. */
  readonly derivative: Expr;
  /** σ'(u) as an expression in V = σ(u), when one was found and checked. */
  readonly fromOutput?: Expr;
  /** σ' ≡ 1: its Jacobian is the identity and disappears from the δ recursion. */
  readonly identityJacobian: boolean;
  /** Conventions worth stating in the derivation (kinks). */
  readonly notes: readonly string[];
}

const at = (e: Expr, u: Expr): Expr => substitute(e, (s) => (s.base === 'u' && s.index.length === 0 ? u : undefined));
const atOutput = (e: Expr, v: Expr): Expr => substitute(e, (s) => (s.base === 'v' && s.index.length === 0 ? v : undefined));

/** σ(arg) for code and lowering. */
export const applyActivation = (act: Activation, arg: Expr): Expr => at(act.formula, arg);
/** σ'(z) for code: from the forward value a when possible. */
export const applyDerivative = (act: Activation, z: Expr, a: Expr): Expr =>
  act.fromOutput ? atOutput(act.fromOutput, a) : at(act.derivative, z);

interface Definition { readonly latexName: string; readonly formula: Expr; readonly notes?: readonly string[] }

function definition(spec: ActivationSpec): Definition {
  switch (spec.kind) {
    case 'identity': return { latexName: '\\operatorname{id}', formula: U };
    case 'sigmoid': return { latexName: '\\sigma', formula: call('sigmoid', U) };
    case 'tanh': return { latexName: '\\tanh', formula: call('tanh', U) };
    case 'softplus': return { latexName: '\\operatorname{softplus}', formula: call('softplus', U) };
    case 'formula': {
      let formula: Expr;
      try {
        formula = parseScalarFormula(spec.formula, { x: U });
      } catch (err) {
        throw new UserError(`formula "${spec.formula}": ${(err as Error).message}`);
      }
      return { latexName: 'f', formula };
    }
    default:
      throw new UserError(`activation ${spec.kind} is not supported yet`);
  }
}

const cache = new Map<string, Activation>();

export function resolveActivation(spec: ActivationSpec): Activation {
  const id = JSON.stringify(spec);
  const hit = cache.get(id);
  if (hit) return hit;
  const def = definition(spec);
  const derivative = formulaDerivative(def.formula, U.kind === 'sym' ? U.sym : never());
  const forward = (x: number): number => evaluate(def.formula, () => x);
  const slope = (x: number): number => evaluate(derivative, () => x);
  const fromOutput = fitOutputPolynomial(forward, slope, V);
  const act: Activation = {
    name: spec.kind,
    latexName: def.latexName,
    elementwise: true,
    formula: def.formula,
    derivative,
    ...(fromOutput ? { fromOutput } : {}),
    identityJacobian: isNum(derivative, 1),
    notes: def.notes ?? [],
  };
  cache.set(id, act);
  return act;
}

function never(): never {
  throw new Error('internal');
}
