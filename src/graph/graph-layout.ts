// Where each parameter of a graph network lives in the flat Float64Array, in
// node order: a dense node N with one input has W_N then b_N; with several
// inputs W_N_<IN> for each input in order (IN without @prev, x for the input),
// then b_N; a tied node has only b_N (its weight is its partner's, transposed).
import type { GraphNetwork, NodeSpec, SourceRef } from '../spec/graph-types.ts';
import type { Layout, LayoutEntry } from './layout.ts';

export interface GraphLayoutEntry extends LayoutEntry {
  /** The dense node the parameter belongs to. */
  readonly node: string;
  /** For a weight: the input it multiplies. */
  readonly source?: SourceRef;
}

export interface GraphLayout extends Layout {
  readonly entries: readonly GraphLayoutEntry[];
}

/** The size of what a source names. */
export function sourceSize(net: GraphNetwork, s: SourceRef): number {
  return s.node === 'x' ? net.input : net.nodes.find((n) => n.name === s.node)!.size;
}

/**
 * The name of the weight by which dense node `node` multiplies its input `s`
 * (a tied node: its partner's weight). A chain of layers run through the graph
 * pipeline keeps the chain form's names, W1 and b1.
 */
export function weightName(net: GraphNetwork, node: NodeSpec, s: SourceRef): string {
  if (node.kind === 'dense' && node.tied !== undefined) {
    const owner = net.nodes.find((n) => n.name === node.tied)!;
    return weightName(net, owner, owner.inputs[0]!);
  }
  if (net.chainNames) return `W${net.nodes.indexOf(node) + 1}`;
  return node.inputs.length === 1 ? `W_${node.name}` : `W_${node.name}_${s.node}`;
}

export const biasName = (net: GraphNetwork, node: NodeSpec): string => (net.chainNames ? `b${net.nodes.indexOf(node) + 1}` : `b_${node.name}`);

/** The layout entry of a parameter by name. */
export function entryNamed(layout: GraphLayout, name: string): GraphLayoutEntry {
  const e = layout.entries.find((x) => x.name === name);
  if (!e) throw new Error(`internal: no parameter ${name}`);
  return e;
}

export function graphLayout(net: GraphNetwork): GraphLayout {
  const entries: GraphLayoutEntry[] = [];
  let offset = 0;
  net.nodes.forEach((node, i) => {
    if (node.kind !== 'dense') return;
    if (node.tied === undefined) {
      for (const s of node.inputs) {
        const cols = sourceSize(net, s);
        entries.push({ name: weightName(net, node, s), kind: 'W', layer: i + 1, offset, rows: node.size, cols, node: node.name, source: s });
        offset += node.size * cols;
      }
    }
    if (node.bias) {
      entries.push({ name: biasName(net, node), kind: 'b', layer: i + 1, offset, rows: node.size, cols: 1, node: node.name });
      offset += node.size;
    }
  });
  return { entries, paramCount: offset };
}
