// The generic reference for the graph form: a forward pass over the node list
// (through time in a sequence model) and a plain reverse-mode pass, a tape of
// matrix-level vector–Jacobian products per node kind, written with mathjs
// matrices from the semantics of the network file alone. It shares nothing
// with src/derive or src/render: it is the oracle the generated graph trainer
// is checked against. Slow and plain on purpose.
//
// Semantics: dense z = Σ_k W_k in_k + b (tied to M: z = W_Mᵀ in + b), value
// σ(z); add: elementwise sum; multiply: elementwise product of two; concat:
// stacked; of: σ(input). x is flat T·n_x (step t in row t); NODE@prev is that
// node's value at step t − 1, zero at the first step. C = Σ over the steps with
// a loss (every step, or the last) of Σ_j ℓ(out_j, y_j), plus (λ/2) Σ W² over
// every weight of the layout.
import type { MathNode, Matrix } from 'mathjs';
import { math } from '../symbolic/mathjs.ts';
import { biasName, graphLayout, weightName, type GraphLayoutEntry } from '../graph/graph-layout.ts';
import type { ActivationSpec, LossName } from '../spec/types.ts';
import type { GraphNetwork, LossSpec, NodeSpec, SourceRef } from '../spec/graph-types.ts';
import { maxOf, referenceActivation, referenceLoss } from './activations.ts';
import { uniform } from '../check/random.ts';

const { add, dotMultiply, matrix, multiply, transpose, parse, derivative } = math;

const column = (v: readonly number[]): Matrix => matrix(v.map((x) => [x]));
const flat = (m: Matrix): number[] => (m.toArray() as number[][]).map((r) => r[0]!);
const zeros = (n: number): Matrix => column(new Array<number>(n).fill(0));
const scale = (k: number, m: Matrix): Matrix => multiply(k, m) as Matrix;
const plus = (a: Matrix, b: Matrix): Matrix => add(a, b) as Matrix;

const softplus = (t: number): number => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));

// ---------------------------------------------------------------- parameters

interface Params {
  readonly layout: readonly GraphLayoutEntry[];
  readonly count: number;
  /** Each layout entry as a matrix (a bias as a column). */
  readonly byName: ReadonlyMap<string, Matrix>;
}

function readParams(net: GraphNetwork, params: ArrayLike<number>): Params {
  const layout = graphLayout(net);
  if (params.length !== layout.paramCount) throw new Error(`reference: expected ${layout.paramCount} parameters, found ${params.length}`);
  const byName = new Map<string, Matrix>();
  for (const e of layout.entries) {
    const rows = Array.from({ length: e.rows }, (_, r) => Array.from({ length: e.cols }, (_, c) => params[e.offset + r * e.cols + c]!));
    byName.set(e.name, matrix(rows));
  }
  return { layout: layout.entries, count: layout.paramCount, byName };
}

const nodeOf = (net: GraphNetwork, name: string): NodeSpec => {
  const n = net.nodes.find((m) => m.name === name);
  if (!n) throw new Error(`reference: no node ${name}`);
  return n;
};
const sizeOfSource = (net: GraphNetwork, s: SourceRef): number => (s.node === 'x' ? net.input : nodeOf(net, s.node).size);

/** The weight dense node `node` multiplies input number k by (written from the naming rule W_N or W_N_<input>). */
/** The layout's names (W_N, W_N_<IN>, b_N; W1, b1 for a chain loaded as a graph). */
const weightOf = (net: GraphNetwork, node: NodeSpec, k: number): string => weightName(net, node, node.inputs[k]!);

// ---------------------------------------------------------------- activations and losses

const isSoftmax = (spec: ActivationSpec): boolean => spec.kind === 'softmax';

function softmax(z: Matrix): Matrix {
  const v = flat(z);
  const m = maxOf(v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((p, q) => p + q, 0);
  return column(e.map((x) => x / s));
}

function activate(spec: ActivationSpec, z: Matrix): Matrix {
  if (isSoftmax(spec)) return softmax(z);
  const { f } = referenceActivation(spec);
  return z.map((v: number) => f(v)) as Matrix;
}

/** Jᵀ u for the activation at z with value a: u ⊙ σ'(z), or a ⊙ (u − aᵀu) for softmax. */
function activationVjp(spec: ActivationSpec, z: Matrix, a: Matrix, u: Matrix): Matrix {
  if (isSoftmax(spec)) {
    const av = flat(a);
    const uv = flat(u);
    const dot = av.reduce((s, ai, i) => s + ai * uv[i]!, 0);
    return column(av.map((ai, i) => ai * (uv[i]! - dot)));
  }
  const { df } = referenceActivation(spec);
  return dotMultiply(u, z.map((v: number) => df(v))) as Matrix;
}

interface ElementLoss {
  readonly l: (a: number, y: number) => number;
  readonly dl: (a: number, y: number) => number;
}

const formulaLosses = new Map<string, ElementLoss>();

/** ℓ(a, y) written in the file, and ∂ℓ/∂a by mathjs (sigmoid, softplus and ln written out first). */
function formulaLoss(text: string): ElementLoss {
  const hit = formulaLosses.get(text);
  if (hit) return hit;
  const tree = parse(text).transform((node) => {
    const fn = node as MathNode & { fn?: { name?: string }; args?: MathNode[] };
    const name = node.type === 'FunctionNode' ? fn.fn?.name : undefined;
    const template = name === 'sigmoid' ? '1 / (1 + exp(-(u)))' : name === 'softplus' ? 'log(1 + exp(u))' : name === 'ln' ? 'log(u)' : undefined;
    if (template === undefined) return node;
    return parse(template).transform((n) => (n.type === 'SymbolNode' && (n as MathNode & { name: string }).name === 'u' ? fn.args![0]! : n));
  });
  const f = tree.compile();
  const df = derivative(tree, 'a', { simplify: false }).compile(); // unsimplified: the same values, without mathjs's explosive simplifier
  const out: ElementLoss = { l: (a, y) => f.evaluate({ a, y }) as number, dl: (a, y) => df.evaluate({ a, y }) as number };
  formulaLosses.set(text, out);
  return out;
}

/** C of one step's output and ∇_a C (per-element losses summed; mse divides by n_out). */
function stepLoss(loss: LossSpec, a: number[], y: number[]): { C: number; dC: number[] } {
  if (typeof loss !== 'string') {
    const { l, dl } = formulaLoss(loss.formula);
    return { C: a.reduce((s, ai, j) => s + l(ai, y[j]!), 0), dC: a.map((ai, j) => dl(ai, y[j]!)) };
  }
  const r = referenceLoss(loss as LossName);
  return { C: r.C(a, y), dC: r.dC(a, y) };
}

// ---------------------------------------------------------------- forward

interface Trace {
  readonly T: number;
  /** value[name][t] */
  readonly value: Map<string, Matrix[]>;
  /** Pre-activation of a dense node, or the input of an of node, per step. */
  readonly pre: Map<string, Matrix[]>;
  readonly p: Params;
}

/** The value of source s at step t (x_t, a node at t, or a node at t − 1 / zero). */
function sourceValue(net: GraphNetwork, tr: { value: Map<string, Matrix[]> }, x: readonly number[], s: SourceRef, t: number): Matrix {
  if (s.node === 'x') return column(x.slice(t * net.input, (t + 1) * net.input));
  if (s.prev) return t === 0 ? zeros(nodeOf(net, s.node).size) : tr.value.get(s.node)![t - 1]!;
  return tr.value.get(s.node)![t]!;
}

function forward(net: GraphNetwork, params: ArrayLike<number>, x: readonly number[]): Trace {
  const T = net.sequence ?? 1;
  if (x.length !== T * net.input) throw new Error(`reference: expected x of ${T * net.input} numbers, found ${x.length}`);
  const p = readParams(net, params);
  const value = new Map<string, Matrix[]>(net.nodes.map((n) => [n.name, []]));
  const pre = new Map<string, Matrix[]>(net.nodes.map((n) => [n.name, []]));
  const tr: Trace = { T, value, pre, p };
  for (let t = 0; t < T; t++) {
    for (const node of net.nodes) {
      const ins = node.inputs.map((s) => sourceValue(net, tr, x, s, t));
      let v: Matrix;
      switch (node.kind) {
        case 'dense': {
          let z = node.bias ? p.byName.get(biasName(net, node))! : zeros(node.size);
          ins.forEach((input, k) => {
            const Wx = node.tied !== undefined
              ? (multiply(transpose(p.byName.get(weightOf(net, node, k))!), input) as Matrix)
              : (multiply(p.byName.get(weightOf(net, node, k))!, input) as Matrix);
            z = plus(z, Wx);
          });
          pre.get(node.name)!.push(z);
          v = activate(node.activation, z);
          break;
        }
        case 'of':
          pre.get(node.name)!.push(ins[0]!);
          v = activate(node.activation, ins[0]!);
          break;
        case 'add':
          v = ins.slice(1).reduce(plus, ins[0]!);
          break;
        case 'multiply':
          v = dotMultiply(ins[0]!, ins[1]!) as Matrix;
          break;
        case 'concat':
          v = column(ins.flatMap(flat));
          break;
      }
      value.get(node.name)!.push(v);
    }
  }
  return tr;
}

/** The steps that carry a loss, each with its slice of y. */
function lossSteps(net: GraphNetwork, y: readonly number[]): { t: number; y: number[] }[] {
  const T = net.sequence ?? 1;
  const n = nodeOf(net, net.output).size;
  if (net.target === 'last-step' || T === 1) {
    if (y.length !== n) throw new Error(`reference: expected y of ${n} numbers, found ${y.length}`);
    return [{ t: T - 1, y: [...y] }];
  }
  if (y.length !== T * n) throw new Error(`reference: expected y of ${T * n} numbers, found ${y.length}`);
  return Array.from({ length: T }, (_, t) => ({ t, y: y.slice(t * n, (t + 1) * n) }));
}

/** How the output's loss is taken from its logits: softmax with its cross-entropy, or sigmoid with cross-entropy. */
function stableForm(net: GraphNetwork): 'softmax' | 'sigmoid' | undefined {
  const out = nodeOf(net, net.output);
  if (out.kind !== 'dense' && out.kind !== 'of') return undefined;
  if (net.loss === 'softmax-cross-entropy' && isSoftmax(out.activation)) return 'softmax';
  if (net.loss === 'cross-entropy' && out.activation.kind === 'sigmoid') return 'sigmoid';
  return undefined;
}

/** One step's loss, from the logits where there is a stable form. */
function stepValue(net: GraphNetwork, tr: Trace, t: number, y: number[]): number {
  const form = stableForm(net);
  const z = form ? flat(tr.pre.get(net.output)![t]!) : [];
  if (form === 'softmax') {
    const m = maxOf(z);
    const logSum = m + Math.log(z.reduce((s, zi) => s + Math.exp(zi - m), 0));
    return z.reduce((s, zi, j) => s + y[j]! * (logSum - zi), 0);
  }
  if (form === 'sigmoid') return z.reduce((s, zi, j) => s + y[j]! * softplus(-zi) + (1 - y[j]!) * softplus(zi), 0);
  return stepLoss(net.loss, flat(tr.value.get(net.output)![t]!), y).C;
}

function l2Term(net: GraphNetwork, p: Params): number {
  const lambda = net.regularization?.l2 ?? 0;
  if (lambda === 0) return 0;
  let s = 0;
  for (const e of p.layout) if (e.kind === 'W') for (const v of (p.byName.get(e.name)!.toArray() as number[][]).flat()) s += v * v;
  return (lambda / 2) * s;
}

function lossOfTrace(net: GraphNetwork, tr: Trace, y: readonly number[]): number {
  return lossSteps(net, y).reduce((s, { t, y: yt }) => s + stepValue(net, tr, t, yt), 0) + l2Term(net, tr.p);
}

/** C(params; x, y), with the stable forms of softmax and sigmoid cross-entropy. */
export function graphReferenceLoss(net: GraphNetwork, params: ArrayLike<number>, x: readonly number[], y: readonly number[]): number {
  return lossOfTrace(net, forward(net, params, x), y);
}

/** The output at every step (row t), as predict would give it for an every-step target. */
export function graphReferencePredict(net: GraphNetwork, params: ArrayLike<number>, x: readonly number[]): number[][] {
  return forward(net, params, x).value.get(net.output)!.map(flat);
}

// ---------------------------------------------------------------- backward

/**
 * C and ∂C/∂params by reverse mode: steps from T − 1 down to 0, nodes in
 * reverse. g[N][t] collects ∂C/∂(value of N at t) from every reader (a reader
 * through N@prev at step t + 1 has already run), and each node, once its g is
 * complete, pushes its vector–Jacobian product to its inputs and its weights.
 */
export function graphReferenceGradient(net: GraphNetwork, params: ArrayLike<number>, x: readonly number[], y: readonly number[]): { loss: number; grad: Float64Array } {
  const tr = forward(net, params, x);
  const { T, p } = tr;
  const g = new Map<string, Matrix[]>(net.nodes.map((n) => [n.name, Array.from({ length: T }, () => zeros(n.size))]));
  const gradOf = new Map<string, Matrix>(p.layout.map((e) => [e.name, matrix(Array.from({ length: e.rows }, () => new Array<number>(e.cols).fill(0)))]));
  const bump = (name: string, m: Matrix): void => { gradOf.set(name, plus(gradOf.get(name)!, m)); };
  /** Send u back to source s read at step t: into g of the node (at t − 1 for @prev); x and the zero at step 0 take nothing. */
  const send = (s: SourceRef, t: number, u: Matrix): void => {
    if (s.node === 'x') return;
    const at = s.prev ? t - 1 : t;
    if (at < 0) return;
    const row = g.get(s.node)!;
    row[at] = plus(row[at]!, u);
  };
  // The loss's own contributions: ∂ℓ/∂a into g of the output, or ∂ℓ/∂z directly for the stable forms.
  const form = stableForm(net);
  const lossAtZ = new Map<number, Matrix>();
  for (const { t, y: yt } of lossSteps(net, y)) {
    const a = flat(tr.value.get(net.output)![t]!);
    if (form === 'softmax') {
      const sy = yt.reduce((s, v) => s + v, 0);
      lossAtZ.set(t, column(a.map((ai, j) => ai * sy - yt[j]!))); // ∂/∂z Σ y_j (logsumexp z − z_j)
    } else if (form === 'sigmoid') {
      lossAtZ.set(t, column(a.map((ai, j) => ai - yt[j]!))); // ∂/∂z [y softplus(−z) + (1 − y) softplus(z)]
    } else {
      const row = g.get(net.output)!;
      row[t] = plus(row[t]!, column(stepLoss(net.loss, a, yt).dC));
    }
  }
  for (let t = T - 1; t >= 0; t--) {
    for (const node of [...net.nodes].reverse()) {
      const gn = g.get(node.name)![t]!;
      const ins = node.inputs.map((s) => sourceValue(net, tr, x, s, t));
      switch (node.kind) {
        case 'dense': {
          let d = activationVjp(node.activation, tr.pre.get(node.name)![t]!, tr.value.get(node.name)![t]!, gn);
          if (node.name === net.output && lossAtZ.has(t)) d = plus(d, lossAtZ.get(t)!);
          if (node.bias) bump(biasName(net, node), d);
          node.inputs.forEach((s, k) => {
            if (node.tied !== undefined) {
              // z = W_Mᵀ in + b: ∂C/∂W_M += in dᵀ, ∂C/∂in = W_M d
              const WM = p.byName.get(weightOf(net, node, k))!;
              bump(weightOf(net, node, k), multiply(ins[k]!, transpose(d)) as Matrix);
              send(s, t, multiply(WM, d) as Matrix);
            } else {
              const Wk = p.byName.get(weightOf(net, node, k))!;
              bump(weightOf(net, node, k), multiply(d, transpose(ins[k]!)) as Matrix);
              send(s, t, multiply(transpose(Wk), d) as Matrix);
            }
          });
          break;
        }
        case 'of': {
          let d = activationVjp(node.activation, tr.pre.get(node.name)![t]!, tr.value.get(node.name)![t]!, gn);
          if (node.name === net.output && lossAtZ.has(t)) d = plus(d, lossAtZ.get(t)!);
          send(node.inputs[0]!, t, d);
          break;
        }
        case 'add':
          for (const s of node.inputs) send(s, t, gn);
          break;
        case 'multiply':
          send(node.inputs[0]!, t, dotMultiply(gn, ins[1]!) as Matrix);
          send(node.inputs[1]!, t, dotMultiply(gn, ins[0]!) as Matrix);
          break;
        case 'concat': {
          const gv = flat(gn);
          let offset = 0;
          node.inputs.forEach((s) => {
            const m = sizeOfSource(net, s);
            send(s, t, column(gv.slice(offset, offset + m)));
            offset += m;
          });
          break;
        }
      }
    }
  }
  const lambda = net.regularization?.l2 ?? 0;
  const grad = new Float64Array(p.count);
  for (const e of p.layout) {
    let m = gradOf.get(e.name)!;
    if (e.kind === 'W' && lambda > 0) m = plus(m, scale(lambda, p.byName.get(e.name)!));
    (m.toArray() as number[][]).flat().forEach((v, i) => { grad[e.offset + i] = v; });
  }
  return { loss: lossOfTrace(net, tr, y), grad };
}

// ---------------------------------------------------------------- points

/** Activations with a kink (or a kink in a low derivative) at 0, where finite differences straddle two slopes. */
export function isKinked(spec: ActivationSpec): boolean {
  return spec.kind === 'relu' || spec.kind === 'leaky-relu' || (spec.kind === 'formula' && /abs|sign/.test(spec.formula));
}

/**
 * The arguments of every kinked activation at every step: z of kinked dense
 * nodes, the input of kinked of nodes. Exact zeros are left out: they are
 * structural (an input read through @prev at the first step, a product with
 * such a zero, no bias), constant near the point, so no kink is crossed there.
 */
export function graphPreActivations(net: GraphNetwork, params: ArrayLike<number>, x: readonly number[]): number[] {
  const tr = forward(net, params, x);
  const out: number[] = [];
  for (const node of net.nodes) {
    if ((node.kind === 'dense' || node.kind === 'of') && isKinked(node.activation)) {
      for (const z of tr.pre.get(node.name)!) for (const v of flat(z)) if (v !== 0) out.push(v);
    }
  }
  return out;
}

export interface GraphPoint {
  readonly params: Float64Array;
  readonly x: number[];
  readonly y: number[];
}

export interface PointRanges {
  /** Parameters uniform in [−params, params] (default 1.5). */
  readonly params?: number;
  /** x uniform in [−x, x] (default 2). */
  readonly x?: number;
}

/** A random point: parameters, x (T·n_x numbers) and y valid for the loss (softmax targets sum to 1 per step, cross-entropy targets in (0, 1)). */
export function randomGraphPoint(net: GraphNetwork, rand: () => number, ranges: PointRanges = {}): GraphPoint {
  const P = ranges.params ?? 1.5;
  const X = ranges.x ?? 2;
  const T = net.sequence ?? 1;
  const n = nodeOf(net, net.output).size;
  const layout = graphLayout(net);
  const params = Float64Array.from({ length: layout.paramCount }, () => uniform(rand, -P, P));
  // Weights of a wide input shrink as 2/√fan-in (small ones keep ±P): otherwise a wide recurrent layer's
  // pre-activations and, over many steps, its gradients explode, and no difference quotient is accurate there.
  for (const e of layout.entries) {
    const scale = e.kind === 'W' ? Math.min(1, 2 / Math.sqrt(e.cols)) : 1;
    for (let i = e.offset; i < e.offset + e.rows * e.cols; i++) params[i]! *= scale;
  }
  const x = Array.from({ length: T * net.input }, () => uniform(rand, -X, X));
  const rows = net.target === 'last-step' ? 1 : T;
  const y: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (net.loss === 'softmax-cross-entropy') {
      const w = Array.from({ length: n }, () => uniform(rand, 0.05, 1));
      const s = w.reduce((a, b) => a + b, 0);
      for (const v of w) y.push(v / s);
    } else {
      // One number at a time: push(...list) overflows the stack for a wide output.
      const [lo, hi] = net.loss === 'cross-entropy' ? [0.05, 0.95] : [-1, 1];
      for (let j = 0; j < n; j++) y.push(uniform(rand, lo, hi));
    }
  }
  return { params, x, y };
}

/** A random point whose kinked activations' arguments all stay at least `margin` from 0 (tries up to 200 times). */
export function smoothGraphPoint(net: GraphNetwork, rand: () => number, ranges: PointRanges = {}, margin = 1e-2): GraphPoint {
  const kinked = net.nodes.some((n) => (n.kind === 'dense' || n.kind === 'of') && isKinked(n.activation));
  let point = randomGraphPoint(net, rand, ranges);
  for (let tries = 0; kinked && tries < 200; tries++) {
    if (graphPreActivations(net, point.params, point.x).every((z) => Math.abs(z) >= margin)) break;
    point = randomGraphPoint(net, rand, ranges);
  }
  return point;
}
