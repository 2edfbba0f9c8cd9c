// Derivation → Routine: per-element scalar statements for the forward pass,
// the loss, the δ recursion and the gradient, in an order code can run.
import type { Derivation } from '../derive/derive.ts';
import { layoutOf, offsetOf, type Layout } from '../graph/layout.ts';
import { add, call, mul, neg, num, sub, sym, type Expr, type Sym } from '../symbolic/expr.ts';
import { softmaxMax, softmaxStatements, softmaxSum } from './softmax.ts';
import { lossTerm } from '../symbolic/losses.ts';
import { stableCrossEntropy } from '../symbolic/activations.ts';
import { elementSymbol, lowerElement } from './elements.ts';
import { propagateCopies, shareSubexpressions } from './passes.ts';

export interface Stmt {
  readonly target: Sym;
  readonly expr: Expr;
}

export interface GradientEntry {
  readonly offset: number;
  readonly param: Sym;
  readonly expr: Expr;
}

export interface Routine {
  readonly layout: Layout;
  readonly inputSize: number;
  readonly outputSize: number;
  /** z^(l), a^(l) for l = 1..L. */
  readonly forward: readonly Stmt[];
  /** a^(L)_j, after copy propagation (may be an expression of earlier statements). */
  readonly output: readonly Expr[];
  readonly loss: Expr;
  /** δ^(l) and shared temporaries, l = L..1. */
  readonly backward: readonly Stmt[];
  /** ∂C/∂θ for every parameter, in layout order. */
  readonly gradient: readonly GradientEntry[];
}

export function lower(derivation: Derivation): Routine {
  const { graph } = derivation;
  const layout = layoutOf(graph.network);
  const forward: Stmt[] = [];
  for (const layer of graph.layers) {
    for (let j = 1; j <= layer.units; j++) {
      forward.push({ target: symOf(elementSymbol('z', layer.l, j, 1, 1)), expr: lowerElement(layer.zDef, j, 1) });
    }
    if (!layer.act.elementwise) {
      forward.push(...softmaxStatements(layer));
      continue;
    }
    for (let j = 1; j <= layer.units; j++) {
      forward.push({ target: symOf(elementSymbol('a', layer.l, j, 1, 1)), expr: lowerElement(layer.aDef, j, 1) });
    }
  }
  const last = graph.layers[graph.layers.length - 1]!;
  const outputSyms = Array.from({ length: last.units }, (_, j) => elementSymbol('a', last.l, j + 1, 1, 1));
  const backward: Stmt[] = [];
  const gradient: GradientEntry[] = [];
  for (const g of [...derivation.gradients].reverse()) {
    for (let j = 1; j <= g.layer.units; j++) {
      backward.push({ target: symOf(elementSymbol('delta', g.layer.l, j, 1, 1)), expr: lowerElement(g.delta, j, 1) });
    }
  }
  for (const g of derivation.gradients) {
    const l = g.layer.l;
    for (let j = 1; j <= g.layer.units; j++) {
      for (let k = 1; k <= g.layer.fanIn; k++) {
        gradient.push({ offset: offsetOf(layout, 'W', l, j, k), param: symOf(sym('W', l, [j, k])), expr: lowerElement(g.dW, j, k) });
      }
      if (g.db) gradient.push({ offset: offsetOf(layout, 'b', l, j), param: symOf(sym('b', l, [j])), expr: lowerElement(g.db, j, 1) });
    }
  }
  gradient.sort((p, q) => p.offset - q.offset);
  const raw = {
    layout, inputSize: graph.network.input, outputSize: last.units,
    forward, output: outputSyms, loss: lossExpression(graph), backward, gradient,
  };
  return shareSubexpressions(propagateCopies(raw));
}

/** C = Σ_j ℓ(a^(L)_j, y_j), in the stable form where there is one. */
export function lossExpression(graph: Derivation['graph']): Expr {
  const last = graph.layers[graph.layers.length - 1]!;
  const terms = Array.from({ length: last.units }, (_, i) => {
    const j = i + 1;
    const a = elementSymbol('a', last.l, j, 1, 1);
    return stableLossTerm(graph, a, j) ?? lossTerm(graph.loss, a, j, last.units);
  });
  return add(...terms);
}

/**
 * The loss from the logits where that is the stable form: −log a_j of a softmax
 * is m + log s − z_j; the cross-entropy of a sigmoid is y softplus(−z) + (1 − y) softplus(z).
 */
function stableLossTerm(graph: Derivation['graph'], a: Expr, j: number): Expr | undefined {
  const last = graph.layers[graph.layers.length - 1]!;
  const z = sym('z', last.l, [j]);
  const y = sym('y', undefined, [j]);
  if (graph.loss.name === 'softmax-cross-entropy' && !last.act.elementwise) {
    return mul(y, add(softmaxMax(last.l), call('log', softmaxSum(last.l)), neg(z)));
  }
  const fromLogit = graph.loss.name === 'cross-entropy' ? stableCrossEntropy(last.act, z, y) : undefined;
  if (fromLogit) return fromLogit;
  if (graph.loss.name === 'cross-entropy') {
    return neg(add(call('xlogy', y, a), call('xlogy', sub(num(1), y), sub(num(1), a))));
  }
  return undefined;
}

function symOf(e: Expr): Sym {
  if (e.kind !== 'sym') throw new Error('internal: expected a symbol');
  return e.sym;
}
