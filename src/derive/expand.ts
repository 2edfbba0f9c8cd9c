// The second route to the gradient, for tiny networks: write the loss as one
// scalar expression of the parameters, input and target, and differentiate it
// directly with the CAS. Tests hold it against the lowered δ recursion.
import type { Graph } from '../graph/build.ts';
import { layoutOf } from '../graph/layout.ts';
import { lowerElement } from '../lower/elements.ts';
import { lossTerm } from '../symbolic/losses.ts';
import type { Routine } from '../lower/routine.ts';
import { casDiff } from '../symbolic/cas.ts';
import { add, call, num, pow, sub, substitute, sym, symKey, type Expr, type Sym } from '../symbolic/expr.ts';

/**
 * softmax_j = 1 / Σ_k exp(z_k − z_j), the same value as exp(z_j) / Σ_k exp(z_k): nerdamer differentiates
 * exp(u) (exp(u) + exp(v))^(−1) wrongly (it merges the two into (e^u + e^v)^(u − 1); a 1-2 softmax
 * network's scalar level printed ∂C/∂b_1 = −y_1 instead of a_1 − y_1), and this form it gets right.
 */
function softmaxForCas(zs: readonly Expr[], j: number): Expr {
  const zj = zs[j - 1]!;
  return pow(add(...zs.map((zk) => call('exp', sub(zk, zj)))), num(-1));
}

export const DEFAULT_EXPAND_LIMIT = 10;

export interface ExpandedDerivative {
  readonly param: Sym;
  readonly expr: Expr;
}

export interface Expansion {
  readonly loss: Expr;
  readonly derivatives: readonly ExpandedDerivative[];
}

/** Every parameter symbol of the network, in layout order. */
export function parameterSymbols(graph: Graph): Sym[] {
  const out: Sym[] = [];
  for (const e of layoutOf(graph.network).entries) {
    for (let j = 1; j <= e.rows; j++) {
      for (let k = 1; k <= e.cols; k++) {
        const s = e.kind === 'W' ? sym('W', e.layer, [j, k]) : sym('b', e.layer, [j]);
        if (s.kind === 'sym') out.push(s.sym);
      }
    }
  }
  return out;
}

/** C as one expression in W, b, x, y. */
export function expandedLoss(graph: Graph): Expr {
  const defs = new Map<string, Expr>();
  const inline = (e: Expr): Expr => substitute(e, (s) => defs.get(symKey(s)));
  for (const layer of graph.layers) {
    for (let j = 1; j <= layer.units; j++) defs.set(symKey({ base: 'z', layer: layer.l, index: [j] }), inline(lowerElement(layer.zDef, j, 1)));
    const zs = Array.from({ length: layer.units }, (_, j) => defs.get(symKey({ base: 'z', layer: layer.l, index: [j + 1] }))!);
    for (let j = 1; j <= layer.units; j++) {
      defs.set(symKey({ base: 'a', layer: layer.l, index: [j] }),
        layer.act.elementwise ? inline(lowerElement(layer.aDef, j, 1)) : softmaxForCas(zs, j));
    }
  }
  const last = graph.layers[graph.layers.length - 1]!;
  const terms = Array.from({ length: last.units }, (_, i) =>
    lossTerm(graph.loss, defs.get(symKey({ base: 'a', layer: last.l, index: [i + 1] }))!, i + 1, last.units));
  return add(...terms);
}

export function expand(graph: Graph): Expansion {
  const loss = expandedLoss(graph);
  return { loss, derivatives: parameterSymbols(graph).map((param) => ({ param, expr: casDiff(loss, param) })) };
}

/** The lowered δ recursion's gradient with every statement inlined: an expression in W, b, x, y. */
export function inlinedGradient(routine: Routine): Map<string, Expr> {
  const defs = new Map<string, Expr>();
  const inline = (e: Expr): Expr => substitute(e, (s) => defs.get(symKey(s)));
  for (const s of [...routine.forward, ...routine.backward]) defs.set(symKey(s.target), inline(s.expr));
  return new Map(routine.gradient.map((g) => [symKey(g.param), inline(g.expr)]));
}
