// The symbolic step: formula − truth must reduce to 0. Tried in views, cheapest
// first, each sound on its own (an identity in free symbols stays one after
// substituting their definitions):
//   1. δ^(M) kept as a symbol on both sides, when the formula names δ^(M);
//   2. the network's named quantities (a, z, δ inlined) as free symbols;
//   3. a^(l) replaced by σ(z^(l)), z kept free;
//   4. everything in W, b, x and y.
// In each: equal trees up to order (no CAS); then functions as opaque symbols,
// a polynomial identity; then σ, tanh, softplus, cosh … rewritten in exp, each
// exp(c·m) a power of one symbol, the difference brought over one denominator
// and its numerator expanded. Each CAS call is made only when random values of
// the symbols already give 0 (nerdamer is slow to fail, quick to confirm). With
// softmax cross-entropy the targets are assumed to sum to 1, as the loss does
// (y_n = 1 − Σ_{i<n} y_i).
// Bounded by time, not by size estimates: nerdamer runs in a worker thread
// that is terminated at the deadline (cas-client.ts).
import { add, div, mul, num, pow, sub, substitute, sym, symKey, type Expr, type Sym } from '../symbolic/expr.ts';
import { evaluateShared } from './dag.ts';
import { applyActivation } from '../symbolic/activations.ts';
import { activationOf, elementSym } from './algebra.ts';
import { casExpand } from './cas-client.ts';
import type { NetInfo } from './context.ts';

export const MAX_PROOF_ELEMENTS = 256;
/** Largest expression sent to the CAS (tree nodes, and characters of its text): a bound on the memory built here, not a guess at the CAS's time. */
export const MAX_CAS_TEXT = 200_000;
/** The least time a CAS call is given before it may be stopped (a fresh worker starts in about 0.15 s). */
export const MIN_CALL_MS = 400;

export interface ProofOutcome {
  readonly proved: boolean;
  /** How, or why not, in a few words. */
  readonly detail: string;
}

export interface Pair {
  readonly formula: Expr;
  readonly truth: Expr;
  /** The same with δ^(layer) kept as a symbol on both sides (when the formula names δ). */
  readonly atDelta?: { readonly formula: Expr; readonly truth: Expr; readonly layer: number };
}

interface View { readonly name: string; readonly f: () => Expr; readonly t: () => Expr; readonly deep?: boolean }

class OutOfTime extends Error {}

export function prove(pairs: readonly Pair[], info: NetInfo, deadline: number): ProofOutcome {
  if (pairs.length > MAX_PROOF_ELEMENTS) return { proved: false, detail: `skipped: ${pairs.length} elements (more than ${MAX_PROOF_ELEMENTS})` };
  const defs = new Definitions(info);
  const sumOne = info.network.loss === 'softmax-cross-entropy' && info.units(info.L) > 1;
  const assumed = new Map<Expr, Expr>();
  const assume = (e: Expr): Expr => {
    if (!sumOne) return e;
    let hit = assumed.get(e);
    if (!hit) {
      hit = targetsSumToOne(e, info.units(info.L));
      // unchanged when no y_n occurs, so that the note is left out
      if (canonical(hit) === canonical(e)) hit = e;
      assumed.set(e, hit);
    }
    return hit;
  };
  const used = new Set<string>();
  try {
    for (const pair of pairs) {
      const { formula, truth } = pair;
      const views: View[] = [];
      if (pair.atDelta) {
        const d = pair.atDelta;
        views.push({ name: `with δ${d.layer} as a named quantity`, f: () => d.formula, t: () => d.truth });
      }
      views.push(
        { name: 'in the named quantities', f: () => formula, t: () => truth },
        { name: 'with a = σ(z)', f: () => defs.activationsOnly(formula), t: () => defs.activationsOnly(truth) },
        { name: 'in W, b, x and y', f: () => defs.primitives(formula), t: () => defs.primitives(truth), deep: true },
      );
      const how = proveOne(views, deadline, assume);
      if (!how) return { proved: false, detail: 'not proved: the CAS did not reduce formula − truth to 0' };
      used.add(how);
    }
  } catch (err) {
    if (err instanceof OutOfTime) return { proved: false, detail: 'not proved within the time limit (the CAS was stopped at the deadline)' };
    throw err;
  }
  return { proved: true, detail: [...used].join('; ') };
}

/**
 * How the pair was proved, or undefined when no view reduces to 0. The cheap
 * attempts of every view come first, the rewriting in exp last; no CAS call
 * may take more than half the time left, so one slow view leaves time for the others.
 */
function proveOne(views: readonly View[], deadline: number, assume: (e: Expr) => Expr): string | undefined {
  const diffs: { view: View; d: Expr; deep: boolean }[] = [];
  for (const view of views) {
    const f = view.f();
    const t = view.t();
    if (boundedSize(f, MAX_CAS_TEXT) + boundedSize(t, MAX_CAS_TEXT) > MAX_CAS_TEXT) continue;
    if (canonical(f) === canonical(t)) return `the same expression up to order ${view.name}`;
    // An identity holds at any values of the view's symbols: where it fails at random ones, the CAS cannot prove it here.
    if (!agreesAtRandom(assume(f), assume(t))) continue;
    diffs.push({ view, d: sub(f, t), deep: view.deep === true });
  }
  // Both attempts on the named views first: everything in W, b, x and y is the largest by far.
  const order = [...diffs.filter((x) => !x.deep), ...diffs.filter((x) => x.deep)];
  for (const deep of [false, true]) {
    const these = order.filter((x) => x.deep === deep);
    for (const [how, attempt] of ATTEMPTS) {
      for (const { view, d } of these) {
        const e = attempt(assume(d));
        // The CAS only confirms what random values of the symbols already suggest (it is slow to fail).
        if (!agreesAtRandom(e, num(0)) || !isZero(e, deadline)) continue;
        // Say when the proof needs the targets to sum to 1 (only then).
        const assumed = assume(d) !== d && !(agreesAtRandom(attempt(d), num(0)) && isZero(attempt(d), deadline));
        return `nerdamer ${how(view.name)}${assumed ? ' (with Σ y_i = 1, as softmax cross-entropy assumes)' : ''}`;
      }
    }
  }
  return undefined;
}

/** The attempts on formula − truth, cheapest first: a polynomial identity, then one in exp over one denominator. */
const ATTEMPTS: readonly [(view: string) => string, (d: Expr) => Expr][] = [
  [(view) => `expands formula − truth to 0 ${view}`, (d) => numerator(opaqueCalls(d))],
  [(view) => `brings formula − truth to 0 ${view}, with σ, tanh and softplus written in exp`, (d) => numerator(inExp(d))],
];

/** Whether e expands to 0. A call that runs past its share of the time is stopped and counts as no; past the deadline, the proof ends. */
function isZero(e: Expr, deadline: number): boolean {
  const text = casText(e);
  if (text === undefined) return false;
  const now = Date.now();
  if (now >= deadline) throw new OutOfTime();
  const answer = casExpand(text, Math.min(deadline, now + Math.max(MIN_CALL_MS, (deadline - now) / 2)));
  if (answer === 'timeout') {
    if (Date.now() >= deadline) throw new OutOfTime();
    return false;
  }
  return 'result' in answer && answer.result === '0';
}

/** f and t agree at two sets of random values of their symbols (values in [0.2, 0.9], away from the poles of log and 1/x). */
function agreesAtRandom(f: Expr, t: Expr): boolean {
  for (const seed of [1, 2]) {
    const values = new Map<string, number>();
    const env = (s: Sym): number => {
      const k = symKey(s);
      let v = values.get(k);
      if (v === undefined) { v = 0.2 + 0.7 * fraction(k, seed); values.set(k, v); }
      return v;
    };
    try {
      const [a, b] = [evaluateShared(f, env), evaluateShared(t, env)];
      if (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) > 1e-8 * Math.max(1, Math.abs(a), Math.abs(b))) return false;
    } catch {
      return true; // a function without a numeric value here: let the CAS decide
    }
  }
  return true;
}

/** A number in [0, 1) from a text and a seed (FNV-1a): the same symbol gets the same value on both sides. */
function fraction(text: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/** y_n written as 1 − Σ_{i<n} y_i. */
function targetsSumToOne(e: Expr, n: number): Expr {
  const rest = add(num(1), ...Array.from({ length: n - 1 }, (_, i) => mul(num(-1), sym('y', undefined, [i + 1]))));
  return substitute(e, (s) => (s.base === 'y' && s.layer === undefined && s.index[0] === n ? rest : undefined));
}

/** A string equal for expressions equal up to the order of terms and factors. */
export function canonical(e: Expr, memo = new Map<Expr, string>()): string {
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  let out: string;
  switch (e.kind) {
    case 'num': out = String(e.value); break;
    case 'sym': out = `${e.sym.base}${e.sym.layer ?? ''}[${e.sym.index.join(',')}]`; break;
    case 'add': out = `(+ ${e.terms.map((t) => canonical(t, memo)).sort().join(' ')})`; break;
    case 'mul': out = `(* ${e.factors.map((t) => canonical(t, memo)).sort().join(' ')})`; break;
    case 'pow': out = `(^ ${canonical(e.base, memo)} ${canonical(e.exp, memo)})`; break;
    case 'call': out = `(${e.fn} ${e.args.map((t) => canonical(t, memo)).join(' ')})`; break;
  }
  memo.set(e, out);
  return out;
}

/** Replaces expressions by symbols, one symbol per distinct expression (up to order). */
class Atoms {
  private readonly ids = new Map<string, number>();
  private readonly memo = new Map<Expr, string>();
  constructor(private readonly base: string) {}
  of(e: Expr): Expr {
    const k = canonical(e, this.memo);
    let id = this.ids.get(k);
    if (id === undefined) { id = this.ids.size; this.ids.set(k, id); }
    return sym(this.base, undefined, [id]);
  }
}

/** Each distinct call replaced by its own symbol: what is left is a polynomial (or rational) identity. */
function opaqueCalls(e: Expr): Expr {
  const atoms = new Atoms('f#');
  const go = (x: Expr): Expr => {
    switch (x.kind) {
      case 'num': case 'sym': return x;
      case 'call': return atoms.of(x);
      case 'add': return add(...x.terms.map(go));
      case 'mul': return mul(...x.factors.map(go));
      case 'pow': return pow(go(x.base), go(x.exp));
    }
  };
  return go(e);
}

const E = (u: Expr): Expr => ({ kind: 'call', fn: 'exp', args: [u] });
const one = num(1);

/** The functions the engine and people use, in exp (and log): σ(u) = 1/(1 + e^(−u)), tanh u = (e^(2u) − 1)/(e^(2u) + 1), … */
const IN_EXP: Readonly<Record<string, (u: Expr, v?: Expr) => Expr>> = {
  sigmoid: (u) => div(one, add(one, E(mul(num(-1), u)))),
  tanh: (u) => div(sub(E(mul(num(2), u)), one), add(E(mul(num(2), u)), one)),
  softplus: (u) => ({ kind: 'call', fn: 'log', args: [add(one, E(u))] }),
  cosh: (u) => mul(num(0.5), add(E(u), E(mul(num(-1), u)))),
  sinh: (u) => mul(num(0.5), sub(E(u), E(mul(num(-1), u)))),
  sech: (u) => div(num(2), add(E(u), E(mul(num(-1), u)))),
  xdivy: (u, v) => div(u, v!),
  xlogy: (u, v) => mul(u, { kind: 'call', fn: 'log', args: [v!] }),
};

/**
 * e rewritten as a rational function: σ, tanh, … in exp; exp(Σ c_k m_k) as
 * Π E(m_k)^(c_k) with one symbol E(m) per distinct m (exp(a + b) = exp(a)
 * exp(b), exp(c m) = exp(m)^c for whole c); any other call a symbol of its own.
 */
function inExp(e: Expr): Expr {
  const exps = new Atoms('e#');
  const others = new Atoms('g#');
  const memo = new Map<Expr, Expr>();
  const go = (x: Expr): Expr => {
    const hit = memo.get(x);
    if (hit) return hit;
    let out: Expr;
    switch (x.kind) {
      case 'num': case 'sym': out = x; break;
      case 'add': out = add(...x.terms.map(go)); break;
      case 'mul': out = mul(...x.factors.map(go)); break;
      case 'pow': out = pow(go(x.base), go(x.exp)); break;
      case 'call': {
        const write = IN_EXP[x.fn];
        if (write) { out = go(write(x.args[0]!, x.args[1])); break; }
        const args = x.args.map(go);
        if (x.fn !== 'exp') { out = others.of({ ...x, args }); break; }
        // exp(Σ c_k m_k) = Π exp(m_k)^(c_k): numeric factors distributed over sums first, so both sides split alike
        const terms: [number, Expr][] = [];
        const linear = (u: Expr, c: number): void => {
          if (u.kind === 'add') for (const t of u.terms) linear(t, c);
          else if (u.kind === 'mul' && u.factors[0]!.kind === 'num') linear(mul(...u.factors.slice(1)), c * u.factors[0].value);
          else if (u.kind === 'num') terms.push([c * u.value, one]);
          else terms.push([c, u]);
        };
        linear(args[0]!, 1);
        out = mul(...terms.map(([c, m]) => {
          if (m.kind === 'num') return E(num(c * m.value)); // the exp of a number stays one opaque number
          return Number.isInteger(c) ? pow(exps.of(m), num(c)) : exps.of(mul(num(c), m));
        }));
        break;
      }
    }
    memo.set(x, out);
    return out;
  };
  return opaqueCalls(go(e));
}

/** A denominator as a product of powers of factors, keyed by their canonical text. */
type Factors = Map<string, { readonly base: Expr; readonly k: number }>;

/**
 * The numerator of e over its least common denominator: denominators are kept
 * as products of factors, and a sum multiplies each term only by the factors
 * it lacks (sound while no factor is 0; nothing is cancelled from numerators).
 */
function numerator(e: Expr): Expr {
  const memo = new Map<Expr, { n: Expr; d: Factors }>();
  const keys = new Map<Expr, string>();
  const power = (d: Factors): Expr => mul(...[...d.values()].map((f) => pow(f.base, num(f.k))));
  const factorsOf = (x: Expr, k: number): Factors => {
    const out: Factors = new Map();
    for (const f of x.kind === 'mul' ? x.factors : [x]) {
      const key = canonical(f, keys);
      out.set(key, { base: f, k: (out.get(key)?.k ?? 0) + k });
    }
    return out;
  };
  const frac = (x: Expr): { n: Expr; d: Factors } => {
    const hit = memo.get(x);
    if (hit) return hit;
    let out: { n: Expr; d: Factors };
    switch (x.kind) {
      case 'add': {
        const parts = x.terms.map(frac);
        const lcm: Factors = new Map();
        for (const p of parts) for (const [key, f] of p.d) if ((lcm.get(key)?.k ?? 0) < f.k) lcm.set(key, f);
        const missing = (d: Factors): Expr => mul(...[...lcm].map(([key, f]) => pow(f.base, num(f.k - (d.get(key)?.k ?? 0)))));
        out = { n: add(...parts.map((p) => mul(p.n, missing(p.d)))), d: lcm };
        break;
      }
      case 'mul': {
        const parts = x.factors.map(frac);
        const d: Factors = new Map();
        for (const p of parts) for (const [key, f] of p.d) d.set(key, { base: f.base, k: (d.get(key)?.k ?? 0) + f.k });
        out = { n: mul(...parts.map((p) => p.n)), d };
        break;
      }
      case 'pow': {
        const k = x.exp.kind === 'num' ? x.exp.value : NaN;
        if (Number.isInteger(k) && k !== 0) {
          const f = frac(x.base);
          const times = (d: Factors, m: number): Factors => new Map([...d].map(([key, g]) => [key, { base: g.base, k: g.k * m }]));
          out = k > 0 ? { n: pow(f.n, num(k)), d: times(f.d, k) } : { n: pow(power(f.d), num(-k)), d: factorsOf(f.n, -k) };
        } else {
          out = { n: x, d: new Map() };
        }
        break;
      }
      default: out = { n: x, d: new Map() };
    }
    memo.set(x, out);
    return out;
  };
  return frac(e).n;
}

/** Number of tree nodes, counting stops past `limit` (so a huge shared graph costs little). */
export function boundedSize(e: Expr, limit: number): number {
  let count = 0;
  const stack: Expr[] = [e];
  while (stack.length > 0 && count <= limit) {
    const n = stack.pop()!;
    count++;
    switch (n.kind) {
      case 'add': stack.push(...n.terms); break;
      case 'mul': stack.push(...n.factors); break;
      case 'pow': stack.push(n.base, n.exp); break;
      case 'call': stack.push(...n.args); break;
      default: break;
    }
  }
  return count;
}

/** A number as nerdamer should read it: an exact fraction when the float is one with a small denominator. */
function casNumber(v: number): string {
  if (Number.isInteger(v)) return v < 0 ? `(${v})` : String(v);
  // continued fraction, denominators up to 10^6: 0.6666666666666666 is 2/3, as it was meant
  let [h0, h1, k0, k1, x] = [0, 1, 1, 0, Math.abs(v)];
  for (let i = 0; i < 40; i++) {
    const a = Math.floor(x);
    [h0, h1] = [h1, a * h1 + h0];
    [k0, k1] = [k1, a * k1 + k0];
    if (k1 > 1e6) break;
    if (Math.abs(h1 / k1 - Math.abs(v)) <= 1e-15 * Math.abs(v)) return `(${v < 0 ? '-' : ''}${h1}/${k1})`;
    if (x === a) break;
    x = 1 / (x - a);
  }
  return `(${v})`;
}

/** Our IR as nerdamer text, with neutral names (nerdamer misreads names such as W1_1_1); undefined past MAX_CAS_TEXT. */
function casText(e: Expr): string | undefined {
  const names = new Map<string, string>();
  const name = (k: string): string => {
    let n = names.get(k);
    if (!n) { n = `s${names.size}`; names.set(k, n); }
    return n;
  };
  let length = 0;
  const go = (x: Expr): string => {
    if (length > MAX_CAS_TEXT) return '';
    let out: string;
    switch (x.kind) {
      case 'num': out = casNumber(x.value); break;
      case 'sym': out = name(canonical(x)); break;
      case 'add': out = `(${x.terms.map(go).join('+')})`; break;
      case 'mul': out = `(${x.factors.map(go).join('*')})`; break;
      case 'pow': out = `(${go(x.base)})^(${go(x.exp)})`; break;
      case 'call': out = name(canonical(x)); break; // an opaque function of its own
    }
    length += out.length;
    return out;
  };
  const text = go(e);
  return length > MAX_CAS_TEXT ? undefined : text;
}

/** Definitions of the intermediates: a = σ(z), z = W a + b, a^(0) = x. */
class Definitions {
  private readonly full = new Map<string, Expr>();
  constructor(private readonly info: NetInfo) {}

  /** σ(z) for element i of layer l, with z left as a symbol (or in primitives when `deep`). */
  private activation(l: number, i: number, z: (k: number) => Expr): Expr {
    if (this.info.activation(l).kind === 'softmax') {
      const n = this.info.units(l);
      return div(E(z(i)), add(...Array.from({ length: n }, (_, k) => E(z(k + 1)))));
    }
    return applyActivation(activationOf(this.info, l), z(i));
  }

  activationsOnly(e: Expr): Expr {
    return substitute(e, (s) => (s.base === 'a' && s.layer !== undefined && s.layer > 0 ? this.activation(s.layer, s.index[0]!, (k) => sym('z', s.layer, [k])) : undefined));
  }

  private z(l: number, i: number): Expr {
    const k = `z${l},${i}`;
    let hit = this.full.get(k);
    if (!hit) {
      const terms: Expr[] = [];
      for (let c = 1; c <= this.info.units(l - 1); c++) terms.push(mul(sym('W', l, [i, c]), this.a(l - 1, c)));
      if (this.info.hasBias(l)) terms.push(sym('b', l, [i]));
      hit = add(...terms);
      this.full.set(k, hit);
    }
    return hit;
  }

  private a(l: number, i: number): Expr {
    if (l === 0) return elementSym('a', 0, i, 1);
    const k = `a${l},${i}`;
    let hit = this.full.get(k);
    if (!hit) {
      hit = this.activation(l, i, (c) => this.z(l, c));
      this.full.set(k, hit);
    }
    return hit;
  }

  primitives(e: Expr): Expr {
    return substitute(e, (s) => {
      if (s.layer === undefined || s.layer === 0) return undefined;
      if (s.base === 'a') return this.a(s.layer, s.index[0]!);
      if (s.base === 'z') return this.z(s.layer, s.index[0]!);
      return undefined;
    });
  }
}
