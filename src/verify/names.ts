// The vocabulary shared by both front ends: how names and functions are spelled.
import type { Base } from './ast.ts';

export interface NameRef { readonly base: Base; readonly layer?: number }

const GREEK = new Map([['δ', 'delta'], ['η', 'eta'], ['σ', 'sigma'], ['α', 'alpha'], ['ε', 'epsilon']]);
/** The rate of an update: R and η as the question and Nielsen write it, the asker's MATLAB r, α, Goodfellow's ε, lr. */
const RATE_NAMES = new Set(['R', 'eta', 'r', 'alpha', 'epsilon', 'varepsilon', 'lr']);
// f is the layer's own activation, as Goodfellow and Nielsen write f(z) and f'(z).
const ALIAS = new Map([['ln', 'log'], ['logistic', 'sigmoid'], ['sgn', 'sign'], ['sigmaprime', 'dsigma'], ['f', 'sigma'], ['h', 'sigma'], ['g', 'sigma'], ['ReLU', 'relu'], ['H', 'step']]);

/** `W2`, `a0`, `x`, `delta1`, `eta`, bare `W`: a quantity of the network, or undefined. */
export function nameRef(raw: string): NameRef | undefined {
  const name = GREEK.get(raw) ?? raw;
  if (name === 'x') return { base: 'a', layer: 0 };
  if (name === 'y') return { base: 'y' };
  if (RATE_NAMES.has(name)) return { base: 'rate' };
  // h is Goodfellow's layer output (h^{(k)} = f(z^{(k)}), h^{(0)} = x): our a.
  const m = /^(W|w|b|a|h|z|delta)(\d{0,4})$/.exec(name); // up to the 1000 layers a file may have
  if (!m) return undefined;
  const base = (m[1] === 'w' ? 'W' : m[1] === 'h' ? 'a' : m[1]) as Base;
  return m[2] ? { base, layer: Number(m[2]) } : { base };
}

/** Names that carry a layer: a superscript on them is the layer, never a power. */
export const LAYERED: ReadonlySet<Base> = new Set<Base>(['W', 'b', 'a', 'z', 'delta']);

/**
 * Functions a formula may call, with their arity. `sigma`/`dsigma` are the
 * layer's activation and its derivative; `dsigmoid`, `dtanh` the derivatives
 * of those functions whatever the layer; `step` is 1 where its argument is
 * positive (relu′, and the mask (z > 0)).
 */
export const FORMULA_FUNCTIONS: Readonly<Record<string, number>> = {
  exp: 1, log: 1, sqrt: 1, abs: 1, tanh: 1, sinh: 1, cosh: 1, sech: 1, sin: 1, cos: 1, sign: 1,
  sigmoid: 1, dsigmoid: 1, dtanh: 1, softplus: 1, relu: 1, step: 1, sigma: 1, dsigma: 1,
};

/** f′ written with a prime, for the functions whose derivative has a name here: relu′ is the step, softplus′ the sigmoid. */
const PRIMED: ReadonlyMap<string, string> = new Map([
  ['sigma', 'dsigma'], ['sigmoid', 'dsigmoid'], ['tanh', 'dtanh'], ['relu', 'step'], ['softplus', 'sigmoid'], ['exp', 'exp'],
]);

/** The function f′ names (f already a function name), or undefined when no derivative of f is written with a prime. */
export const primed = (fn: string): string | undefined => PRIMED.get(fn);

/** Spellings accepted for the functions above. */
export function functionName(raw: string): string | undefined {
  const name = GREEK.get(raw) ?? raw;
  const f = ALIAS.get(name) ?? name;
  return Object.hasOwn(FORMULA_FUNCTIONS, f) ? f : undefined;
}

/** Names a user may mean, for "did you mean" hints. */
export const KNOWN_NAMES = ['W', 'b', 'a', 'z', 'x', 'y', 'delta', 'R', 'eta', ...Object.keys(FORMULA_FUNCTIONS)];

export const INDEX_NAME = /^[a-z]$/;
