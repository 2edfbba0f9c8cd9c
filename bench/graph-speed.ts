// Sequence models in the speed bench: time per SGD step of one sequence of the
// generated graph module (sgdStep) against the project's generic graph loops
// (bench/graph-generic.ts) and TensorFlow.js on its cpu backend doing the same
// computation, in rounds that alternate between them (the method of speed.ts).
// Before timing: 20 steps of generated and generic from the same start must
// agree, and TF.js's loss at the start must match ours to float32 precision.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as TF from '@tensorflow/tfjs';
import { loadModule } from '../src/compile/compile.ts';
import { deriveGraph } from '../src/derive/graph.ts';
import { graphLayout } from '../src/graph/graph-layout.ts';
import { generateGraphJavaScript } from '../src/render/graph-code.ts';
import { isGraph, exampleSizes, type GraphNetwork } from '../src/spec/graph-types.ts';
import { loadNetworkFile, parseNetwork } from '../src/spec/load.ts';
import { GraphGenericTrainer } from './graph-generic.ts';
import { rng } from './networks.ts';
import type { Step } from './peers.ts';
import type { ActivationSpec } from '../src/spec/types.ts';
import { calibrate, formatNs, maxDiff, median, runner } from './speed.ts';

export const GRAPH_IMPLS = ['generated', 'generic', 'tfjs-cpu'] as const;
export type GraphImpl = (typeof GRAPH_IMPLS)[number];

export interface GraphSpeedRow {
  readonly net: string;
  readonly params: number;
  /** Median nanoseconds per SGD step of one sequence. */
  readonly ns: Partial<Record<GraphImpl, number>>;
  readonly notes: Partial<Record<GraphImpl, string>>;
  readonly agreement: {
    /** Largest |Δparam| after 20 steps, generated vs generic. */
    readonly generic: number;
    /** C of example 0 at the start: ours (float64) and TF.js's (float32), and their relative difference. */
    readonly loss?: { readonly ours: number; readonly tfjs: number; readonly relative: number };
    /** Largest |Δparam| after 20 steps, generated vs TF.js (float32). */
    readonly tfjs?: number;
  };
}

export interface GraphBenchNet { readonly label: string; readonly network: GraphNetwork }

const require = createRequire(import.meta.url);

/**
 * Runs an implementation until its time per step has settled: at least `minMs`
 * (a large generated function reaches its optimized code only after a few
 * hundred milliseconds on a busy machine, running at a steady slower speed
 * before), then until three 10 ms windows in a row agree within 10 %; at most 3 s.
 */
function warm(run: (n: number) => number, minMs: number): void {
  const start = performance.now(), last: number[] = [];
  let n = calibrate(run, 1);
  for (;;) {
    const t = performance.now();
    let steps = 0;
    while (performance.now() - t < 10) { run(n); steps += n; }
    const per = (performance.now() - t) / steps;
    n = Math.max(1, Math.round(1 / Math.max(per, 1e-6))); // about 1 ms per call of run
    last.push(per);
    if (last.length > 3) last.shift();
    const elapsed = performance.now() - start;
    if (elapsed > 3000 || (elapsed > minMs && last.length === 3 && Math.max(...last) <= 1.1 * Math.min(...last))) return;
  }
}

function asGraph(n: ReturnType<typeof parseNetwork>): GraphNetwork {
  if (!isGraph(n)) throw new Error(`${n.name}: not a graph network`);
  return n;
}

/** The Elman RNN (input 8, 32 units, 16 steps) and the LSTM of examples/lstm.yaml. */
export function graphNetworks(): GraphBenchNet[] {
  const elman = {
    name: 'elman', input: 8, sequence: 16,
    nodes: { h: { dense: ['x', 'h@prev'], units: 32, activation: 'tanh' }, out: { dense: 'h', units: 1 } },
    target: 'every-step', loss: 'half-squared',
  };
  return [
    { label: 'rnn 8-32-1 ×16', network: asGraph(parseNetwork(JSON.stringify(elman), 'bench:elman')) },
    { label: 'lstm 2-4-1 ×3', network: asGraph(loadNetworkFile(fileURLToPath(new URL('../examples/lstm.yaml', import.meta.url)))) },
  ];
}

interface GraphData { readonly xs: Float64Array[]; readonly ys: Float64Array[]; readonly params: Float64Array; readonly rate: number }

/** 16 sequences (x in (−1, 1), targets in (0.1, 0.9)); weights uniform in ±1/√cols, biases in ±0.1. */
export function graphDataFor(net: GraphNetwork): GraphData {
  const r = rng(42);
  const n = exampleSizes(net);
  const xs = Array.from({ length: 16 }, () => Float64Array.from({ length: n.x }, () => r() * 2 - 1));
  const ys = Array.from({ length: 16 }, () => Float64Array.from({ length: n.y }, () => 0.1 + 0.8 * r()));
  const layout = graphLayout(net);
  const params = new Float64Array(layout.paramCount);
  for (const e of layout.entries) {
    const scale = e.kind === 'W' ? 1 / Math.sqrt(e.cols) : 0.1;
    for (let i = 0; i < e.rows * e.cols; i++) params[e.offset + i] = (r() * 2 - 1) * scale;
  }
  return { xs, ys, params, rate: 0.01 };
}

interface TfGraph {
  readonly step: Step;
  /** C of one example with the current variables, without a step. */
  readonly loss: (x: Float64Array, y: Float64Array) => number;
  /** The variables in the generated module's layout. */
  readonly read: () => Float64Array;
  readonly tensors: () => number;
}

/**
 * The same graph in TensorFlow.js: tf.variable weights of the layout's shapes
 * (W_N units × input size, b_N units), values as row vectors [1, size], a loop
 * over the T steps (matMul with W transposed, add, mul, concat, the
 * activations), and tf.train.sgd(rate).minimize on the summed loss.
 */
async function tfGraph(net: GraphNetwork, d: GraphData): Promise<TfGraph> {
  // The CommonJS bundle of the pure-JS package (as peers.ts: tfjs-core's ES build alone registers no gradients).
  const tf = require('@tensorflow/tfjs') as typeof TF;
  await tf.setBackend('cpu');
  const layout = graphLayout(net);
  const vars = new Map<string, TF.Variable>();
  for (const e of layout.entries) {
    const v = Float32Array.from(d.params.subarray(e.offset, e.offset + e.rows * e.cols));
    vars.set(e.name, tf.variable(e.kind === 'W' ? tf.tensor2d(v, [e.rows, e.cols]) : tf.tensor1d(v), true, `${net.name}_${e.name}`));
  }
  const weightOf = (node: string, input: string): TF.Variable => vars.get(layout.entries.find((e) => e.kind === 'W' && e.node === node && e.source!.node === input)!.name)!;
  const T = net.sequence ?? 1;
  const sizes = new Map(net.nodes.map((n) => [n.name, n.size]));
  const nOut = sizes.get(net.output)!;
  const act = (a: ActivationSpec, z: TF.Tensor): TF.Tensor => {
    switch (a.kind) {
      case 'identity': return z;
      case 'sigmoid': return tf.sigmoid(z);
      case 'tanh': return tf.tanh(z);
      case 'relu': return tf.relu(z);
      case 'leaky-relu': return tf.leakyRelu(z, a.slope);
      default: throw new Error(`tfjs graph peer: activation ${a.kind} not supported`);
    }
  };
  const lossName = net.loss;
  if (lossName !== 'half-squared' && lossName !== 'squared' && lossName !== 'mse') throw new Error(`tfjs graph peer: loss ${JSON.stringify(lossName)} not supported`);
  const scale = lossName === 'half-squared' ? 0.5 : lossName === 'squared' ? 1 : 1 / nOut;
  const l2 = net.regularization?.l2 ?? 0;
  const f32 = new WeakMap<Float64Array, Float32Array>(); // converted once, outside the timing
  const as32 = (v: Float64Array): Float32Array => { let r = f32.get(v); if (!r) f32.set(v, (r = Float32Array.from(v))); return r; };
  const cost = (x: Float64Array, y: Float64Array) => (): TF.Scalar => {
    const x32 = as32(x);
    const values = new Map<string, TF.Tensor[]>(net.nodes.map((n) => [n.name, []]));
    const outs: TF.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const xt = tf.tensor2d(x32.subarray(t * net.input, (t + 1) * net.input), [1, net.input]);
      // The value a source names at step t, or undefined for @prev at t = 0 (zero).
      const at = (s: { node: string; prev: boolean }): TF.Tensor | undefined => {
        if (s.node === 'x') return xt;
        if (!s.prev) return values.get(s.node)![t]!;
        return t === 0 ? undefined : values.get(s.node)![t - 1]!;
      };
      const zeros = (s: { node: string }): TF.Tensor => tf.zeros([1, s.node === 'x' ? net.input : sizes.get(s.node)!]);
      for (const n of net.nodes) {
        let v: TF.Tensor;
        if (n.kind === 'dense') {
          const terms: TF.Tensor[] = [];
          for (const s of n.inputs) {
            const a = at(s);
            if (!a) continue; // W · 0
            // z = W a (column vectors) is a Wᵀ for a row; tied to M: z = W_Mᵀ a is a W_M.
            terms.push(n.tied !== undefined ? tf.matMul(a, weightOf(n.tied, net.nodes.find((m) => m.name === n.tied)!.inputs[0]!.node)) : tf.matMul(a, weightOf(n.name, s.node), false, true));
          }
          let z = terms.length === 0 ? tf.zeros([1, n.size]) : terms.length === 1 ? terms[0]! : tf.addN(terms);
          if (n.bias) z = tf.add(z, vars.get(`b_${n.name}`)!);
          v = act(n.activation, z);
        } else if (n.kind === 'add') {
          const terms = n.inputs.map(at).filter((a): a is TF.Tensor => a !== undefined);
          v = terms.length === 0 ? tf.zeros([1, n.size]) : terms.length === 1 ? terms[0]! : tf.addN(terms);
        } else if (n.kind === 'multiply') {
          const a = at(n.inputs[0]!), b = at(n.inputs[1]!);
          v = a && b ? tf.mul(a, b) : tf.zeros([1, n.size]);
        } else if (n.kind === 'concat') {
          v = tf.concat(n.inputs.map((s) => at(s) ?? zeros(s)), 1);
        } else if (n.kind === 'of') {
          v = act(n.activation, at(n.inputs[0]!) ?? zeros(n.inputs[0]!));
        } else throw new Error(`tfjs graph peer: node kind ${n.kind}`);
        values.get(n.name)!.push(v);
        if (n.name === net.output) outs.push(v);
      }
    }
    const y32 = as32(y);
    const a = net.target === 'last-step' ? outs[T - 1]! : tf.concat(outs, 0);
    const target = tf.tensor2d(y32, [net.target === 'last-step' ? 1 : T, nOut]);
    let C: TF.Tensor = tf.mul(tf.sum(tf.square(tf.sub(a, target))), scale);
    if (l2 > 0) for (const e of layout.entries) if (e.kind === 'W') C = tf.add(C, tf.mul(tf.sum(tf.square(vars.get(e.name)!)), l2 / 2));
    return C as TF.Scalar;
  };
  const opt = tf.train.sgd(d.rate);
  return {
    step: (_p, x, y) => { const c = opt.minimize(cost(x, y), true)!; const v = c.dataSync()[0]!; c.dispose(); return v; },
    loss: (x, y) => { const c = tf.tidy(cost(x, y)); const v = c.dataSync()[0]!; c.dispose(); return v; },
    read: () => {
      const p = new Float64Array(layout.paramCount);
      for (const e of layout.entries) p.set(vars.get(e.name)!.dataSync(), e.offset);
      return p;
    },
    tensors: () => tf.memory().numTensors,
  };
}

/**
 * Agreement, then the timing of the three in alternating rounds: `rounds`
 * samples of about `sampleMs` each, after at least `warmMs` of warm-up each.
 */
export async function graphSpeedRow(b: GraphBenchNet, rounds: number, sampleMs: number, warmMs: number, log: (s: string) => void): Promise<GraphSpeedRow> {
  const net = b.network;
  const mod = await loadModule(generateGraphJavaScript(deriveGraph(net), { unroll: 'auto' })) as {
    paramCount: number; sgdStep: Step; loss: (p: Float64Array, x: Float64Array, y: Float64Array) => number;
  };
  const generic = new GraphGenericTrainer(net);
  if (generic.paramCount !== mod.paramCount) throw new Error(`${b.label}: generic has ${generic.paramCount} parameters, generated ${mod.paramCount}`);
  const d = graphDataFor(net);
  const notes: Partial<Record<GraphImpl, string>> = {};
  const steps: Partial<Record<GraphImpl, Step>> = {
    generated: mod.sgdStep,
    generic: (p, x, y, r) => generic.sgdStep(p, x, y, r),
  };
  // Same start, 20 steps over the 16 sequences.
  const after = (step: Step): Float64Array => { const p = d.params.slice(); for (let s = 0; s < 20; s++) step(p, d.xs[s % 16]!, d.ys[s % 16]!, d.rate); return p; };
  const ours = after(steps.generated!);
  const agreement: { generic: number; loss?: { ours: number; tfjs: number; relative: number }; tfjs?: number } = { generic: maxDiff(ours, after(steps.generic!)) };
  if (!(agreement.generic <= 1e-10)) notes.generic = `DISAGREES with generated: max |Δparam| ${agreement.generic.toExponential(1)} after 20 steps`;
  try {
    const tf = await tfGraph(net, d);
    const c0 = mod.loss(d.params, d.xs[0]!, d.ys[0]!), t0 = tf.loss(d.xs[0]!, d.ys[0]!);
    agreement.loss = { ours: c0, tfjs: t0, relative: Math.abs(t0 - c0) / Math.abs(c0) };
    if (!(agreement.loss.relative <= 1e-5)) throw new Error(`its loss ${t0} is not ours ${c0} to float32 precision`);
    const before = tf.tensors();
    after(tf.step); // the variables are TF's own; its parameters are read back
    agreement.tfjs = maxDiff(ours, tf.read());
    const leaked = tf.tensors() - before;
    notes['tfjs-cpu'] = leaked === 0 ? 'float32' : `float32; ${leaked} tensors left after 20 steps`;
    steps['tfjs-cpu'] = tf.step;
  } catch (e) { notes['tfjs-cpu'] = `blocked: TensorFlow.js: ${(e as Error).message}`; }
  const runs = (Object.entries(steps) as [GraphImpl, Step][]).map(([name, step]) => {
    const run = runner(step, d.params.slice(), d.xs, d.ys, d.rate);
    warm(run, warmMs);
    return { name, run, n: calibrate(run, sampleMs), samples: [] as number[] };
  });
  for (let r = 0; r < rounds; r++) {
    for (const x of runs) {
      const t = performance.now();
      x.run(x.n);
      x.samples.push(((performance.now() - t) * 1e6) / x.n);
    }
  }
  const ns: Partial<Record<GraphImpl, number>> = {};
  for (const x of runs) ns[x.name] = median(x.samples);
  const l = agreement.loss;
  log(`  ${b.label}: ${GRAPH_IMPLS.map((i) => `${i} ${ns[i] === undefined ? '-' : formatNs(ns[i]!)}`).join(', ')}; after 20 steps max |Δparam| generic ${agreement.generic.toExponential(1)}${agreement.tfjs === undefined ? '' : `, tfjs ${agreement.tfjs.toExponential(1)}`}${l ? `; C at start ours ${l.ours.toPrecision(10)}, tfjs ${l.tfjs.toPrecision(8)} (rel. diff ${l.relative.toExponential(1)})` : ''}`);
  return { net: b.label, params: mod.paramCount, ns, notes, agreement };
}

export async function graphSpeedTable(rounds: number, sampleMs: number, warmMs: number, log: (s: string) => void): Promise<GraphSpeedRow[]> {
  const rows: GraphSpeedRow[] = [];
  for (const b of graphNetworks()) rows.push(await graphSpeedRow(b, rounds, sampleMs, warmMs, log));
  return rows;
}

/** The section's table: times, then ratios peer / generated (higher: generated faster). */
export function printGraphSpeed(rows: readonly GraphSpeedRow[], log: (s: string) => void): void {
  const w = 12;
  log('\nTime per SGD step of one sequence (median of alternating rounds); ratio = peer / generated (higher: generated faster)');
  log(`${'network'.padEnd(16)} ${'params'.padStart(6)} ${GRAPH_IMPLS.map((i) => i.padStart(w)).join(' ')} ${'generic/gen'.padStart(w)} ${'tfjs/gen'.padStart(w)}`);
  const ratio = (r: GraphSpeedRow, i: GraphImpl): string => (r.ns[i] === undefined || !r.ns.generated ? 'n/a' : `${(r.ns[i]! / r.ns.generated).toPrecision(3)}×`);
  for (const r of rows) {
    log(`${r.net.padEnd(16)} ${String(r.params).padStart(6)} ${GRAPH_IMPLS.map((i) => (r.ns[i] === undefined ? 'n/a' : formatNs(r.ns[i]!)).padStart(w)).join(' ')} ${ratio(r, 'generic').padStart(w)} ${ratio(r, 'tfjs-cpu').padStart(w)}`);
  }
  const notes = rows.flatMap((r) => Object.entries(r.notes).filter(([, n]) => n).map(([i, n]) => `${r.net} ${i}: ${n}`));
  if (notes.length) log(`notes: ${notes.join('; ')}`);
  log(`agreement after 20 steps (max |Δparam|): ${rows.map((r) => `${r.net} generic ${r.agreement.generic.toExponential(1)}${r.agreement.tfjs === undefined ? '' : `, tfjs ${r.agreement.tfjs.toExponential(1)} (float32)`}`).join('; ')}`);
  log(`loss at the start, ours vs tfjs: ${rows.map((r) => (r.agreement.loss ? `${r.net} ${r.agreement.loss.ours.toPrecision(10)} vs ${r.agreement.loss.tfjs.toPrecision(8)} (rel. ${r.agreement.loss.relative.toExponential(1)})` : `${r.net} n/a`)).join('; ')}`);
}
