// Reverse-mode matrix calculus over the graph. Each node kind has one rule
// (its vector–Jacobian product); walking the nodes backwards produces the δ
// recursion and the gradients, and every equation keeps the rule that made it.
import type { Graph, GraphLayer, GraphNode } from '../graph/build.ts';
import { simplifyMatrix } from '../symbolic/msimplify.ts';
import { applyDeriv, ewise, hadamard, matmul, mkey, mvar, softmaxJacobian, transpose, type MExpr } from '../symbolic/matrix.ts';
import { casCancel, CasTimeout, withCasDeadline } from '../symbolic/cas.ts';

/** The CAS's time to cancel ∂ℓ/∂a ⊙ σ'(z) at the output. */
const CANCEL_CAS_MS = 2000;
import { isNum, mul, size, substitute, sym } from '../symbolic/expr.ts';
import { UserError } from '../errors.ts';
import { softmaxDelta } from './softmax.ts';
import { plainDivisions } from '../symbolic/losses.ts';
import { LatexPrinter } from '../render/latex-printer.ts';

/** Plain LaTeX of a CAS result inside a step's explanation (indices as subscripts). */
function scalarLatex(e: Parameters<LatexPrinter['print']>[0]): string {
  return new LatexPrinter((s) => `${s.base}_{${s.index.join('')}}`).print(e);
}

export type Rule =
  | 'loss-derivative'
  | 'chain-activation'
  | 'substitution'
  | 'simplification'
  | 'chain-affine-weight'
  | 'chain-affine-bias'
  | 'chain-affine-input';

/** The left-hand side: ∂C/∂X, or the name δ^(l) being defined. */
export type Lhs =
  | { readonly kind: 'partial'; readonly wrt: MExpr }
  | { readonly kind: 'delta'; readonly layer: number };

export interface Equation {
  readonly lhs: Lhs;
  readonly rhs: MExpr;
  readonly rule: Rule;
  /** Why this step holds, in words (LaTeX allowed); the renderers say it in their notation. */
  readonly why: string;
  /** A check of the step worth keeping on record, not part of the argument (printed as a LaTeX comment). */
  readonly remark?: string;
  readonly layer: number;
}

export interface LayerGradient {
  readonly layer: GraphLayer;
  /** δ^(l) = ∂C/∂z^(l) in closed form (simplified, in terms of δ^(l+1)). */
  readonly delta: MExpr;
  readonly dW: MExpr;
  readonly db?: MExpr;
}

export interface Derivation {
  readonly graph: Graph;
  /** Every step of the backward pass, in the order a reader follows it. */
  readonly steps: readonly Equation[];
  /** Per layer, l = 1..L. */
  readonly gradients: readonly LayerGradient[];
}

/** ∂C/∂a^(l) kept as a name inside the δ definition, before substitution. */
export const partialName = (a: MExpr): MExpr => mvar('dCda', a.kind === 'mvar' ? a.layer : undefined, a.rows, a.cols);
export const deltaOf = (l: number, rows: number): MExpr => mvar('delta', l, rows);

export function derive(graph: Graph): Derivation {
  const steps: Equation[] = [];
  const adjoint = new Map<string, MExpr>();
  const deltas = new Map<number, MExpr>();
  const weights = new Map<number, { dW: MExpr; db?: MExpr }>();

  const rules: { [K in GraphNode['kind']]: (node: Extract<GraphNode, { kind: K }>) => void } = {
    loss(node) {
      const { output, target, loss } = node;
      const g = ewise(loss.gradient, { a: output, y: target }, output);
      steps.push({ lhs: { kind: 'partial', wrt: output }, rhs: g, rule: 'loss-derivative', layer: layerOf(output),
        why: `derivative of the ${loss.title} $\\ell(a, y)$ with respect to $a$, component by component` });
      adjoint.set(mkey(output), g);
    },
    activate({ layer }) {
      const upstream = adjoint.get(mkey(layer.a))!;
      if (!layer.act.elementwise) {
        softmaxRule(layer, upstream);
        return;
      }
      const derivative = applyDeriv(layer.act, layer.z, layer.a);
      steps.push({ lhs: { kind: 'delta', layer: layer.l }, rhs: hadamard(partialName(layer.a), derivative), rule: 'chain-activation',
        layer: layer.l, why: `chain rule through $a = \\sigma(z)$, applied elementwise: its Jacobian is $\\operatorname{diag}(\\sigma'(z))$` });
      let closed = hadamard(upstream, derivative);
      steps.push({ lhs: { kind: 'delta', layer: layer.l }, rhs: closed, rule: 'substitution', layer: layer.l,
        why: layer.l === graph.layers.length ? 'substitute the derivative of the loss' : 'substitute the gradient carried back from the next layer' });
      const simplified = simplifyMatrix(closed);
      if (simplified.rules.length > 0) {
        closed = simplified.expr;
        steps.push({ lhs: { kind: 'delta', layer: layer.l }, rhs: closed, rule: 'simplification', layer: layer.l, why: simplified.rules.join('; ') });
      }
      const cancelled = cancelWithLoss(closed, layer);
      if (cancelled) {
        closed = cancelled;
        steps.push({ lhs: { kind: 'delta', layer: layer.l }, rhs: closed, rule: 'simplification', layer: layer.l,
          why: 'multiplying the two factors component by component, the common factors of numerator and denominator cancel' });
      }
      deltas.set(layer.l, closed);
      adjoint.set(mkey(layer.z), deltaOf(layer.l, layer.units));
    },
    affine({ layer }) {
      const delta = adjoint.get(mkey(layer.z))!;
      const dW = matmul(delta, transpose(layer.input));
      steps.push({ lhs: { kind: 'partial', wrt: layer.W }, rhs: dW, rule: 'chain-affine-weight', layer: layer.l,
        why: 'chain rule through the affine map: each weight multiplies one input, so the gradient is an outer product' });
      let db: MExpr | undefined;
      if (layer.b) {
        db = delta;
        steps.push({ lhs: { kind: 'partial', wrt: layer.b }, rhs: db, rule: 'chain-affine-bias', layer: layer.l,
          why: 'chain rule through the affine map: the Jacobian with respect to the bias is the identity' });
      }
      weights.set(layer.l, db ? { dW, db } : { dW });
      if (layer.l > 1) {
        const back = matmul(transpose(layer.W), delta);
        steps.push({ lhs: { kind: 'partial', wrt: layer.input }, rhs: back, rule: 'chain-affine-input', layer: layer.l - 1,
          why: 'chain rule through the affine map: its Jacobian with respect to the input is the weight matrix, and the gradient is carried back by its transpose' });
        adjoint.set(mkey(layer.input), back);
      }
    },
  };

  function softmaxRule(layer: GraphLayer, upstream: MExpr): void {
    const jac = softmaxJacobian(layer.a);
    steps.push({ lhs: { kind: 'delta', layer: layer.l }, rhs: matmul(transpose(jac), partialName(layer.a)), rule: 'chain-activation', layer: layer.l,
      why: 'chain rule through the softmax: every output depends on every input, so the Jacobian is $\\operatorname{diag}(a) - a a^{\\top}$' });
    steps.push({ lhs: { kind: 'delta', layer: layer.l }, rhs: matmul(transpose(jac), upstream), rule: 'substitution', layer: layer.l,
      why: 'substitute the derivative of the loss' });
    const result = softmaxDelta(graph.loss, layer.units);
    if (!result) throw new UserError(`${graph.network.source}: loss: the softmax Jacobian does not simplify with loss ${graph.loss.name}; use softmax-cross-entropy`);
    const closed = ewise(result.element, { a: layer.a, y: graph.y }, layer.a);
    steps.push({ lhs: { kind: 'delta', layer: layer.l }, rhs: closed, rule: 'simplification', layer: layer.l,
      why: 'in components the product is $-y_j + a_j \\sum_i y_i$, and the targets sum to one, so it is $a_j - y_j$',
      remark: `Check of an instance: for $j = 1$ and ${result.size} outputs the CAS expands it to $${scalarLatex(result.expanded)}$, which is $a_1 - y_1$ when $\\sum_i y_i = 1$.` });
    deltas.set(layer.l, closed);
    adjoint.set(mkey(layer.z), deltaOf(layer.l, layer.units));
  }

  /** ∂C/∂a ⊙ σ'(z) at the output, as one formula the CAS can cancel (cross-entropy with sigmoid gives a − y). */
  function cancelWithLoss(closed: MExpr, layer: GraphLayer): MExpr | undefined {
    if (closed.kind !== 'hadamard' || closed.left.kind !== 'ewise' || closed.right.kind !== 'applyDeriv') return undefined;
    const { left, right } = closed;
    if (!right.act.fromOutput || left.args.a !== layer.a) return undefined;
    const product = mul(plainDivisions(left.expr), substitute(right.act.fromOutput, (s) => (s.base === 'v' ? sym('a') : undefined)));
    // Bounded like any CAS work on a formula that may be a user's: past the time, the step is just not shown.
    let cancelled: ReturnType<typeof casCancel>;
    try {
      cancelled = withCasDeadline(CANCEL_CAS_MS, () => casCancel(product));
    } catch (err) {
      if (!(err instanceof CasTimeout)) throw err;
      cancelled = undefined;
    }
    if (!cancelled || size(cancelled) >= size(product) || isNum(cancelled)) return undefined;
    return ewise(cancelled, left.args, layer.a);
  }

  for (const node of [...graph.nodes].reverse()) {
    (rules[node.kind] as (n: GraphNode) => void)(node);
  }
  const gradients = graph.layers.map((layer) => ({ layer, delta: deltas.get(layer.l)!, ...weights.get(layer.l)! }));
  return { graph, steps, gradients };
}

function layerOf(m: MExpr): number {
  return m.kind === 'mvar' ? m.layer ?? 0 : 0;
}
