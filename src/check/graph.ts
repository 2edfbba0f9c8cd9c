// The graph form's oracle for checkAgainst: the generic mathjs implementation of
// src/reference/graph.ts, at random points away from the kinks.
import { graphLayout } from '../graph/graph-layout.ts';
import { graphPreActivations, graphReferenceGradient, graphReferenceLoss, isKinked, smoothGraphPoint } from '../reference/graph.ts';
import { stepsOf, type GraphNetwork } from '../spec/graph-types.ts';
import { defaultStep, type Oracle } from './check.ts';

/** The side of its kink each kinked pre-activation is on, at every step. */
const sides = (net: GraphNetwork, params: ArrayLike<number>, x: readonly number[]): string =>
  graphPreActivations(net, params, x).map((z) => (z > 0 ? '+' : '-')).join('');

/**
 * A difference step for parameter i that crosses no kink: in a recurrent network a weight moves every later
 * step's pre-activations, and random points cannot keep all of them away from 0. The usual step, then
 * smaller ones, checked on both sides.
 */
function smoothStep(net: GraphNetwork, params: Float64Array, x: number[], i: number, here: string): number | undefined {
  const q = Float64Array.from(params);
  for (let h = defaultStep(params[i]!); h >= 1e-7; h /= 10) {
    const same = [h, -h].every((d) => {
      q[i] = params[i]! + d;
      return sides(net, q, x) === here;
    });
    q[i] = params[i]!;
    if (same) return h;
  }
  return undefined;
}

export function graphOracle(net: GraphNetwork): Oracle {
  // The sides at a point are asked for every parameter compared there: computed once a point.
  let at: { params: Float64Array; x: number[]; here: string } | undefined;
  const sidesAt = (params: Float64Array, x: number[]): string => {
    if (at?.params !== params || at.x !== x) at = { params, x, here: sides(net, params, x) };
    return at.here;
  };
  const layout = graphLayout(net);
  return {
    name: net.name,
    layout,
    // Every step runs through every parameter and node: a long sequence makes one reference loss slow.
    cost: stepsOf(net) * (layout.paramCount + net.nodes.reduce((sum, n) => sum + n.size, 0)),
    point: (rand) => smoothGraphPoint(net, rand),
    loss: (q, x, y) => graphReferenceLoss(net, q, x, y),
    gradient: (q, x, y) => graphReferenceGradient(net, q, x, y),
    ...(net.nodes.some((n) => (n.kind === 'dense' || n.kind === 'of') && isKinked(n.activation))
      ? { smoothStep: (q: Float64Array, x: number[], i: number) => smoothStep(net, q, x, i, sidesAt(q, x)) } : {}),
  };
}
