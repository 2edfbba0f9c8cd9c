// Where each parameter lives in the flat Float64Array: for l = 1..L, W^(l)
// row-major, then b^(l) if the layer has a bias.
import type { Network } from '../spec/types.ts';
import { isGraph, type AnyNetwork } from '../spec/graph-types.ts';
import { graphLayout } from './graph-layout.ts';

export interface LayoutEntry {
  readonly name: string;
  readonly kind: 'W' | 'b';
  readonly layer: number;
  readonly offset: number;
  readonly rows: number;
  readonly cols: number;
}

export interface Layout {
  readonly entries: readonly LayoutEntry[];
  readonly paramCount: number;
}

/** The layout of either form: the graph form's is in graph-layout.ts. */
export function layoutOf(network: AnyNetwork): Layout {
  if (isGraph(network)) return graphLayout(network);
  return chainLayout(network);
}

function chainLayout(network: Network): Layout {
  const entries: LayoutEntry[] = [];
  let offset = 0;
  let fanIn = network.input;
  network.layers.forEach((layer, i) => {
    const l = i + 1;
    entries.push({ name: `W${l}`, kind: 'W', layer: l, offset, rows: layer.units, cols: fanIn });
    offset += layer.units * fanIn;
    if (layer.bias) {
      entries.push({ name: `b${l}`, kind: 'b', layer: l, offset, rows: layer.units, cols: 1 });
      offset += layer.units;
    }
    fanIn = layer.units;
  });
  return { entries, paramCount: offset };
}

/** Offset of W^(l)_{jk} or b^(l)_j (1-based indices). */
export function offsetOf(layout: Layout, kind: 'W' | 'b', layer: number, j: number, k = 1): number {
  const e = layout.entries.find((x) => x.kind === kind && x.layer === layer);
  if (!e) throw new Error(`internal: no ${kind}${layer}`);
  return e.offset + (j - 1) * e.cols + (k - 1);
}

/** Named values as a network file writes them: W<l> as rows, b<l> as a vector. */
export type NamedParams = Record<string, number[][] | number[]>;

/** Split a flat vector into named matrices and vectors, in layout order. */
export function unflatten(layout: Layout, params: ArrayLike<number>): NamedParams {
  const out: NamedParams = {};
  for (const e of layout.entries) {
    out[e.name] = e.kind === 'b'
      ? Array.from({ length: e.rows }, (_, j) => params[e.offset + j]!)
      : Array.from({ length: e.rows }, (_, j) => Array.from({ length: e.cols }, (_, k) => params[e.offset + j * e.cols + k]!));
  }
  return out;
}
