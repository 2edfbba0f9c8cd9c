// The validated graph form of a network file (`nodes:`): what the graph
// pipeline reads. The chain form (`layers:`) stays `Network` in types.ts.
import type { ActivationSpec, LossName, Network, TrainSpec } from './types.ts';

/** What a node reads: x, an earlier node, or (sequence models) any node's value at the previous step. */
export interface SourceRef {
  /** 'x' for the input, else a node's name. */
  readonly node: string;
  readonly prev: boolean;
}

interface NodeBase {
  readonly name: string;
  /** The size of the node's value (rows; every value is a column vector). */
  readonly size: number;
  readonly inputs: readonly SourceRef[];
}

/** z = Σ_k W_k in_k + b (or W_Mᵀ in + b when tied to M), value σ(z). */
export interface DenseNode extends NodeBase {
  readonly kind: 'dense';
  readonly activation: ActivationSpec;
  readonly bias: boolean;
  /** The dense node whose weight this node uses transposed. */
  readonly tied?: string;
}

/** Elementwise sum, elementwise product, stacking, or an activation alone. */
export interface CombineNode extends NodeBase {
  readonly kind: 'add' | 'multiply' | 'concat';
}

export interface OfNode extends NodeBase {
  readonly kind: 'of';
  readonly activation: ActivationSpec;
}

export type NodeSpec = DenseNode | CombineNode | OfNode;
export type NodeKind = NodeSpec['kind'];

/** A loss by name, or ℓ(a, y) written as a formula, applied per output element and summed. */
export type LossSpec = LossName | { readonly formula: string };

export interface GraphNetwork {
  readonly form: 'graph';
  readonly name: string;
  /** n_x: the size of x, or of x_t in a sequence model. */
  readonly input: number;
  /** T, the number of steps of a sequence model; absent otherwise. */
  readonly sequence?: number;
  readonly nodes: readonly NodeSpec[];
  readonly output: string;
  /** Sequence models: a loss at every step, or at the last step only. */
  readonly target: 'every-step' | 'last-step';
  readonly loss: LossSpec;
  readonly regularization?: { readonly l2: number };
  /** Examples are flat: x holds T·n_x numbers (step t in row t), y T·n_out or n_out. */
  readonly train?: TrainSpec;
  readonly source: string;
  /** A chain of layers taken through the graph pipeline (it has a formula loss or regularization): parameters named W1, b1, … */
  readonly chainNames?: boolean;
}

export type AnyNetwork = Network | GraphNetwork;

export const isGraph = (n: AnyNetwork): n is GraphNetwork => (n as GraphNetwork).form === 'graph';

/** T: 1 for a network without time. */
export const stepsOf = (n: GraphNetwork): number => n.sequence ?? 1;

export function nodeNamed(n: GraphNetwork, name: string): NodeSpec {
  const node = n.nodes.find((m) => m.name === name);
  if (!node) throw new Error(`internal: no node ${name}`);
  return node;
}

export const outputNode = (n: GraphNetwork): NodeSpec => nodeNamed(n, n.output);

/** Numbers in x and y of one example, as the generated functions take them. */
export function exampleSizes(n: GraphNetwork): { x: number; y: number } {
  const T = stepsOf(n);
  const out = outputNode(n).size;
  return { x: T * n.input, y: n.target === 'last-step' ? out : T * out };
}

/** `h` or `h@prev`, as the file writes it. */
export const sourceText = (s: SourceRef): string => (s.prev ? `${s.node}@prev` : s.node);
