// Every value of a graph network at one point, in plain numbers: a forward
// pass per step (values and pre-activations), the backward pass through time
// (each node's δ per step and the true gradient), and a forward-mode tangent
// pass (∂N/∂P for --of). Written from the network file's semantics alone, with
// the reference's activation and loss functions, and independent of the
// derivation (src/derive/graph.ts) and the printers (src/render), so that a
// verdict never rests on the code it judges.
//
// Semantics: x is T vectors x_1 … x_T; NODE@prev reads the node's value at
// t − 1, zero at the first step; C = Σ_t ℓ(out_t, y_t) (every-step) or
// ℓ(out_T, y) (last-step), ℓ summed over the output's elements (mse: averaged),
// plus (λ/2) Σ ‖W‖²_F over the weights when l2 is set.
import { math } from '../symbolic/mathjs.ts';
import { seededRandom, uniform } from '../check/random.ts';
import { graphLayout, sourceSize, type GraphLayout } from '../graph/graph-layout.ts';
import { referenceLoss } from '../reference/activations.ts';
import { stepsOf, type GraphNetwork, type NodeSpec, type SourceRef } from '../spec/graph-types.ts';
import type { ActivationSpec } from '../spec/types.ts';
import { referencePair, softmax } from './points.ts';

export type Vec = number[];
/** A matrix as rows; a bias is a column (n rows of one number). */
export type Rows = number[][];

export interface GraphPoint {
  /** Each parameter by its layout name, as rows (a bias is n×1). */
  readonly params: ReadonlyMap<string, Rows>;
  /** x_t for t = 1..T (index t − 1). */
  readonly x: readonly Vec[];
  /** y_t for t = 1..T (every-step), or the one target of the last step (last-step: one vector). */
  readonly y: readonly Vec[];
  /** Node values per step: value.get(N)[t − 1]. */
  readonly value: ReadonlyMap<string, readonly Vec[]>;
  /** Pre-activations of dense nodes per step. */
  readonly z: ReadonlyMap<string, readonly Vec[]>;
  /** δ_N per step: ∂C/∂z_N for a dense node, ∂C/∂N for any other node. */
  readonly delta: ReadonlyMap<string, readonly Vec[]>;
  /** ∂C/∂P for every parameter, as rows. */
  readonly grad: ReadonlyMap<string, Rows>;
  readonly loss: number;
}

const zeros = (n: number): Vec => new Array<number>(n).fill(0);
const matVec = (W: Rows, v: Vec): Vec => W.map((row) => row.reduce((s, w, k) => s + w * v[k]!, 0));
const matTVec = (W: Rows, v: Vec): Vec => {
  const out = zeros(W[0]?.length ?? 0);
  W.forEach((row, j) => row.forEach((w, k) => { out[k]! += w * v[j]!; }));
  return out;
};
const addTo = (acc: Vec, v: Vec): void => { v.forEach((x, i) => { acc[i]! += x; }); };

/** f applied to a vector (softmax as a whole). */
function activate(spec: ActivationSpec, z: Vec): Vec {
  return spec.kind === 'softmax' ? softmax(z) : z.map(referencePair(spec).f);
}

/** Jᵀ g for the activation's Jacobian J at z (value a). */
function activationVjp(spec: ActivationSpec, z: Vec, a: Vec, g: Vec): Vec {
  if (spec.kind === 'softmax') {
    const dot = a.reduce((s, ai, i) => s + ai * g[i]!, 0);
    return a.map((ai, i) => ai * (g[i]! - dot));
  }
  const { df } = referencePair(spec);
  return z.map((zi, i) => g[i]! * df(zi));
}

/** J dz (forward mode); the softmax Jacobian is symmetric. */
const activationJvp = activationVjp;

interface LossFns { C(a: Vec, y: Vec): number; dC(a: Vec, y: Vec): Vec }

const formulaLosses = new Map<string, LossFns>();

function lossFns(net: GraphNetwork): LossFns {
  if (typeof net.loss === 'string') return referenceLoss(net.loss);
  const text = net.loss.formula;
  let hit = formulaLosses.get(text);
  if (!hit) {
    const tree = math.parse(text);
    const f = tree.compile();
    const df = math.derivative(tree, 'a', { simplify: false }).compile(); // unsimplified: the same values, without mathjs's explosive simplifier
    hit = {
      C: (a, y) => a.reduce((s, ai, i) => s + (f.evaluate({ a: ai, y: y[i]! }) as number), 0),
      dC: (a, y) => a.map((ai, i) => df.evaluate({ a: ai, y: y[i]! }) as number),
    };
    formulaLosses.set(text, hit);
  }
  return hit;
}

/** Whether step t (1-based) has a loss. */
export const hasLoss = (net: GraphNetwork, t: number): boolean => net.target !== 'last-step' || t === stepsOf(net);

/** The target at step t. */
const targetAt = (net: GraphNetwork, y: readonly Vec[], t: number): Vec => (net.target === 'last-step' ? y[0]! : y[t - 1]!);

export function activationOfNode(node: NodeSpec): ActivationSpec | undefined {
  return node.kind === 'dense' || node.kind === 'of' ? node.activation : undefined;
}

/** The forward pass: values and pre-activations at every step. */
function forward(net: GraphNetwork, params: ReadonlyMap<string, Rows>, x: readonly Vec[]) {
  const T = stepsOf(net);
  const value = new Map<string, Vec[]>(net.nodes.map((n) => [n.name, []]));
  const z = new Map<string, Vec[]>();
  const read = (s: SourceRef, t: number): Vec => {
    if (s.node === 'x') return x[t - 1]!;
    const at = s.prev ? t - 1 : t;
    return at >= 1 ? value.get(s.node)![at - 1]! : zeros(sourceSize(net, s));
  };
  for (let t = 1; t <= T; t++) {
    for (const node of net.nodes) {
      const ins = node.inputs.map((s) => read(s, t));
      let out: Vec;
      switch (node.kind) {
        case 'dense': {
          const zt = node.bias ? params.get(`b_${node.name}`)!.map((r) => r[0]!) : zeros(node.size);
          if (node.tied !== undefined) addTo(zt, matTVec(params.get(`W_${node.tied}`)!, ins[0]!));
          else node.inputs.forEach((s, k) => addTo(zt, matVec(params.get(weightOf(node, s))!, ins[k]!)));
          if (!z.has(node.name)) z.set(node.name, []);
          z.get(node.name)!.push(zt);
          out = activate(node.activation, zt);
          break;
        }
        case 'add': out = ins.reduce((acc, v) => acc.map((a, i) => a + v[i]!), zeros(node.size)); break;
        case 'multiply': out = ins[0]!.map((a, i) => a * ins[1]![i]!); break;
        case 'concat': out = ins.flat(); break;
        case 'of': out = activate(node.activation, ins[0]!); break;
      }
      value.get(node.name)!.push(out);
    }
  }
  return { value, z, read };
}

const weightOf = (node: NodeSpec, s: SourceRef): string => (node.inputs.length === 1 ? `W_${node.name}` : `W_${node.name}_${s.node}`);

/** Every value, δ and the gradient at one point. */
export function graphPointAt(net: GraphNetwork, params: ReadonlyMap<string, Rows>, x: readonly Vec[], y: readonly Vec[]): GraphPoint {
  const T = stepsOf(net);
  const layout = graphLayout(net);
  const { value, z, read } = forward(net, params, x);
  const loss = lossFns(net);
  const out = net.nodes.find((n) => n.name === net.output)!;
  let C = 0;
  // g: the adjoint of each node's value per step, filled by its readers (push).
  const g = new Map<string, Vec[]>(net.nodes.map((n) => [n.name, Array.from({ length: T }, () => zeros(n.size))]));
  const delta = new Map<string, Vec[]>(net.nodes.map((n) => [n.name, new Array<Vec>(T)]));
  const grad = new Map<string, Rows>(layout.entries.map((e) => [e.name, Array.from({ length: e.rows }, () => zeros(e.cols))]));
  const send = (s: SourceRef, t: number, v: Vec): void => {
    if (s.node === 'x') return;
    const at = s.prev ? t - 1 : t;
    if (at >= 1) addTo(g.get(s.node)![at - 1]!, v);
  };
  const outer = (acc: Rows, u: Vec, v: Vec): void => { u.forEach((ui, j) => v.forEach((vk, k) => { acc[j]![k]! += ui * vk; })); };
  for (let t = T; t >= 1; t--) {
    if (hasLoss(net, t)) {
      const a = value.get(out.name)![t - 1]!;
      const yt = targetAt(net, y, t);
      C += loss.C(a, yt);
      addTo(g.get(out.name)![t - 1]!, loss.dC(a, yt));
    }
    for (const node of [...net.nodes].reverse()) {
      const gt = g.get(node.name)![t - 1]!;
      const ins = node.inputs.map((s) => read(s, t));
      switch (node.kind) {
        case 'dense': {
          const d = activationVjp(node.activation, z.get(node.name)![t - 1]!, value.get(node.name)![t - 1]!, gt);
          delta.get(node.name)![t - 1] = d;
          if (node.bias) grad.get(`b_${node.name}`)!.forEach((r, j) => { r[0]! += d[j]!; });
          if (node.tied !== undefined) {
            const W = params.get(`W_${node.tied}`)!;
            outer(grad.get(`W_${node.tied}`)!, ins[0]!, d);
            send(node.inputs[0]!, t, matVec(W, d));
          } else {
            node.inputs.forEach((s, k) => {
              const name = weightOf(node, s);
              outer(grad.get(name)!, d, ins[k]!);
              send(s, t, matTVec(params.get(name)!, d));
            });
          }
          break;
        }
        case 'add': delta.get(node.name)![t - 1] = gt; node.inputs.forEach((s) => send(s, t, gt)); break;
        case 'multiply':
          delta.get(node.name)![t - 1] = gt;
          send(node.inputs[0]!, t, gt.map((v, i) => v * ins[1]![i]!));
          send(node.inputs[1]!, t, gt.map((v, i) => v * ins[0]![i]!));
          break;
        case 'concat': {
          delta.get(node.name)![t - 1] = gt;
          let offset = 0;
          node.inputs.forEach((s, k) => {
            const n = ins[k]!.length;
            send(s, t, gt.slice(offset, offset + n));
            offset += n;
          });
          break;
        }
        case 'of': {
          // δ of an activation node is the gradient with respect to its argument as it reads it (σ'
          // applied), as the derivation prints it: the of node's z is its input.
          const d = activationVjp(node.activation, ins[0]!, value.get(node.name)![t - 1]!, gt);
          delta.get(node.name)![t - 1] = d;
          send(node.inputs[0]!, t, d);
          break;
        }
      }
    }
  }
  const l2 = net.regularization?.l2 ?? 0;
  if (l2 > 0) {
    for (const e of layout.entries) {
      if (e.kind !== 'W') continue;
      const W = params.get(e.name)!;
      const G = grad.get(e.name)!;
      W.forEach((row, j) => row.forEach((w, k) => { G[j]![k]! += l2 * w; C += 0.5 * l2 * w * w; }));
    }
  }
  return { params, x, y, value, z, delta, grad, loss: C };
}

/**
 * Forward mode: the tangent of every node value and pre-activation when the
 * parameters move along `dParams` (missing names do not move). Keys: node names
 * and z_N; per step.
 */
export function graphTangent(net: GraphNetwork, p: GraphPoint, dParams: ReadonlyMap<string, Rows>): Map<string, Vec[]> {
  const T = stepsOf(net);
  const tan = new Map<string, Vec[]>(net.nodes.map((n) => [n.name, []]));
  const dP = (name: string, rows: number, cols: number): Rows => dParams.get(name) ?? Array.from({ length: rows }, () => zeros(cols));
  const readValue = (s: SourceRef, t: number): Vec => {
    if (s.node === 'x') return p.x[t - 1]!;
    const at = s.prev ? t - 1 : t;
    return at >= 1 ? p.value.get(s.node)![at - 1]! : zeros(sourceSize(net, s));
  };
  const readTan = (s: SourceRef, t: number): Vec => {
    const n = sourceSize(net, s);
    if (s.node === 'x') return zeros(n);
    const at = s.prev ? t - 1 : t;
    return at >= 1 ? tan.get(s.node)![at - 1]! : zeros(n);
  };
  for (let t = 1; t <= T; t++) {
    for (const node of net.nodes) {
      const ins = node.inputs.map((s) => readValue(s, t));
      const dins = node.inputs.map((s) => readTan(s, t));
      let out: Vec;
      switch (node.kind) {
        case 'dense': {
          const dz = node.bias ? dP(`b_${node.name}`, node.size, 1).map((r) => r[0]!) : zeros(node.size);
          if (node.tied !== undefined) {
            const name = `W_${node.tied}`;
            const W = p.params.get(name)!;
            addTo(dz, matTVec(W, dins[0]!));
            addTo(dz, matTVec(dP(name, W.length, W[0]!.length), ins[0]!));
          } else {
            node.inputs.forEach((s, k) => {
              const name = weightOf(node, s);
              const W = p.params.get(name)!;
              addTo(dz, matVec(W, dins[k]!));
              addTo(dz, matVec(dP(name, W.length, W[0]!.length), ins[k]!));
            });
          }
          if (!tan.has(`z_${node.name}`)) tan.set(`z_${node.name}`, []);
          tan.get(`z_${node.name}`)!.push(dz);
          out = activationJvp(node.activation, p.z.get(node.name)![t - 1]!, p.value.get(node.name)![t - 1]!, dz);
          break;
        }
        case 'add': out = dins.reduce((acc, v) => acc.map((a, i) => a + v[i]!), zeros(node.size)); break;
        case 'multiply': out = ins[0]!.map((a, i) => a * dins[1]![i]! + dins[0]![i]! * ins[1]![i]!); break;
        case 'concat': out = dins.flat(); break;
        case 'of': out = activationJvp(node.activation, ins[0]!, p.value.get(node.name)![t - 1]!, dins[0]!); break;
      }
      tan.get(node.name)!.push(out);
    }
  }
  return tan;
}

/** Seeded random points: parameters in [−1.5, 1.5], x in [−2, 2], y fitting the loss. */
export function randomGraphPoints(net: GraphNetwork, count: number, seed: number): GraphPoint[] {
  const rand = seededRandom(seed);
  const layout = graphLayout(net);
  const T = stepsOf(net);
  const outSize = net.nodes.find((n) => n.name === net.output)!.size;
  const targetOf = (): Vec => {
    if (net.loss === 'softmax-cross-entropy') {
      const w = Array.from({ length: outSize }, () => uniform(rand, 0.05, 1));
      const s = w.reduce((p, q) => p + q, 0);
      return w.map((v) => v / s);
    }
    if (net.loss === 'cross-entropy') return Array.from({ length: outSize }, () => uniform(rand, 0.05, 0.95));
    return Array.from({ length: outSize }, () => uniform(rand, -1, 1));
  };
  const out: GraphPoint[] = [];
  for (let k = 0; k < count; k++) {
    const params = randomParams(layout, () => uniform(rand, -1.5, 1.5));
    const x = Array.from({ length: T }, () => Array.from({ length: net.input }, () => uniform(rand, -2, 2)));
    const y = Array.from({ length: net.target === 'last-step' ? 1 : T }, targetOf);
    out.push(graphPointAt(net, params, x, y));
  }
  return out;
}

function randomParams(layout: GraphLayout, draw: () => number): Map<string, Rows> {
  return new Map(layout.entries.map((e) => [e.name, Array.from({ length: e.rows }, () => Array.from({ length: e.cols }, draw))]));
}

/** The same point with every number rounded to `digits` significant digits (a counterexample that reads easily). */
export function roundedPoint(net: GraphNetwork, p: GraphPoint, digits: number): GraphPoint {
  const r = (v: number): number => Number(v.toPrecision(digits));
  const params = new Map([...p.params].map(([k, m]) => [k, m.map((row) => row.map(r))]));
  return graphPointAt(net, params, p.x.map((v) => v.map(r)), p.y.map((v) => v.map(r)));
}
