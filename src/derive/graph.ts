// Reverse mode over a graph network. The δ recursion of the chain form
// generalised: g_N = ∂C/∂N (the adjoint of node N's value at step t) is the sum
// of what each node reading N sends back (the multivariable chain rule), a
// reader through N@prev sends from step t+1 (backpropagation through time), and
// each node kind has one local rule (its vector–Jacobian product) in RULES.
// Every output (LaTeX, the trainer, verify) is printed from these terms.
import { namedApart, resolveActivation, type Activation } from '../symbolic/activations.ts';
import { formulaLoss, resolveLoss, type Loss } from '../symbolic/losses.ts';
import { UserError } from '../errors.ts';
import { graphLayout, sourceSize, weightName, type GraphLayout, type GraphLayoutEntry } from '../graph/graph-layout.ts';
import type { DenseNode, GraphNetwork, NodeSpec, SourceRef } from '../spec/graph-types.ts';

/**
 * One summand of g_N(t), sent back by `consumer`, which reads N at step t, or
 * at step t+1 when it reads N@prev (`later`). d_c is the consumer's own δ:
 * ∂C/∂z_c for a dense node, g_c ⊙ σ'(its input) for an of node, g_c otherwise.
 */
export type Term =
  /** ∂ℓ/∂a at the output, at every step that has a loss. */
  | { readonly rule: 'loss' }
  /** W_{c,N}ᵀ d_c (tied to M: W_M d_c). */
  | { readonly rule: 'dense'; readonly consumer: DenseNode; readonly weight: string; readonly tied: boolean; readonly later: boolean }
  /** d_c: the Jacobian of a sum is the identity. */
  | { readonly rule: 'add'; readonly consumer: NodeSpec; readonly later: boolean }
  /** d_c ⊙ (the other factor). */
  | { readonly rule: 'multiply'; readonly consumer: NodeSpec; readonly other: SourceRef; readonly later: boolean }
  /** Rows offset+1 … offset+size of d_c. */
  | { readonly rule: 'concat'; readonly consumer: NodeSpec; readonly offset: number; readonly later: boolean }
  /** d_c, which already holds σ'(N). */
  | { readonly rule: 'of'; readonly consumer: NodeSpec; readonly later: boolean };

export type TermRule = Term['rule'];

/** How a node turns g (the adjoint of its value) into d, the δ it sends back. */
export type Local =
  /** d = g ⊙ σ'(z) (dense) or g ⊙ σ'(input) (of). */
  | { readonly kind: 'activation'; readonly act: Activation }
  /**
   * d = a − y at the output: softmax with its cross-entropy, or sigmoid with cross-entropy (g and σ' cancel);
   * an output other nodes read too adds their terms through σ′: d = g_readers ⊙ σ′(z) + (a − y).
   */
  | { readonly kind: 'cancel'; readonly act: Activation }
  /** d = g. */
  | { readonly kind: 'identity' };

export interface NodeAdjoint {
  readonly node: NodeSpec;
  /** The summands of g_N, in the order of the readers (then the loss). */
  readonly terms: readonly Term[];
  readonly local: Local;
}

/** One use of a weight: ∂C/∂W += Σ_t d_node(t) source(t)ᵀ, or Σ_t source(t) d_node(t)ᵀ for a tied use. */
export interface WeightUse {
  readonly node: DenseNode;
  readonly source: SourceRef;
  readonly tied: boolean;
}

export interface ParameterGradient {
  readonly entry: GraphLayoutEntry;
  /** Weights: their uses (two for a tied weight); a bias: the dense node whose δ it sums. */
  readonly uses: readonly WeightUse[];
  /** λ W from (λ/2)‖W‖²_F, weights only. */
  readonly l2?: number;
}

export interface GraphDerivation {
  readonly network: GraphNetwork;
  readonly layout: GraphLayout;
  readonly loss: Loss;
  /** Resolved activations of dense and of nodes. */
  readonly activations: ReadonlyMap<string, Activation>;
  /** Adjoints in the order the backward pass computes them: the nodes in reverse. */
  readonly adjoints: readonly NodeAdjoint[];
  readonly gradients: readonly ParameterGradient[];
  /** T (1 without a sequence). */
  readonly steps: number;
}

/** Each node kind's vector–Jacobian product: the terms it sends to each of its inputs. */
const RULES: { readonly [K in NodeSpec['kind']]: (node: NodeSpec & { readonly kind: K }, input: SourceRef, position: number, net: GraphNetwork) => Term } = {
  dense: (node, input, _position, net) => ({ rule: 'dense', consumer: node, weight: weightName(net, node, input), tied: node.tied !== undefined, later: input.prev }),
  add: (node, input) => ({ rule: 'add', consumer: node, later: input.prev }),
  multiply: (node, input, position) => ({ rule: 'multiply', consumer: node, other: node.inputs[1 - position]!, later: input.prev }),
  concat: (node, input, position, net) => ({
    rule: 'concat', consumer: node, later: input.prev,
    offset: node.inputs.slice(0, position).reduce((n, s) => n + sourceSize(net, s), 0),
  }),
  of: (node, input) => ({ rule: 'of', consumer: node, later: input.prev }),
};

export function lossOf(net: GraphNetwork): Loss {
  return typeof net.loss === 'string' ? resolveLoss(net.loss) : formulaLoss(net.loss.formula, `${net.source}: loss`);
}

export function deriveGraph(net: GraphNetwork): GraphDerivation {
  const layout = graphLayout(net);
  const loss = lossOf(net);
  const activations = new Map<string, Activation>();
  for (const node of net.nodes) {
    if (node.kind !== 'dense' && node.kind !== 'of') continue;
    try {
      activations.set(node.name, resolveActivation(node.activation));
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`${net.source}: nodes.${node.name}.activation: ${err.message}`);
      throw err;
    }
  }
  const named = namedApart([...activations.values()]);
  for (const [name, act] of activations) activations.set(name, named(act));
  // Every reader of every node, in node order: the terms of its adjoint.
  const terms = new Map<string, Term[]>(net.nodes.map((n) => [n.name, []]));
  for (const node of net.nodes) {
    node.inputs.forEach((input, position) => {
      if (input.node === 'x') return;
      const rule = RULES[node.kind] as (n: NodeSpec, i: SourceRef, p: number, g: GraphNetwork) => Term;
      terms.get(input.node)!.push(rule(node, input, position, net));
    });
  }
  terms.get(net.output)!.push({ rule: 'loss' });
  const adjoints: NodeAdjoint[] = [...net.nodes].reverse().map((node) => {
    const act = activations.get(node.name);
    let local: Local = act && !act.identityJacobian ? { kind: 'activation', act } : { kind: 'identity' };
    // Read by other nodes too (fed back through @prev), the readers' part still goes through σ′ (graph-code.ts).
    if (act && node.name === net.output && cancels(act, loss)) local = { kind: 'cancel', act };
    // The file's rules refuse a softmax anywhere else (graph-validate.ts), so its δ is always a − y here.
    if (act && !act.elementwise && local.kind !== 'cancel') throw new Error(`internal: softmax on ${node.name} without its cross-entropy or with readers`);
    return { node, terms: terms.get(node.name)!, local };
  });
  const gradients: ParameterGradient[] = layout.entries.map((entry) => {
    const owner = net.nodes.find((n) => n.name === entry.node) as DenseNode;
    if (entry.kind === 'b') return { entry, uses: [{ node: owner, source: owner.inputs[0]!, tied: false }] };
    const uses: WeightUse[] = [{ node: owner, source: entry.source!, tied: false }];
    for (const n of net.nodes) {
      if (n.kind === 'dense' && n.tied === owner.name) uses.push({ node: n, source: n.inputs[0]!, tied: true });
    }
    return { entry, uses, ...(net.regularization && net.regularization.l2 > 0 ? { l2: net.regularization.l2 } : {}) };
  });
  return { network: net, layout, loss, activations, adjoints, gradients, steps: net.sequence ?? 1 };
}

/** Whether ∂ℓ/∂a ⊙ σ'(z) is a − y: softmax with its cross-entropy, sigmoid with cross-entropy. */
function cancels(act: Activation, loss: Loss): boolean {
  return (!act.elementwise && loss.name === 'softmax-cross-entropy') || (act.name === 'sigmoid' && loss.name === 'cross-entropy');
}

/** The steps at which the output has a loss. */
export const lossSteps = (d: GraphDerivation): 'every' | 'last' => (d.network.target === 'last-step' && d.steps > 1 ? 'last' : 'every');
