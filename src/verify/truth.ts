// The true derivative, element by element: symbolically in the network's named
// quantities (for the proof) and numerically at a point (for the verdict).
// ∂C/∂P comes from the derivation (lowered, δ inlined) and, numerically, from
// the reference implementation; ∂a/∂P and ∂z/∂P from forward-mode rules here.
import type { Derivation } from '../derive/derive.ts';
import { evaluateShared } from './dag.ts';
import { add, mul, num, sub, substitute, sym, ZERO, type Expr } from '../symbolic/expr.ts';
import { lowerElement } from '../lower/elements.ts';
import { applyDerivative } from '../symbolic/activations.ts';
import { activationOf, elementSym, pointEnv } from './algebra.ts';
import type { NetInfo } from './context.ts';
import type { PointState } from './points.ts';
import type { Element, Task } from './task.ts';

export interface Truth {
  /**
   * The element in named quantities. With `level` M, δ^(M) stays a named
   * quantity and every δ below it is written in terms of it (the derivation's
   * own recursion); without, every δ is written out.
   */
  symbolic(e: Element, level?: number): Expr;
  numeric(p: PointState, e: Element): number;
  /** δ^(l)_i in named quantities, δ^(level) and above kept as names when `level` is given. */
  delta(l: number, i: number, level?: number): Expr;
}

export function makeTruth(task: Task, derivation: () => Derivation): Truth {
  const { info, of, wrt } = task;
  const deltaMemo = new Map<string, Expr>();
  const delta = (l: number, i: number, level = Infinity): Expr => {
    if (l >= level) return sym('delta', l, [i]);
    const k = `${l},${i},${level}`;
    let hit = deltaMemo.get(k);
    if (!hit) {
      const g = derivation().gradients[l - 1]!;
      hit = inlineDeltas(lowerElement(g.delta, i, 1), level);
      deltaMemo.set(k, hit);
    }
    return hit;
  };
  const inlineDeltas = (e: Expr, level = Infinity): Expr =>
    substitute(e, (s) => (s.base === 'delta' && s.layer !== undefined ? delta(s.layer, s.index[0]!, level) : undefined));
  const param = (e: Element): Expr => elementSym(wrt.base as 'W' | 'b', wrt.layer, e.p[0], e.p[1]);

  if (of.base === 'C') {
    const gradient = (e: Element, level?: number): Expr => {
      const g = derivation().gradients[wrt.layer - 1]!;
      const m = wrt.base === 'W' ? g.dW : g.db;
      if (!m) throw new Error(`internal: no gradient for b${wrt.layer}`);
      return inlineDeltas(lowerElement(m, e.p[0], e.p[1]), level);
    };
    return {
      delta,
      symbolic: (e, level) => (task.update ? sub(param(e), mul(sym('R'), gradient(e, level))) : gradient(e, level)),
      numeric: (p, e) => {
        const g = p.gradAt(wrt.base as 'W' | 'b', wrt.layer, e.p[0], e.p[1]);
        return task.update ? pointValueOfParam(p, wrt.base as 'W' | 'b', wrt.layer, e) - p.rate * g : g;
      },
    };
  }
  const forward = forwardMode(info, wrt.base as 'W' | 'b', wrt.layer);
  const symbolic = (e: Element): Expr => forward(of.base as 'a' | 'z', of.layer, e.q ?? 1, e.p[0], e.p[1]);
  return { delta, symbolic, numeric: (p, e) => evaluateShared(symbolic(e), pointEnv(p)) };
}

function pointValueOfParam(p: PointState, base: 'W' | 'b', layer: number, e: Element): number {
  return base === 'W' ? (p.named[`W${layer}`] as number[][])[e.p[0] - 1]![e.p[1] - 1]! : (p.named[`b${layer}`] as number[])[e.p[0] - 1]!;
}

/**
 * ∂q/∂P_{jk} by forward-mode rules, in named quantities:
 * ∂z^(m)_i = Σ_k W^(m)_{ik} ∂a^(m−1)_k (+ a^(m−1)_k or 1 where P is in layer m), ∂a^(m)_i = σ'(z^(m)_i) ∂z^(m)_i
 * (softmax: Σ_k a_i (δ_ik − a_k) ∂z_k).
 */
function forwardMode(info: NetInfo, pBase: 'W' | 'b', pLayer: number) {
  return (qBase: 'a' | 'z', qLayer: number, qi: number, j: number, k: number): Expr => {
    const memo = new Map<string, Expr>();
    const dz = (m: number, i: number): Expr => {
      const key = `z${m},${i}`;
      const hit = memo.get(key);
      if (hit) return hit;
      let out: Expr = ZERO;
      if (m >= pLayer) {
        const terms: Expr[] = [];
        if (m > pLayer) for (let c = 1; c <= info.units(m - 1); c++) terms.push(mul(sym('W', m, [i, c]), da(m - 1, c)));
        if (m === pLayer && i === j) terms.push(pBase === 'W' ? elementSym('a', m - 1, k, 1) : num(1));
        out = add(...terms);
      }
      memo.set(key, out);
      return out;
    };
    const da = (m: number, i: number): Expr => {
      const key = `a${m},${i}`;
      const hit = memo.get(key);
      if (hit) return hit;
      let out: Expr = ZERO;
      if (m >= pLayer) {
        if (info.activation(m).kind === 'softmax') {
          const ai = sym('a', m, [i]);
          const terms: Expr[] = [];
          for (let c = 1; c <= info.units(m); c++) terms.push(mul(ai, sub(num(c === i ? 1 : 0), sym('a', m, [c])), dz(m, c)));
          out = add(...terms);
        } else {
          const d = dz(m, i);
          out = d.kind === 'num' && d.value === 0 ? ZERO : mul(applyDerivative(activationOf(info, m), sym('z', m, [i]), sym('a', m, [i])), d);
        }
      }
      memo.set(key, out);
      return out;
    };
    return qBase === 'z' ? dz(qLayer, qi) : da(qLayer, qi);
  };
}

