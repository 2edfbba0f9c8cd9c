// The project's own generic trainer: plain Float64Array loops for any sizes,
// written as carefully as the generated code (buffers allocated once, flat
// parameters in the generated layout, row-major inner loops, fused update).
// It is the baseline the speed goals' ratios are measured against.
import type { Network } from '../src/spec/types.ts';

const IDENTITY = 0, SIGMOID = 1, TANH = 2, SOFTMAX = 3;
type Loss = 'squared' | 'half-squared' | 'softmax-cross-entropy';

export class GenericTrainer {
  private readonly sizes: number[];
  private readonly acts: number[];
  private readonly wOff: number[] = [];
  private readonly bOff: number[] = [];
  private readonly as: Float64Array[];
  private readonly ds: Float64Array[];
  private readonly loss: Loss;
  readonly paramCount: number;

  constructor(net: Network) {
    this.sizes = [net.input, ...net.layers.map((l) => l.units)];
    this.acts = net.layers.map((l) => ({ identity: IDENTITY, sigmoid: SIGMOID, tanh: TANH, softmax: SOFTMAX } as Record<string, number>)[l.activation.kind] ?? -1);
    if (this.acts.includes(-1)) throw new Error('generic trainer: identity, sigmoid, tanh and softmax only');
    if (!['squared', 'half-squared', 'softmax-cross-entropy'].includes(net.loss)) throw new Error(`generic trainer: no loss ${net.loss}`);
    this.loss = net.loss as Loss;
    let o = 0;
    net.layers.forEach((l, i) => {
      this.wOff.push(o); o += l.units * this.sizes[i]!;
      this.bOff.push(l.bias ? o : -1); if (l.bias) o += l.units;
    });
    this.paramCount = o;
    this.as = this.sizes.map((n) => new Float64Array(n));
    this.ds = this.sizes.map((n) => new Float64Array(n));
  }

  /** One SGD step on one example, in place; returns C before the step. */
  sgdStep(p: Float64Array, x: ArrayLike<number>, y: ArrayLike<number>, rate: number): number {
    const L = this.acts.length, sizes = this.sizes, as = this.as, ds = this.ds;
    const a0 = as[0]!;
    for (let k = 0; k < sizes[0]!; k++) a0[k] = x[k]!;
    for (let l = 0; l < L; l++) {
      const n = sizes[l + 1]!, m = sizes[l]!, w = this.wOff[l]!, b = this.bOff[l]!, act = this.acts[l]!;
      const a = as[l]!, out = as[l + 1]!;
      for (let j = 0; j < n; j++) {
        let s = b >= 0 ? p[b + j]! : 0;
        const row = w + j * m;
        for (let k = 0; k < m; k++) s += p[row + k]! * a[k]!;
        out[j] = act === SIGMOID ? 1 / (1 + Math.exp(-s)) : act === TANH ? Math.tanh(s) : s;
      }
      if (act === SOFTMAX) {
        let mx = -Infinity;
        for (let j = 0; j < n; j++) if (out[j]! > mx) mx = out[j]!;
        let sum = 0;
        for (let j = 0; j < n; j++) { out[j] = Math.exp(out[j]! - mx); sum += out[j]!; }
        for (let j = 0; j < n; j++) out[j]! /= sum;
      }
    }
    // δ^(L) from the loss, with the activation derivative taken from a.
    const aL = as[L]!, dL = ds[L]!, nL = sizes[L]!, actL = this.acts[L - 1]!;
    let C = 0;
    for (let j = 0; j < nL; j++) {
      const a = aL[j]!, e = a - y[j]!;
      if (this.loss === 'softmax-cross-entropy') { C -= y[j]! * Math.log(a); dL[j] = e; continue; }
      C += this.loss === 'squared' ? e * e : 0.5 * e * e;
      const g = this.loss === 'squared' ? 2 * e : e;
      dL[j] = g * (actL === SIGMOID ? a * (1 - a) : actL === TANH ? 1 - a * a : 1);
    }
    // δ^(l) = (W^(l+1))ᵀ δ^(l+1) ⊙ σ'(z^(l)), walking W^(l+1) row by row.
    for (let l = L - 1; l >= 1; l--) {
      const n = sizes[l + 1]!, m = sizes[l]!, w = this.wOff[l]!, act = this.acts[l - 1]!;
      const d = ds[l]!, dn = ds[l + 1]!, a = as[l]!;
      d.fill(0);
      for (let j = 0; j < n; j++) {
        const dj = dn[j]!, row = w + j * m;
        for (let k = 0; k < m; k++) d[k]! += p[row + k]! * dj;
      }
      for (let k = 0; k < m; k++) {
        const ak = a[k]!;
        d[k]! *= act === SIGMOID ? ak * (1 - ak) : act === TANH ? 1 - ak * ak : 1;
      }
    }
    // W -= rate δ aᵀ, b -= rate δ, in place: no δ reads a parameter any more.
    for (let l = 0; l < L; l++) {
      const n = sizes[l + 1]!, m = sizes[l]!, w = this.wOff[l]!, b = this.bOff[l]!;
      const d = ds[l + 1]!, a = as[l]!;
      for (let j = 0; j < n; j++) {
        const r = rate * d[j]!, row = w + j * m;
        for (let k = 0; k < m; k++) p[row + k]! -= r * a[k]!;
        if (b >= 0) p[b + j]! -= r;
      }
    }
    return C;
  }
}
