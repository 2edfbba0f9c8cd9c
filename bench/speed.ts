// The speed table: time per SGD step of the generated module against the
// generic loops, the mathjs reference, synaptic, brain.js, TensorFlow.js (cpu)
// and gcc -O3 of the same code, measured in rounds that alternate between them.
import { loadTrainer } from '../src/compile/compile.ts';
import { chooseMode } from '../src/render/typescript.ts';
import { compileNetwork, renderTypeScript } from '../src/pipeline.ts';
import { buildC, hasGcc, runC } from './c.ts';
import { GenericTrainer } from './generic.ts';
import { NETWORKS, dataFor, type BenchNet } from './networks.ts';
import { brainPeer, mathjsPeer, synapticPeer, tfPeer, type Peer, type Step } from './peers.ts';

export const IMPLS = ['generated', 'generic', 'mathjs', 'synaptic', 'brain.js', 'tfjs-cpu', 'gcc -O3'] as const;
export type Impl = (typeof IMPLS)[number];

export interface SpeedRow {
  readonly net: string;
  readonly mode: string;
  /** Median nanoseconds per step, or a reason it was not measured. */
  readonly ns: Partial<Record<Impl, number>>;
  readonly notes: Partial<Record<Impl, string>>;
  /** Largest |difference| of the parameters after 100 steps, generated vs generic and vs C. */
  readonly agreement: { readonly generic: number; readonly c?: number };
}

/**
 * A timing loop of its own for each implementation (new Function gives each
 * its own feedback, so no call site is shared and made polymorphic).
 */
export function runner(step: Step, params: Float64Array, xs: Float64Array[], ys: Float64Array[], rate: number): (steps: number) => number {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('step', 'params', 'xs', 'ys', 'rate', `return function run(steps) {
    let c = 0, i = 0;
    const n = xs.length;
    for (let s = 0; s < steps; s++) { c += step(params, xs[i], ys[i], rate); i = i + 1 === n ? 0 : i + 1; }
    return c;
  }`)(step, params, xs, ys, rate);
}

/** Steps that take about `ms` milliseconds (at least one). */
export function calibrate(run: (n: number) => number, ms: number): number {
  for (let n = 1; ; n *= 2) {
    const t = performance.now();
    run(n);
    const dt = performance.now() - t;
    if (dt >= ms / 4 || n >= 1 << 24) return Math.max(1, Math.round((n * ms) / Math.max(dt, 1e-3)));
  }
}

export const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]!; };
export const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };

export async function speedRow(b: BenchNet, rounds: number, sampleMs: number, log: (s: string) => void): Promise<SpeedRow> {
  const compiled = compileNetwork(b.network);
  const ts = renderTypeScript(compiled);
  const mod = await loadTrainer(ts);
  const generic = new GenericTrainer(b.network);
  const d = dataFor(b.network, mod.paramCount);
  const notes: Partial<Record<Impl, string>> = {};
  const steps: Partial<Record<Impl, Step>> = {
    generated: mod.sgdStep,
    generic: (p, x, y, r) => generic.sgdStep(p, x, y, r),
  };
  const peers: [Impl, Peer][] = [['mathjs', mathjsPeer(b.network)], ['synaptic', synapticPeer(b.network)], ['brain.js', brainPeer(b.network)], ['tfjs-cpu', await tfPeer(b.network, d)]];
  for (const [name, peer] of peers) {
    if (peer.step) steps[name] = peer.step;
    notes[name] = peer.blocked ? `blocked: ${peer.blocked}` : peer.note;
  }
  // Same start, 100 steps: the generated module must agree with the generic loops (and C with both).
  const after = (step: Step): Float64Array => { const p = d.params.slice(); for (let s = 0; s < 100; s++) step(p, d.xs[s % 16]!, d.ys[s % 16]!, d.rate); return p; };
  const ref = after(steps.generic!);
  const agreement: { generic: number; c?: number } = { generic: maxDiff(after(steps.generated!), ref) };
  let cBinary: string | undefined;
  if (!hasGcc()) notes['gcc -O3'] = 'blocked: no gcc';
  else {
    const built = buildC(ts, d, b.network.name);
    if (built.binary) { cBinary = built.binary; agreement.c = maxDiff(runC(cBinary, ['check']), ref); }
    else notes['gcc -O3'] = `blocked: ${built.error}`;
  }
  const runners = new Map<Impl, { run: (n: number) => number; n: number }>();
  for (const [name, step] of Object.entries(steps) as [Impl, Step][]) {
    const run = runner(step, d.params.slice(), d.xs, d.ys, d.rate);
    run(1); // warm up, then size a sample
    runners.set(name, { run, n: calibrate(run, sampleMs) });
  }
  const cSteps = cBinary ? Math.max(1, Math.round((sampleMs * 1e6) / Math.max(1, median(runC(cBinary, ['time', '100', '3']))))) : 0;
  const samples = new Map<Impl, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, { run, n }] of runners) {
      const t = performance.now();
      run(n);
      samples.set(name, [...(samples.get(name) ?? []), ((performance.now() - t) * 1e6) / n]);
    }
    if (cBinary) samples.set('gcc -O3', [...(samples.get('gcc -O3') ?? []), ...runC(cBinary, ['time', String(cSteps), '1'])]);
  }
  const ns: Partial<Record<Impl, number>> = {};
  for (const [name, s] of samples) ns[name] = median(s);
  log(`  ${b.label}: ${IMPLS.map((i) => `${i} ${ns[i] === undefined ? '-' : formatNs(ns[i]!)}`).join(', ')}`);
  return { net: b.label, mode: chooseMode(compiled, 'auto'), ns, notes, agreement };
}

export interface AdamRow {
  readonly net: string;
  /** Median nanoseconds per step on one example: the fused sgdStep, and an Adam optimizer's step. */
  readonly sgd: number;
  readonly adam: number;
  /** Median nanoseconds per step on a batch of ADAM_BATCH examples: an SGD optimizer's batchStep and an Adam optimizer's. */
  readonly sgdBatch: number;
  readonly adamBatch: number;
  /** Median nanoseconds of Adam's update pass alone (moments, square root, division; no gradient). */
  readonly adamUpdate: number;
}

/** The networks the Adam step is timed on, beside the SGD step. */
export const ADAM_NETS = ['4-16-3', '784-30-10'] as const;
/** The mini-batch of the batch rows: Keras's default batch size. */
export const ADAM_BATCH = 32;

/**
 * Adam against SGD in the same generated module, in alternating rounds on the same data:
 * one example a step (Adam's step is lossAndGradient, then its fused pass over the
 * parameters; SGD's is the fused sgdStep), a batch of ADAM_BATCH examples a step (both
 * optimizers' batchStep), and Adam's update pass alone, which bounds how close to the SGD
 * step an Adam step on one example can come. Rates are tiny so the parameters stay put.
 */
export async function adamRow(b: BenchNet, rounds: number, sampleMs: number, log: (s: string) => void): Promise<AdamRow> {
  const mod = await loadTrainer(renderTypeScript(compileNetwork(b.network)));
  const d = dataFor(b.network, mod.paramCount);
  const rate = 1e-12;
  const adam = mod.createOptimizer({ kind: 'adam', rate });
  const adamForBatches = mod.createOptimizer({ kind: 'adam', rate });
  const sgdForBatches = mod.createOptimizer({ kind: 'sgd', rate });
  const adamAlone = mod.createOptimizer({ kind: 'adam', rate });
  const xs = Array.from({ length: ADAM_BATCH }, (_, i) => d.xs[i % d.xs.length]!);
  const ys = Array.from({ length: ADAM_BATCH }, (_, i) => d.ys[i % d.ys.length]!);
  const grad = new Float64Array(mod.paramCount);
  mod.lossAndGradient(d.params, d.xs[0]!, d.ys[0]!, grad);
  const steps: [keyof Omit<AdamRow, 'net'>, Step][] = [
    ['sgd', mod.sgdStep],
    ['adam', (p, x, y) => adam.step(p, x, y)],
    ['sgdBatch', (p) => sgdForBatches.batchStep(p, xs, ys)],
    ['adamBatch', (p) => adamForBatches.batchStep(p, xs, ys)],
    ['adamUpdate', (p) => { adamAlone.update(p, grad); return 0; }],
  ];
  const runs = steps.map(([name, step]) => {
    const run = runner(step, d.params.slice(), d.xs, d.ys, rate);
    run(1);
    return { name, run, n: calibrate(run, sampleMs), samples: [] as number[] };
  });
  for (let r = 0; r < rounds; r++) {
    for (const x of runs) {
      const t = performance.now();
      x.run(x.n);
      x.samples.push(((performance.now() - t) * 1e6) / x.n);
    }
  }
  const ns = Object.fromEntries(runs.map((x) => [x.name, median(x.samples)])) as Omit<AdamRow, 'net'>;
  log(`  ${b.label}: one example a step: SGD ${formatNs(ns.sgd)}, Adam ${formatNs(ns.adam)} (${(ns.adam / ns.sgd).toFixed(2)}×); `
    + `batch of ${ADAM_BATCH}: SGD ${formatNs(ns.sgdBatch)}, Adam ${formatNs(ns.adamBatch)} (${(ns.adamBatch / ns.sgdBatch).toFixed(2)}×); `
    + `Adam's update pass alone ${formatNs(ns.adamUpdate)} (${(ns.adamUpdate / ns.sgd).toFixed(2)}× the SGD step on one example)`);
  return { net: b.label, ...ns };
}

export function formatNs(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(ns < 10 ? 2 : 1)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
}

export async function speedTable(rounds: number, sampleMs: number, log: (s: string) => void, onRow?: (done: number, total: number, net: string) => void): Promise<SpeedRow[]> {
  const rows: SpeedRow[] = [];
  for (const b of NETWORKS) {
    rows.push(await speedRow(b, rounds, sampleMs, log));
    onRow?.(rows.length, NETWORKS.length, rows[rows.length - 1]!.net);
  }
  return rows;
}
