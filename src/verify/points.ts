// Seeded random points (parameters, input, target, rate) and every value of
// the network at each: z, a, δ and the true gradient. The forward and backward
// passes here use the reference's own activation and loss functions, not the
// symbolic engine, so that the numbers a verdict rests on are independent of
// the derivation being compared against.
import { randomPoint } from '../check/check.ts';
import { seededRandom, uniform } from '../check/random.ts';
import { layoutOf, offsetOf, unflatten, type NamedParams } from '../graph/layout.ts';
import { maxOf, referenceActivation, referenceLoss, type ScalarPair } from '../reference/activations.ts';
import { referenceGradient } from '../reference/reference.ts';
import type { ActivationSpec, Network } from '../spec/types.ts';

export interface PointState {
  readonly params: Float64Array;
  readonly named: NamedParams;
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly rate: number;
  /** z[l][i-1] for l = 1..L (z[0] unused). */
  readonly z: readonly (readonly number[])[];
  /** a[l][i-1] for l = 0..L; a[0] is x. */
  readonly a: readonly (readonly number[])[];
  /** δ[l][i-1] = ∂C/∂z^(l)_i. */
  readonly delta: readonly (readonly number[])[];
  /** ∂C/∂params from the reference implementation, in layout order. */
  readonly grad: Float64Array;
  gradAt(kind: 'W' | 'b', layer: number, j: number, k: number): number;
}

export const DEFAULT_POINTS = 20;

const pairs = new WeakMap<ActivationSpec, ScalarPair>();

/** The reference's f and f' for an activation, made once per spec (a formula activation compiles with mathjs). */
export function referencePair(spec: ActivationSpec): ScalarPair {
  let hit = pairs.get(spec);
  if (!hit) { hit = referenceActivation(spec); pairs.set(spec, hit); }
  return hit;
}

export function softmax(v: readonly number[]): number[] {
  const m = maxOf(v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((p, q) => p + q, 0);
  return e.map((x) => x / s);
}

export function makePoints(net: Network, count = DEFAULT_POINTS, seed = 1, fixedRate?: number): PointState[] {
  const rand = seededRandom(seed);
  const out: PointState[] = [];
  for (let p = 0; p < count; p++) {
    const { params, x, y } = randomPoint(net, rand);
    out.push(pointAt(net, params, x, y, fixedRate ?? uniform(rand, 0.01, 1)));
  }
  return out;
}

/** Every value of the network at one point (parameters in layout order). */
export function pointAt(net: Network, params: Float64Array, x: readonly number[], y: readonly number[], rate: number): PointState {
  const layout = layoutOf(net);
  const named = unflatten(layout, params);
  const z: number[][] = [[]];
  const a: number[][] = [[...x]];
  net.layers.forEach((layer, i) => {
    const l = i + 1;
    const W = named[`W${l}`] as number[][];
    const b = layer.bias ? (named[`b${l}`] as number[]) : undefined;
    const zl = W.map((row, j) => row.reduce((s, w, k) => s + w * a[l - 1]![k]!, 0) + (b ? b[j]! : 0));
    z.push(zl);
    a.push(layer.activation.kind === 'softmax' ? softmax(zl) : zl.map(referencePair(layer.activation).f));
  });
  const delta = backward(net, named, z, a, y);
  const { grad } = referenceGradient(net, params, [...x], [...y]);
  return {
    params, named, x, y, rate, z, a, delta, grad,
    gradAt: (kind, layer, j, k) => grad[offsetOf(layout, kind, layer, j, k)]!,
  };
}

/** δ^(l) for every layer: ∇_a C through each activation's Jacobian, then back through Wᵀ. */
function backward(net: Network, named: NamedParams, z: number[][], a: number[][], y: readonly number[]): number[][] {
  const L = net.layers.length;
  const delta: number[][] = new Array(L + 1).fill([]);
  let upstream = referenceLoss(net.loss).dC(a[L]!, [...y]);
  for (let l = L; l >= 1; l--) {
    const spec = net.layers[l - 1]!.activation;
    let d: number[];
    if (spec.kind === 'softmax') {
      const al = a[l]!;
      const dot = al.reduce((s, ai, i) => s + ai * upstream[i]!, 0);
      d = al.map((ai, i) => ai * (upstream[i]! - dot));
    } else {
      const { df } = referencePair(spec);
      d = z[l]!.map((zi, i) => upstream[i]! * df(zi));
    }
    delta[l] = d;
    const W = named[`W${l}`] as number[][];
    upstream = a[l - 1]!.map((_, k) => W.reduce((s, row, j) => s + row[k]! * d[j]!, 0));
  }
  return delta;
}
