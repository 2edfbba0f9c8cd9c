// The symbolic step: formula − truth must expand to 0 (nerdamer). Tried in
// stages, cheapest first, each sound on its own (an identity in free symbols
// stays one after substituting their definitions):
//   1. the network's named quantities (a, z, δ inlined) as free symbols;
//   2. a^(l) replaced by σ(z^(l)), z kept free;
//   3. everything in W, b, x, y.
// In each, equal trees up to order are accepted first, then σ, exp, tanh are
// made opaque symbols (a polynomial identity, which nerdamer decides quickly),
// and only in the first two, small, are they written out (nerdamer's expand of
// nested exponentials takes seconds and rarely ends at 0).
// Bounded: large expressions are skipped, a deadline is checked before every
// CAS call, and one slow call ends the attempt, so the step cannot hang (a
// skipped proof is not a failure: the verdict is then "numerically-equal").
import { casIsZero } from '../symbolic/cas.ts';
import { add, call, div, mul, pow, sub, substitute, sym, type Expr } from '../symbolic/expr.ts';
import { applyActivation } from '../symbolic/activations.ts';
import { activationOf, elementSym } from './algebra.ts';
import type { NetInfo } from './context.ts';

/** Largest difference (in IR nodes) sent to the CAS with named quantities, and fully expanded. */
export const MAX_NAMED_SIZE = 1500;
export const MAX_EXPANDED_SIZE = 700;
/** Largest difference sent with σ, exp, … written out (nerdamer is slow on nested exponentials). */
export const MAX_DEFINED_SIZE = 300;
export const MAX_PROOF_ELEMENTS = 256;
/** A CAS call slower than this ends the attempt. */
export const SLOW_CALL_MS = 1000;
/**
 * Most monomials an expansion may produce. nerdamer's expand has no time limit
 * and is slow: a product of 756 monomials takes seconds, 2,000 about a minute
 * (measured), so larger expansions are not attempted.
 */
export const MAX_MONOMIALS = 150;

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

interface View { readonly name: string; readonly f: () => Expr; readonly t: () => Expr; readonly limit: number; readonly expandFunctions: boolean }

export function prove(pairs: readonly Pair[], info: NetInfo, deadline: number): ProofOutcome {
  if (pairs.length > MAX_PROOF_ELEMENTS) return { proved: false, detail: `skipped: ${pairs.length} elements (more than ${MAX_PROOF_ELEMENTS})` };
  const defs = new Definitions(info);
  const used = new Set<string>();
  for (const pair of pairs) {
    const { formula, truth } = pair;
    const views: View[] = [];
    if (pair.atDelta) {
      const d = pair.atDelta;
      views.push({ name: `with δ${d.layer} as a named quantity`, f: () => d.formula, t: () => d.truth, limit: MAX_NAMED_SIZE, expandFunctions: true });
    }
    // Shared subtrees (δ inlined into δ) can make a tree far larger than its graph: measure before walking it.
    if (boundedSize(formula, MAX_NAMED_SIZE) + boundedSize(truth, MAX_NAMED_SIZE) <= MAX_NAMED_SIZE) {
      views.push(
        { name: 'in the named quantities', f: () => formula, t: () => truth, limit: MAX_NAMED_SIZE, expandFunctions: true },
        { name: 'with a = σ(z)', f: () => defs.activationsOnly(formula), t: () => defs.activationsOnly(truth), limit: MAX_NAMED_SIZE, expandFunctions: true },
        { name: 'in W, b, x and y', f: () => defs.primitives(formula), t: () => defs.primitives(truth), limit: MAX_EXPANDED_SIZE, expandFunctions: false },
      );
    }
    const outcome = proveOne(views, deadline);
    if (!outcome.proved) return outcome;
    used.add(outcome.detail);
  }
  return { proved: true, detail: [...used].join('; ') };
}

function proveOne(views: readonly View[], deadline: number): ProofOutcome {
  let reason = views.length === 0 ? 'expressions too large for the CAS' : 'the CAS did not reduce the difference to 0';
  for (const view of views) {
    if (Date.now() > deadline) return { proved: false, detail: 'skipped: out of time' };
    const f = view.f();
    const t = view.t();
    if (boundedSize(f, view.limit) + boundedSize(t, view.limit) > view.limit) { reason = `expression too large for the CAS (over ${view.limit} nodes)`; continue; }
    if (canonical(f) === canonical(t)) return { proved: true, detail: `the same expression up to order ${view.name}` };
    const d = sub(f, t);
    // Functions (σ, exp, tanh) as opaque symbols first: a polynomial identity nerdamer decides quickly.
    const opaque = opaqueCalls(d);
    if (expansionSize(opaque) > MAX_MONOMIALS) { reason = `the expansion is too large for the CAS (over ${MAX_MONOMIALS} terms)`; continue; }
    const t0 = Date.now();
    if (zero(opaque)) return { proved: true, detail: `nerdamer expands formula − truth to 0 ${view.name}` };
    if (Date.now() - t0 > SLOW_CALL_MS) return { proved: false, detail: 'skipped: the CAS is slow on this expression' };
    if (!view.expandFunctions || opaque === d || boundedSize(d, MAX_DEFINED_SIZE) > MAX_DEFINED_SIZE || expansionSize(d) > MAX_MONOMIALS) continue;
    const t1 = Date.now();
    if (zero(d)) return { proved: true, detail: `nerdamer expands formula − truth to 0 ${view.name}, functions written out` };
    if (Date.now() - t1 > SLOW_CALL_MS) return { proved: false, detail: 'skipped: the CAS is slow on this expression' };
  }
  return { proved: false, detail: `not proved: ${reason}` };
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

/** Each distinct call (up to order inside) replaced by its own symbol; unchanged when there is none. */
function opaqueCalls(e: Expr): Expr {
  const ids = new Map<string, number>();
  const memo = new Map<Expr, string>();
  const go = (x: Expr): Expr => {
    switch (x.kind) {
      case 'num': case 'sym': return x;
      case 'call': {
        const k = canonical(x, memo);
        let id = ids.get(k);
        if (id === undefined) { id = ids.size; ids.set(k, id); }
        return sym('f#', undefined, [id]);
      }
      case 'add': return add(...x.terms.map(go));
      case 'mul': return mul(...x.factors.map(go));
      case 'pow': return pow(go(x.base), go(x.exp));
    }
  };
  const out = go(e);
  return ids.size === 0 ? e : out;
}

/**
 * An upper bound on the terms nerdamer's expand writes: monomials of the
 * expanded expression, plus those of every denominator and function argument,
 * which are expanded on their own. Capped, so it never overflows.
 */
export function expansionSize(e: Expr): number {
  const CAP = 1e9;
  let inner = 0;
  const multichoose = (m: number, n: number): number => {
    let r = 1;
    for (let k = 1; k <= n && r < CAP; k++) r = (r * (m + k - 1)) / k;
    return Math.min(CAP, Math.round(r));
  };
  const go = (x: Expr): number => {
    switch (x.kind) {
      case 'num': case 'sym': return 1;
      case 'add': return Math.min(CAP, x.terms.reduce((s, t) => s + go(t), 0));
      case 'mul': return Math.min(CAP, x.factors.reduce((p, f) => p * go(f), 1));
      case 'pow': {
        const m = go(x.base);
        const n = x.exp.kind === 'num' ? x.exp.value : NaN;
        if (Number.isInteger(n) && n >= 1) return m === 1 ? 1 : n > 64 ? CAP : multichoose(m, n);
        inner = Math.min(CAP, inner + m + go(x.exp));
        return 1;
      }
      case 'call': inner = Math.min(CAP, inner + x.args.reduce((s, a) => s + go(a), 0)); return 1;
    }
  };
  return Math.min(CAP, go(e) + inner);
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

function zero(d: Expr): boolean {
  try {
    return casIsZero(d);
  } catch {
    return false; // nerdamer refuses some inputs (a division by zero): no proof, not an error
  }
}

/** Definitions of the intermediates: a = σ(z), z = W a + b, a^(0) = x. */
class Definitions {
  private readonly full = new Map<string, Expr>();
  constructor(private readonly info: NetInfo) {}

  /** σ(z) for element i of layer l, with z left as a symbol (or in primitives when `deep`). */
  private activation(l: number, i: number, z: (k: number) => Expr): Expr {
    if (this.info.activation(l).kind === 'softmax') {
      const n = this.info.units(l);
      return div(call('exp', z(i)), add(...Array.from({ length: n }, (_, k) => call('exp', z(k + 1)))));
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

