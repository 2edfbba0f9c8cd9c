// The graph form's oracle for checkAgainst: the generic mathjs implementation of
// src/reference/graph.ts, at random points away from the kinks.
import { graphLayout } from '../graph/graph-layout.ts';
import { graphReferenceGradient, graphReferenceLoss, smoothGraphPoint } from '../reference/graph.ts';
import type { GraphNetwork } from '../spec/graph-types.ts';
import type { Oracle } from './check.ts';

export function graphOracle(net: GraphNetwork): Oracle {
  return {
    name: net.name,
    layout: graphLayout(net),
    point: (rand) => smoothGraphPoint(net, rand),
    loss: (q, x, y) => graphReferenceLoss(net, q, x, y),
    gradient: (q, x, y) => graphReferenceGradient(net, q, x, y),
  };
}
