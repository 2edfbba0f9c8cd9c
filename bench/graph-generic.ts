// The project's own generic trainer for graph networks (the `nodes:` form):
// plain Float64Array loops that interpret the node list at run time, forward
// through the T steps of a sequence model and backward through time (BPTT).
// Written from the network file's meaning alone, not from src/derive or
// src/render: it is the baseline the generated graph module is timed against.
// Buffers are allocated once; the parameters are flat, in the generated
// module's layout (node order: W_N, or W_N_<input> per input, row-major with
// rows = units; then b_N; a tied node has b_N only); the update is one fused pass.
import type { GraphNetwork, NodeSpec, SourceRef } from '../src/spec/graph-types.ts';

const IDENTITY = 0, SIGMOID = 1, TANH = 2, RELU = 3, LEAKY = 4;
const DENSE = 0, ADD = 1, MULTIPLY = 2, CONCAT = 3, OF = 4;
const HALF = 0, SQUARED = 1, MSE = 2, CROSS_ENTROPY = 3;

interface Input {
  /** Index of the node read, or -1 for x. */
  readonly node: number;
  readonly prev: boolean;
  readonly size: number;
  /** Dense: offset of the weight this input multiplies (the partner's W when tied). */
  readonly w: number;
  /** Concat: where this input's rows start in the node's value. */
  readonly at: number;
}

interface Node {
  readonly name: string;
  readonly kind: number;
  readonly size: number;
  readonly act: number;
  readonly slope: number;
  readonly inputs: readonly Input[];
  /** Offset of b_N, or -1. */
  readonly bias: number;
  /** Dense: z = W_Mᵀ in + b, with W_M (size_in × size) at inputs[0].w. */
  readonly tied: boolean;
}

function activationCode(node: NodeSpec): { act: number; slope: number } {
  if (node.kind !== 'dense' && node.kind !== 'of') return { act: IDENTITY, slope: 0 };
  const a = node.activation;
  switch (a.kind) {
    case 'identity': return { act: IDENTITY, slope: 0 };
    case 'sigmoid': return { act: SIGMOID, slope: 0 };
    case 'tanh': return { act: TANH, slope: 0 };
    case 'relu': return { act: RELU, slope: 0 };
    case 'leaky-relu':
      // σ' is read from the value a: a > 0 exactly when z > 0 needs a positive slope.
      if (a.slope > 0) return { act: LEAKY, slope: a.slope };
      break;
  }
  throw new Error(`generic graph trainer: node ${node.name}: activation ${a.kind} is not supported (identity, sigmoid, tanh, relu, leaky-relu)`);
}

export class GraphGenericTrainer {
  readonly paramCount: number;
  /** Offsets and lengths of the weights (for l2). */
  private readonly weights: { offset: number; length: number }[] = [];
  private readonly nodes: Node[];
  private readonly T: number;
  private readonly nx: number;
  private readonly out: number;
  private readonly lastOnly: boolean;
  private readonly loss: number;
  private readonly l2: number;
  /** Values a_N for all steps (step t at t·size), x, and their adjoints g_N. */
  private readonly vals: Float64Array[];
  private readonly adj: Float64Array[];
  private readonly xb: Float64Array;
  /** δ of one node at one step (the largest node's size). */
  private readonly d: Float64Array;
  private readonly zero: Float64Array;
  private readonly grad: Float64Array;

  constructor(net: GraphNetwork) {
    this.T = net.sequence ?? 1;
    this.nx = net.input;
    const index = new Map(net.nodes.map((n, i) => [n.name, i]));
    const size = (s: SourceRef): number => (s.node === 'x' ? net.input : net.nodes[index.get(s.node)!]!.size);
    // The layout: the owned weights of every dense node in node order, then its bias.
    const wOf = new Map<string, number>();
    const biasOf = new Map<string, number>();
    let o = 0;
    for (const n of net.nodes) {
      if (n.kind !== 'dense') continue;
      if (n.tied === undefined) {
        for (const s of n.inputs) {
          wOf.set(`${n.name}/${s.node}`, o);
          this.weights.push({ offset: o, length: n.size * size(s) });
          o += n.size * size(s);
        }
      }
      if (n.bias) { biasOf.set(n.name, o); o += n.size; }
    }
    this.paramCount = o;
    this.nodes = net.nodes.map((n) => {
      const { act, slope } = activationCode(n);
      const kind = { dense: DENSE, add: ADD, multiply: MULTIPLY, concat: CONCAT, of: OF }[n.kind];
      const tied = n.kind === 'dense' && n.tied !== undefined;
      let at = 0;
      const inputs = n.inputs.map((s): Input => {
        let w = -1;
        if (n.kind === 'dense') {
          if (tied) {
            const owner = net.nodes[index.get(n.tied!)!]!;
            w = wOf.get(`${owner.name}/${owner.inputs[0]!.node}`)!;
          } else w = wOf.get(`${n.name}/${s.node}`)!;
        }
        const input = { node: s.node === 'x' ? -1 : index.get(s.node)!, prev: s.prev, size: size(s), w, at };
        at += input.size;
        return input;
      });
      if (n.kind === 'multiply' && inputs.length !== 2) throw new Error('generic graph trainer: multiply takes 2 inputs');
      return { name: n.name, kind, size: n.size, act, slope, inputs, bias: biasOf.get(n.name) ?? -1, tied };
    });
    this.out = index.get(net.output)!;
    this.lastOnly = net.target === 'last-step';
    const loss = typeof net.loss === 'string' ? ({ 'half-squared': HALF, squared: SQUARED, mse: MSE, 'cross-entropy': CROSS_ENTROPY } as Record<string, number>)[net.loss] : undefined;
    if (loss === undefined) throw new Error(`generic graph trainer: loss ${JSON.stringify(net.loss)} is not supported (half-squared, squared, mse, cross-entropy)`);
    this.loss = loss;
    this.l2 = net.regularization?.l2 ?? 0;
    this.vals = this.nodes.map((n) => new Float64Array(this.T * n.size));
    this.adj = this.nodes.map((n) => new Float64Array(this.T * n.size));
    this.xb = new Float64Array(this.T * this.nx);
    const widest = Math.max(this.nx, ...this.nodes.map((n) => n.size));
    this.d = new Float64Array(widest);
    this.zero = new Float64Array(widest);
    this.grad = new Float64Array(this.paramCount);
  }

  /** The value buffer an input reads (x, a node, or zeros for @prev at t = 0) and its offset at step t. */
  private src(s: Input, t: number): Float64Array {
    if (s.prev && t === 0) return this.zero;
    return s.node < 0 ? this.xb : this.vals[s.node]!;
  }

  private forward(p: Float64Array): void {
    const T = this.T, nodes = this.nodes, vals = this.vals;
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < nodes.length; i++) {
        const nd = nodes[i]!, n = nd.size, v = vals[i]!, o = t * n, ins = nd.inputs;
        switch (nd.kind) {
          case DENSE: {
            const b = nd.bias;
            if (b >= 0) for (let j = 0; j < n; j++) v[o + j] = p[b + j]!;
            else for (let j = 0; j < n; j++) v[o + j] = 0;
            for (let q = 0; q < ins.length; q++) {
              const s = ins[q]!;
              if (s.prev && t === 0) continue; // W · 0
              const a = s.node < 0 ? this.xb : vals[s.node]!, m = s.size, ao = (s.prev ? t - 1 : t) * m, w = s.w;
              if (nd.tied) {
                // z_j += Σ_k W_M[k, j] a_k, W_M stored m × n.
                for (let k = 0; k < m; k++) {
                  const ak = a[ao + k]!, row = w + k * n;
                  for (let j = 0; j < n; j++) v[o + j]! += p[row + j]! * ak;
                }
              } else {
                for (let j = 0; j < n; j++) {
                  let sum = 0;
                  const row = w + j * m;
                  for (let k = 0; k < m; k++) sum += p[row + k]! * a[ao + k]!;
                  v[o + j]! += sum;
                }
              }
            }
            activate(v, o, n, nd.act, nd.slope);
            break;
          }
          case ADD: {
            for (let j = 0; j < n; j++) v[o + j] = 0;
            for (let q = 0; q < ins.length; q++) {
              const s = ins[q]!;
              if (s.prev && t === 0) continue;
              const a = this.src(s, t), ao = (s.prev ? t - 1 : t) * n;
              for (let j = 0; j < n; j++) v[o + j]! += a[ao + j]!;
            }
            break;
          }
          case MULTIPLY: {
            const s0 = ins[0]!, s1 = ins[1]!;
            const a0 = this.src(s0, t), a1 = this.src(s1, t);
            const o0 = a0 === this.zero ? 0 : (s0.prev ? t - 1 : t) * n, o1 = a1 === this.zero ? 0 : (s1.prev ? t - 1 : t) * n;
            for (let j = 0; j < n; j++) v[o + j] = a0[o0 + j]! * a1[o1 + j]!;
            break;
          }
          case CONCAT: {
            for (let q = 0; q < ins.length; q++) {
              const s = ins[q]!, m = s.size, a = this.src(s, t), ao = a === this.zero ? 0 : (s.prev ? t - 1 : t) * m;
              for (let k = 0; k < m; k++) v[o + s.at + k] = a[ao + k]!;
            }
            break;
          }
          case OF: {
            const s = ins[0]!, a = this.src(s, t), ao = a === this.zero ? 0 : (s.prev ? t - 1 : t) * n;
            for (let j = 0; j < n; j++) v[o + j] = a[ao + j]!;
            activate(v, o, n, nd.act, nd.slope);
            break;
          }
        }
      }
    }
  }

  /** C of the example; writes ∂C/∂a_out into the output's adjoint (the others are zeroed). */
  private lossAndSeed(p: Float64Array, y: ArrayLike<number>): number {
    for (const g of this.adj) g.fill(0);
    const n = this.nodes[this.out]!.size, a = this.vals[this.out]!, g = this.adj[this.out]!;
    const scale = this.loss === HALF ? 0.5 : this.loss === SQUARED ? 1 : 1 / n;
    let C = 0;
    for (let t = this.lastOnly ? this.T - 1 : 0; t < this.T; t++) {
      const o = t * n, yo = this.lastOnly ? 0 : o;
      if (this.loss === CROSS_ENTROPY) {
        // ℓ = −y log a − (1 − y) log(1 − a), ∂ℓ/∂a = (a − y) / (a (1 − a)).
        for (let j = 0; j < n; j++) {
          const v = a[o + j]!, u = y[yo + j]!;
          C -= (u > 0 ? u * Math.log(v) : 0) + (u < 1 ? (1 - u) * Math.log(1 - v) : 0);
          g[o + j] = (v - u) / (v * (1 - v));
        }
        continue;
      }
      for (let j = 0; j < n; j++) {
        const e = a[o + j]! - y[yo + j]!;
        C += scale * e * e;
        g[o + j] = 2 * scale * e;
      }
    }
    if (this.l2 > 0) {
      let ww = 0;
      for (const { offset, length } of this.weights) for (let i = offset; i < offset + length; i++) ww += p[i]! * p[i]!;
      C += (this.l2 / 2) * ww;
    }
    return C;
  }

  /** Backpropagation through time: the steps in reverse, the nodes in reverse; ∂C/∂params into this.grad. */
  private backward(p: Float64Array): void {
    const T = this.T, nodes = this.nodes, vals = this.vals, adj = this.adj, gr = this.grad, d = this.d;
    gr.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      for (let i = nodes.length - 1; i >= 0; i--) {
        const nd = nodes[i]!, n = nd.size, o = t * n, g = adj[i]!, ins = nd.inputs;
        switch (nd.kind) {
          case DENSE: {
            // δ = g ⊙ σ'(z), σ' read from the value.
            derivative(d, g, vals[i]!, o, n, nd.act, nd.slope);
            const b = nd.bias;
            if (b >= 0) for (let j = 0; j < n; j++) gr[b + j]! += d[j]!;
            for (let q = 0; q < ins.length; q++) {
              const s = ins[q]!;
              if (s.prev && t === 0) continue;
              const m = s.size, ao = (s.prev ? t - 1 : t) * m, w = s.w;
              const a = s.node < 0 ? this.xb : vals[s.node]!;
              const ga = s.node < 0 ? undefined : adj[s.node]!;
              if (nd.tied) {
                // z = W_Mᵀ a: ∂W_M[k, j] += a_k δ_j, g_a[k] += Σ_j W_M[k, j] δ_j.
                for (let k = 0; k < m; k++) {
                  const ak = a[ao + k]!, row = w + k * n;
                  let acc = 0;
                  for (let j = 0; j < n; j++) { gr[row + j]! += ak * d[j]!; acc += p[row + j]! * d[j]!; }
                  if (ga) ga[ao + k]! += acc;
                }
              } else if (ga) {
                for (let j = 0; j < n; j++) {
                  const dj = d[j]!, row = w + j * m;
                  for (let k = 0; k < m; k++) { gr[row + k]! += dj * a[ao + k]!; ga[ao + k]! += p[row + k]! * dj; }
                }
              } else {
                for (let j = 0; j < n; j++) {
                  const dj = d[j]!, row = w + j * m;
                  for (let k = 0; k < m; k++) gr[row + k]! += dj * a[ao + k]!;
                }
              }
            }
            break;
          }
          case ADD:
            for (let q = 0; q < ins.length; q++) {
              const s = ins[q]!;
              if (s.node < 0 || (s.prev && t === 0)) continue;
              const ga = adj[s.node]!, ao = (s.prev ? t - 1 : t) * n;
              for (let j = 0; j < n; j++) ga[ao + j]! += g[o + j]!;
            }
            break;
          case MULTIPLY:
            for (let q = 0; q < 2; q++) {
              const s = ins[q]!, other = ins[1 - q]!;
              if (s.node < 0 || (s.prev && t === 0)) continue;
              const b = this.src(other, t);
              if (b === this.zero) continue;
              const ga = adj[s.node]!, ao = (s.prev ? t - 1 : t) * n, bo = (other.prev ? t - 1 : t) * n;
              for (let j = 0; j < n; j++) ga[ao + j]! += g[o + j]! * b[bo + j]!;
            }
            break;
          case CONCAT:
            for (let q = 0; q < ins.length; q++) {
              const s = ins[q]!;
              if (s.node < 0 || (s.prev && t === 0)) continue;
              const m = s.size, ga = adj[s.node]!, ao = (s.prev ? t - 1 : t) * m;
              for (let k = 0; k < m; k++) ga[ao + k]! += g[o + s.at + k]!;
            }
            break;
          case OF: {
            const s = ins[0]!;
            if (s.node < 0 || (s.prev && t === 0)) break;
            derivative(d, g, vals[i]!, o, n, nd.act, nd.slope);
            const ga = adj[s.node]!, ao = (s.prev ? t - 1 : t) * n;
            for (let j = 0; j < n; j++) ga[ao + j]! += d[j]!;
            break;
          }
        }
      }
    }
  }

  /** C of one example (x: T·n_x numbers, y: T·n_out or n_out); writes ∂C/∂params into grad. */
  lossAndGradient(p: Float64Array, x: ArrayLike<number>, y: ArrayLike<number>, grad: Float64Array): number {
    const C = this.run(p, x, y);
    grad.set(this.grad);
    return C;
  }

  private run(p: Float64Array, x: ArrayLike<number>, y: ArrayLike<number>): number {
    const xb = this.xb;
    for (let k = 0; k < xb.length; k++) xb[k] = x[k]!;
    this.forward(p);
    const C = this.lossAndSeed(p, y);
    this.backward(p);
    if (this.l2 > 0) {
      const gr = this.grad, l2 = this.l2;
      for (const { offset, length } of this.weights) for (let i = offset; i < offset + length; i++) gr[i]! += l2 * p[i]!;
    }
    return C;
  }

  /** One SGD step on one example, in place; returns C before the step. */
  sgdStep(p: Float64Array, x: ArrayLike<number>, y: ArrayLike<number>, rate: number): number {
    const C = this.run(p, x, y);
    const gr = this.grad;
    for (let i = 0; i < gr.length; i++) p[i]! -= rate * gr[i]!;
    return C;
  }
}

/** a ← σ(a) over a[o … o+n). */
function activate(v: Float64Array, o: number, n: number, act: number, slope: number): void {
  switch (act) {
    case SIGMOID: for (let j = o; j < o + n; j++) v[j] = 1 / (1 + Math.exp(-v[j]!)); break;
    case TANH: for (let j = o; j < o + n; j++) v[j] = Math.tanh(v[j]!); break;
    case RELU: for (let j = o; j < o + n; j++) if (!(v[j]! > 0)) v[j] = 0; break;
    case LEAKY: for (let j = o; j < o + n; j++) if (!(v[j]! > 0)) v[j]! *= slope; break;
  }
}

/** d ← g ⊙ σ'(·), with σ' from the value a (relu'(0) = 0). */
function derivative(d: Float64Array, g: Float64Array, a: Float64Array, o: number, n: number, act: number, slope: number): void {
  switch (act) {
    case IDENTITY: for (let j = 0; j < n; j++) d[j] = g[o + j]!; break;
    case SIGMOID: for (let j = 0; j < n; j++) { const v = a[o + j]!; d[j] = g[o + j]! * v * (1 - v); } break;
    case TANH: for (let j = 0; j < n; j++) { const v = a[o + j]!; d[j] = g[o + j]! * (1 - v * v); } break;
    case RELU: for (let j = 0; j < n; j++) d[j] = a[o + j]! > 0 ? g[o + j]! : 0; break;
    case LEAKY: for (let j = 0; j < n; j++) d[j] = a[o + j]! > 0 ? g[o + j]! : slope * g[o + j]!; break;
  }
}
