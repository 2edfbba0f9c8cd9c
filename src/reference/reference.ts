// The generic reference: the forward pass and the four backpropagation
// equations, written once for any network with mathjs matrices. Slow and plain
// on purpose: it is the oracle the generated code is checked against.
import type { Matrix } from 'mathjs';
import { math } from '../symbolic/mathjs.ts';
import { layoutOf, unflatten } from '../graph/layout.ts';
import type { Network } from '../spec/types.ts';
import { maxOf, referenceActivation, referenceLoss } from './activations.ts';

const { add, dotMultiply, matrix, multiply, transpose } = math;

const column = (v: readonly number[]): Matrix => matrix(v.map((x) => [x]));
const flatColumn = (m: Matrix): number[] => (m.toArray() as number[][]).map((r) => r[0]!);

interface Forward { zs: Matrix[]; as: Matrix[] }

function forward(net: Network, params: ArrayLike<number>, x: readonly number[]): { forward: Forward; W: Matrix[]; b: (Matrix | undefined)[] } {
  const p = unflatten(layoutOf(net), params);
  const W = net.layers.map((_, i) => matrix(p[`W${i + 1}`] as number[][]));
  const b = net.layers.map((l, i) => (l.bias ? column(p[`b${i + 1}`] as number[]) : undefined));
  const as: Matrix[] = [column(x)];
  const zs: Matrix[] = [];
  net.layers.forEach((layer, i) => {
    const product = multiply(W[i]!, as[i]!) as Matrix;
    const z = b[i] ? (add(product, b[i]!) as Matrix) : product;
    zs.push(z);
    as.push(activate(layer.activation, z));
  });
  return { forward: { zs, as }, W, b };
}

function activate(spec: Network['layers'][number]['activation'], z: Matrix): Matrix {
  if (spec.kind === 'softmax') {
    const v = flatColumn(z);
    const m = maxOf(v);
    const e = v.map((x) => Math.exp(x - m));
    const s = e.reduce((p, q) => p + q, 0);
    return column(e.map((x) => x / s));
  }
  const { f } = referenceActivation(spec);
  return z.map((v: number) => f(v)) as Matrix;
}

/** The pre-activations z^(l) of every layer (for finding kinks). */
export function referencePreActivations(net: Network, params: ArrayLike<number>, x: readonly number[]): number[][] {
  return forward(net, params, x).forward.zs.map(flatColumn);
}

export function referencePredict(net: Network, params: ArrayLike<number>, x: readonly number[]): number[] {
  const { forward: f } = forward(net, params, x);
  return flatColumn(f.as[f.as.length - 1]!);
}

export function referenceLossValue(net: Network, params: ArrayLike<number>, x: readonly number[], y: readonly number[]): number {
  const { forward: f } = forward(net, params, x);
  return lossOf(net, f, [...y]);
}

/** The loss, from the logits where the output is sigmoid or softmax with cross-entropy (finite for any z). */
function lossOf(net: Network, f: Forward, y: number[]): number {
  const L = net.layers.length;
  const kind = net.layers[L - 1]!.activation.kind;
  const z = flatColumn(f.zs[L - 1]!);
  if (net.loss === 'cross-entropy' && kind === 'sigmoid') {
    const softplus = (t: number): number => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
    return z.reduce((s, zi, i) => s + y[i]! * softplus(-zi) + (1 - y[i]!) * softplus(zi), 0);
  }
  if (net.loss === 'softmax-cross-entropy') {
    const m = maxOf(z);
    const logSum = m + Math.log(z.reduce((s, zi) => s + Math.exp(zi - m), 0));
    return z.reduce((s, zi, i) => s + y[i]! * (logSum - zi), 0);
  }
  return referenceLoss(net.loss).C(flatColumn(f.as[L]!), y);
}

/** C and ∂C/∂params (flat, same layout) by the four equations of backpropagation. */
export function referenceGradient(net: Network, params: ArrayLike<number>, x: readonly number[], y: readonly number[]): { loss: number; grad: Float64Array } {
  const { forward: f, W } = forward(net, params, x);
  const L = net.layers.length;
  const aL = flatColumn(f.as[L]!);
  const loss = referenceLoss(net.loss);
  const gradA = loss.dC(aL, [...y]);
  const deltas: Matrix[] = new Array(L);
  // Sigmoid or softmax with cross-entropy: the textbook δ^(L) = a − y, finite where ∇_a C ⊙ σ' is 0 · ∞.
  const lastKind = net.layers[L - 1]!.activation.kind;
  const closedForm = (net.loss === 'cross-entropy' && lastKind === 'sigmoid') || net.loss === 'softmax-cross-entropy';
  for (let l = L; l >= 1; l--) {
    const spec = net.layers[l - 1]!.activation;
    if (l === L && closedForm) {
      deltas[l - 1] = column(aL.map((a, i) => a - y[i]!));
      continue;
    }
    // BP1 / BP2: δ^(L) = ∇_a C ⊙ σ'(z^(L)); δ^(l) = ((W^(l+1))ᵀ δ^(l+1)) ⊙ σ'(z^(l))
    const upstream = l === L ? column(gradA) : (multiply(transpose(W[l]!), deltas[l]!) as Matrix);
    deltas[l - 1] = backThroughActivation(spec, f.zs[l - 1]!, f.as[l]!, upstream);
  }
  const layout = layoutOf(net);
  const grad = new Float64Array(layout.paramCount);
  for (const e of layout.entries) {
    const delta = deltas[e.layer - 1]!;
    // BP4: ∂C/∂W^(l) = δ^(l) (a^(l−1))ᵀ;  BP3: ∂C/∂b^(l) = δ^(l)
    const g = e.kind === 'W' ? (multiply(delta, transpose(f.as[e.layer - 1]!)) as Matrix) : delta;
    (g.toArray() as number[][]).flat().forEach((v, i) => { grad[e.offset + i] = v; });
  }
  return { loss: lossOf(net, f, [...y]), grad };
}

function backThroughActivation(spec: Network['layers'][number]['activation'], z: Matrix, a: Matrix, upstream: Matrix): Matrix {
  if (spec.kind === 'softmax') {
    // Jacobian of softmax: diag(a) − a aᵀ, symmetric.
    const av = flatColumn(a);
    const u = flatColumn(upstream);
    const dot = av.reduce((s, ai, i) => s + ai * u[i]!, 0);
    return column(av.map((ai, i) => ai * (u[i]! - dot)));
  }
  const { df } = referenceActivation(spec);
  return dotMultiply(upstream, z.map((v: number) => df(v))) as Matrix;
}
