// Network → matrix-level graph: z^(l) = W^(l) a^(l−1) + b^(l), a^(l) = σ_l(z^(l)), C = loss(a^(L), y).
import { namedApart, resolveActivation, type Activation } from '../symbolic/activations.ts';
import { resolveLoss, type Loss } from '../symbolic/losses.ts';
import { apply, matmul, mvar, plus, type MExpr } from '../symbolic/matrix.ts';
import type { Network } from '../spec/types.ts';
import { UserError } from '../errors.ts';

export interface GraphLayer {
  readonly l: number;
  readonly units: number;
  readonly fanIn: number;
  readonly W: MExpr;
  readonly b?: MExpr;
  readonly z: MExpr;
  readonly a: MExpr;
  readonly input: MExpr;
  readonly act: Activation;
  /** W a + b */
  readonly zDef: MExpr;
  /** σ(z) */
  readonly aDef: MExpr;
}

/** Nodes in evaluation order; reverse mode walks them backwards, one rule per kind. */
export type GraphNode =
  | { readonly kind: 'affine'; readonly layer: GraphLayer }
  | { readonly kind: 'activate'; readonly layer: GraphLayer }
  | { readonly kind: 'loss'; readonly output: MExpr; readonly target: MExpr; readonly loss: Loss };

export interface Graph {
  readonly network: Network;
  readonly layers: readonly GraphLayer[];
  readonly x: MExpr;
  readonly y: MExpr;
  readonly loss: Loss;
  readonly nodes: readonly GraphNode[];
}

export function buildGraph(network: Network): Graph {
  const layers: GraphLayer[] = [];
  const x = mvar('a', 0, network.input);
  let input = x;
  const resolved = network.layers.map((spec, i): Activation => {
    try {
      return resolveActivation(spec.activation);
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`${network.source}: layers[${i}].activation: ${err.message}`);
      throw err;
    }
  });
  const named = namedApart(resolved);
  network.layers.forEach((spec, i) => {
    const l = i + 1;
    const W = mvar('W', l, spec.units, input.rows);
    const b = spec.bias ? mvar('b', l, spec.units) : undefined;
    const z = mvar('z', l, spec.units);
    const a = mvar('a', l, spec.units);
    const act = named(resolved[i]!);
    const product = matmul(W, input);
    layers.push({
      l, units: spec.units, fanIn: input.rows, W, ...(b ? { b } : {}), z, a, input, act,
      zDef: b ? plus(product, b) : product,
      aDef: apply(act, z),
    });
    input = a;
  });
  const last = layers[layers.length - 1]!;
  const y = mvar('y', undefined, last.units);
  const loss = resolveLoss(network.loss);
  const nodes: GraphNode[] = [];
  for (const layer of layers) nodes.push({ kind: 'affine', layer }, { kind: 'activate', layer });
  nodes.push({ kind: 'loss', output: last.a, target: y, loss });
  return { network, layers, x, y, loss, nodes };
}
