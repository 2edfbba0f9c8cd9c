// Activations: each is a formula in u; its derivative is found by the CAS, and,
// where the CAS result can be written as a polynomial in the forward value
// (σ' = σ(1 − σ), tanh' = 1 − tanh²), that form is found and checked so the
// generated code reuses the forward pass instead of recomputing exp or tanh.
import { UserError } from '../errors.ts';
import type { ActivationSpec } from '../spec/types.ts';
import { casLowestTerms, CasTimeout, formulaDerivative, parseScalarFormula, withCasDeadline } from './cas.ts';
import { evaluate } from './evaluate.ts';
import { add, call, functionsOf, isNum, key, mul, neg, num, pow, size, sub, substitute, sym, type Expr, type Sym } from './expr.ts';
import { fitOutputPolynomial } from './output-form.ts';
import { stabilize } from './stable.ts';

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
/**
 * w(arg) when the activation is σ(w(u)) — sigmoid itself (w = u) or a formula
 * that is a sigmoid of something, such as 0.5 + 0.5 tanh(u) = σ(2u): then
 * ln a = −softplus(−w) and ln(1 − a) = −softplus(w), finite where a rounds to 0 or 1.
 */
export function sigmoidArgument(act: Activation, arg: Expr): Expr | undefined {
  if (act.name === 'sigmoid') return arg;
  const f = act.formula;
  return act.name === 'formula' && f.kind === 'call' && f.fn === 'sigmoid' ? at(f.args[0]!, arg) : undefined;
}

/** The cross-entropy of one output, y and the pre-activation z, from the logit where the output is a sigmoid. */
export function stableCrossEntropy(act: Activation, z: Expr, y: Expr): Expr | undefined {
  const w = sigmoidArgument(act, z);
  return w && add(mul(y, call('softplus', neg(w))), mul(sub(num(1), y), call('softplus', w)));
}

/** σ'(z) for code: from the forward value a when possible. */
export const applyDerivative = (act: Activation, z: Expr, a: Expr): Expr =>
  act.fromOutput ? atOutput(act.fromOutput, a) : at(act.derivative, z);

interface Definition {
  readonly latexName: string;
  readonly formula: Expr;
  readonly elementwise?: false;
  /** Two pieces joined at u = 0: each differentiated by the CAS, joined with step(u), step(0) = 0. */
  readonly pieces?: { readonly positive: Expr; readonly negative: Expr };
  readonly notes?: readonly string[];
}

const step = (u: Expr): Expr => call('step', u);
const ONE_SIDED = 'At the kink $z = 0$ the derivative takes its left-hand value (the convention $\\operatorname{relu}\'(0) = 0$, and the slope $\\alpha$ for leaky relu); $\\operatorname{H}$ is the step function with $\\operatorname{H}(0) = 0$.';

function definition(spec: ActivationSpec): Definition {
  switch (spec.kind) {
    case 'identity': return { latexName: '\\operatorname{id}', formula: U };
    case 'sigmoid': return { latexName: '\\sigma', formula: call('sigmoid', U) };
    case 'tanh': return { latexName: '\\tanh', formula: call('tanh', U) };
    case 'softplus': return { latexName: '\\operatorname{softplus}', formula: call('softplus', U) };
    case 'relu': return piecewise('\\operatorname{relu}', U, num(0));
    case 'leaky-relu': return piecewise('\\operatorname{lrelu}', U, mul(num(spec.slope), U));
    case 'softmax': return { latexName: '\\operatorname{softmax}', formula: U, elementwise: false };
    case 'formula': {
      let formula: Expr;
      try {
        formula = stabilize(parseScalarFormula(spec.formula, { x: U }));
      } catch (err) {
        throw new UserError(`formula "${short(spec.formula)}": ${(err as Error).message}`);
      }
      return { latexName: 'f', formula };
    }
  }
}

function piecewise(latexName: string, positive: Expr, negative: Expr): Definition {
  // f = f₋ + H(u) (f₊ − f₋)
  return { latexName, formula: add(negative, mul(step(U), sub(positive, negative))), pieces: { positive, negative }, notes: [ONE_SIDED] };
}

/**
 * One network's activations named apart for its documents: two formula activations are f_{1}, f_{2} (in the
 * order of first use), two leaky relus lrelu_{0.01}, lrelu_{0.1}; one alone keeps its name. Else two layers
 * with different functions print the same f, and the document folds them into one recursion.
 */
export function namedApart(acts: readonly Activation[]): (act: Activation) => Activation {
  const distinctActs = [...new Set(acts)];
  const renamed = new Map<Activation, Activation>();
  const formulas = distinctActs.filter((a) => a.name === 'formula');
  if (formulas.length > 1) formulas.forEach((a, k) => renamed.set(a, { ...a, latexName: `f_{${k + 1}}` }));
  const leaky = distinctActs.filter((a) => a.name.startsWith('leaky-relu('));
  if (leaky.length > 1) leaky.forEach((a) => renamed.set(a, { ...a, latexName: `\\operatorname{lrelu}_{${a.name.slice('leaky-relu('.length, -1)}}` }));
  return (act) => renamed.get(act) ?? act;
}

/** Points where a custom activation and its derivative must be finite: 0 and large |x| included. */
export const CHECK_GRID = [-1000, -100, -10, -3, -1, -0.5, -0.001, 0, 0.001, 0.5, 1, 3, 10, 100, 1000];

const cache = new Map<string, Activation>();

/** The CAS's time for one formula of a user's (its derivative and lowest terms), in the CAS worker. */
export const FORMULA_CAS_MS = 5000;

export function resolveActivation(spec: ActivationSpec): Activation {
  const id = JSON.stringify(spec);
  const hit = cache.get(id);
  if (hit) return hit;
  if (spec.kind !== 'formula') return resolve(spec, id);
  try {
    return withCasDeadline(FORMULA_CAS_MS, () => resolve(spec, id));
  } catch (err) {
    if (err instanceof CasTimeout) throw new UserError(`formula "${short(spec.formula)}": ${err.message} (its derivative or its simplification); write it more simply, or use a built-in activation`);
    throw err;
  }
}

function resolve(spec: ActivationSpec, id: string): Activation {
  const def = definition(spec);
  const variable = (U as { sym: Sym }).sym;
  const forward = (x: number): number => evaluate(def.formula, () => x);
  // A custom formula is checked on the grid before the CAS sees it, and its derivative before the
  // slow lowest-terms step: a formula refused there (such as (x+1)^300, infinite at 1000) costs no CAS time.
  if (spec.kind === 'formula') checkOnGrid(spec.formula, forward, () => 0);
  let derivative: Expr;
  if (def.elementwise === false) {
    derivative = num(0); // softmax: not elementwise, handled by its Jacobian in the derivation
  } else if (def.pieces) {
    const dPos = formulaDerivative(def.pieces.positive, variable);
    const dNeg = formulaDerivative(def.pieces.negative, variable);
    derivative = add(dNeg, mul(step(U), sub(dPos, dNeg)));
  } else {
    try {
      // The derivative in stable forms too: softplus(x)² has 2 softplus(x) σ(x), not 2 log(1 + e^x) σ(x), infinite at 1000.
      derivative = stabilize(recognize(formulaDerivative(def.formula, variable)));
    } catch (err) {
      if (err instanceof CasTimeout) throw err;
      // A user's formula can make the CAS answer with something we refuse (1/0 gives Infinity): that is bad input.
      if (spec.kind === 'formula') throw new UserError(`formula "${short(spec.formula)}": its derivative cannot be used (${(err as Error).message})`);
      throw err;
    }
  }
  if (spec.kind === 'formula') {
    const raw = derivative;
    checkOnGrid(spec.formula, forward, (x) => evaluate(raw, () => x));
    derivative = lowestTermsIfSimpler(derivative);
  }
  const slope = (x: number): number => evaluate(derivative, () => x);
  if (spec.kind === 'formula') checkOnGrid(spec.formula, forward, slope);
  const fromOutput = def.elementwise === false || def.pieces ? undefined : fitOutputPolynomial(forward, slope, V);
  const act: Activation = {
    name: spec.kind === 'leaky-relu' ? `leaky-relu(${spec.slope})` : spec.kind,
    latexName: def.latexName,
    elementwise: def.elementwise !== false,
    formula: def.formula,
    derivative,
    ...(fromOutput ? { fromOutput } : {}),
    identityJacobian: isNum(derivative, 1),
    notes: def.notes ?? (spec.kind === 'formula' && functionsOf(derivative).has('sign') ? [ONE_SIDED_ABS] : []),
  };
  cache.set(id, act);
  return act;
}

const ONE_SIDED_ABS = 'Where the formula has a kink ($\\operatorname{abs}$), the derivative uses $\\operatorname{sgn}(0) = 0$.';

/**
 * Rewrite CAS output into forms that evaluate well: mathjs writes d|u|/du as
 * |u|/u, NaN at 0, which becomes sgn(u) (sgn(0) = 0); e^u/(e^u + 1), which
 * overflows for large u, becomes σ(u).
 */
function recognize(e: Expr): Expr {
  const isExpPlusOne = (x: Expr): x is Extract<Expr, { kind: 'add' }> =>
    x.kind === 'add' && x.terms.length === 2 && isNum(x.terms[1]!, 1) && x.terms[0]!.kind === 'call' && x.terms[0]!.fn === 'exp';
  const go = (x: Expr): Expr => {
    switch (x.kind) {
      case 'num': case 'sym': return x;
      case 'add': return add(...x.terms.map(go));
      case 'call': return call(x.fn, ...x.args.map(go));
      case 'pow': {
        const base = go(x.base);
        // 1/(1 + e^w)^k = σ(−w)^k
        if (isExpPlusOne(base) && x.exp.kind === 'num' && Number.isInteger(x.exp.value) && x.exp.value < 0) {
          const w = (base.terms[0] as Extract<Expr, { kind: 'call' }>).args[0]!;
          return pow(call('sigmoid', neg(w)), num(-x.exp.value));
        }
        return pow(base, go(x.exp));
      }
      case 'mul': {
        const factors = x.factors.map(go);
        // Distribute over a sum so each term can be recognized on its own.
        const sum = factors.findIndex((f) => f.kind === 'add');
        if (sum >= 0 && factors.length > 1 && factors.some((f) => functionsOf(f).has('sigmoid'))) {
          const others = factors.filter((_, k) => k !== sum);
          return add(...(factors[sum] as Extract<Expr, { kind: 'add' }>).terms.map((t) => go(mul(t, ...others))));
        }
        for (let i = 0; i < factors.length; i++) {
          const f = factors[i]!;
          // e^w σ(−w)^k = σ(w) σ(−w)^(k−1), since e^w/(1 + e^w) = σ(w)
          if (f.kind === 'call' && f.fn === 'exp') {
            const minus = key(call('sigmoid', neg(f.args[0]!)));
            const j = factors.findIndex((g) => g.kind === 'pow' ? key(g.base) === minus && g.exp.kind === 'num' : key(g) === minus);
            if (j >= 0) {
              const g = factors[j]!;
              const k = g.kind === 'pow' && g.exp.kind === 'num' ? g.exp.value : 1;
              const rest = factors.filter((_, m) => m !== i && m !== j);
              return go(mul(call('sigmoid', f.args[0]!), pow(call('sigmoid', neg(f.args[0]!)), num(k - 1)), ...rest));
            }
          }
          // sinh w / cosh w = tanh w, and sinh w / cosh² w = tanh w sech w: finite where cosh overflows
          if (f.kind === 'call' && f.fn === 'sinh') {
            const w = key(f.args[0]!);
            const c = factors.findIndex((g) => g.kind === 'pow' && g.base.kind === 'call' && g.base.fn === 'cosh' && key(g.base.args[0]!) === w && (isNum(g.exp, -1) || isNum(g.exp, -2)));
            if (c >= 0) {
              const squared = isNum((factors[c] as Extract<Expr, { kind: 'pow' }>).exp, -2);
              const rest = factors.filter((_, k) => k !== i && k !== c);
              return go(mul(call('tanh', f.args[0]!), ...(squared ? [call('sech', f.args[0]!)] : []), ...rest));
            }
          }
          // d|u|/du = |u|/u becomes sgn(u)
          if (f.kind !== 'call' || f.fn !== 'abs') continue;
          const inv = factors.findIndex((g) => g.kind === 'pow' && isNum(g.exp, -1) && key(g.base) === key(f.args[0]!));
          if (inv >= 0) {
            const rest = factors.filter((_, k) => k !== i && k !== inv);
            return mul(call('sign', f.args[0]!), ...rest);
          }
        }
        return mul(...factors);
      }
    }
  };
  return go(e);
}

/** The CAS's lowest-terms form when it is smaller and agrees with the original on the grid. */
/** Whether some power has a numeric exponent above `limit` in magnitude: its expansion by the CAS would have that many terms. */
function highPower(e: Expr, limit: number): boolean {
  switch (e.kind) {
    case 'num': case 'sym': return false;
    case 'pow': return (e.exp.kind === 'num' && Math.abs(e.exp.value) > limit) || highPower(e.base, limit) || highPower(e.exp, limit);
    case 'add': return e.terms.some((t) => highPower(t, limit));
    case 'mul': return e.factors.some((f) => highPower(f, limit));
    case 'call': return e.args.some((a) => highPower(a, limit));
  }
}

function lowestTermsIfSimpler(d: Expr): Expr {
  // nerdamer expands powers term by term: (x/1000 + 1)^299 stalls it for minutes. Such a derivative stays as it is.
  if (size(d) > 200 || highPower(d, 16)) return d;
  const candidate = casLowestTerms(d);
  if (!candidate || size(candidate) >= size(d)) return d;
  const agrees = CHECK_GRID.every((x) => {
    const a = evaluate(d, () => x);
    const b = evaluate(candidate, () => x);
    return !Number.isFinite(a) || Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a));
  });
  return agrees ? candidate : d;
}

/** A formula as quoted in a message: long ones are cut. */
const short = (formula: string): string => (formula.length > 60 ? `${formula.slice(0, 57)}...` : formula);

function checkOnGrid(formula: string, f: (x: number) => number, df: (x: number) => number): void {
  for (const x of CHECK_GRID) {
    if (!Number.isFinite(f(x))) throw new UserError(`formula "${short(formula)}" is not finite at x = ${x}`);
    if (!Number.isFinite(df(x))) throw new UserError(`formula "${short(formula)}": its derivative is not finite at x = ${x}`);
  }
}
