// The generated graph trainer against the independent reference
// (src/reference/graph.ts, mathjs matrices) to 1e-9, and against central
// finite differences of the reference loss to 1e-6: one example and a batch,
// for every unroll mode, on the examples and on small graphs written to reach
// each node kind, loss, target and tie.
import { describe, expect, it } from 'vitest';
import { finiteDifference } from '../src/check/check.ts';
import { seededRandom } from '../src/check/random.ts';
import { loadModule, loadTrainer, type TrainerModule } from '../src/compile/compile.ts';
import { deriveGraph } from '../src/derive/graph.ts';
import { generateGraphJavaScript, generateGraphModule } from '../src/render/graph-code.ts';
import { graphReferenceGradient, graphReferenceLoss, graphPreActivations, randomGraphPoint, smoothGraphPoint, type GraphPoint } from '../src/reference/graph.ts';
import type { GraphNetwork } from '../src/spec/graph-types.ts';
import { isGraph } from '../src/spec/graph-types.ts';
import { loadNetworkFile, parseNetwork } from '../src/spec/load.ts';

const UNROLLS = ['auto', 'loops', 'full'] as const;
const REF = 1e-9;
const FD = 1e-6;

const scaled = (got: number, want: number): number => Math.abs(got - want) / Math.max(1, Math.abs(want));

function graphOf(text: string): GraphNetwork {
  const net = parseNetwork(text, 'test.yaml');
  if (!isGraph(net)) throw new Error('expected a graph network');
  return net;
}

async function trainers(net: GraphNetwork): Promise<Map<string, TrainerModule>> {
  const der = deriveGraph(net);
  const out = new Map<string, TrainerModule>();
  for (const unroll of UNROLLS) out.set(unroll, await loadModule(generateGraphJavaScript(der, { unroll })));
  return out;
}

/**
 * At `points` smooth random points: loss and lossAndGradient of every mode vs
 * the reference; the gradient vs finite differences of the reference loss; and
 * batchLossAndGradient over `batch` examples (shared parameters) vs the mean of
 * the reference, and vs finite differences of that mean.
 */
async function expectAgreement(net: GraphNetwork, options: { points?: number; batch?: number; seed?: number } = {}): Promise<void> {
  const mods = await trainers(net);
  const rand = seededRandom(options.seed ?? 7);
  const points = options.points ?? 2;
  const batch = options.batch ?? 3;
  for (let k = 0; k < points; k++) {
    const first = smoothGraphPoint(net, rand);
    const examples: GraphPoint[] = [first];
    // More examples at the same parameters, their x chosen to keep clear of kinks.
    while (examples.length < batch) {
      let p = randomGraphPoint(net, rand);
      for (let tries = 0; tries < 200 && graphPreActivations(net, first.params, p.x).some((z) => Math.abs(z) < 1e-2); tries++) p = randomGraphPoint(net, rand);
      examples.push({ params: first.params, x: p.x, y: p.y });
    }
    const { params, x, y } = first;
    const n = params.length;
    const ref = graphReferenceGradient(net, params, x, y);
    expect(scaled(ref.loss, graphReferenceLoss(net, params, x, y)), 'reference gradient pass and loss agree').toBeLessThanOrEqual(1e-12);
    const fd = Array.from({ length: n }, (_, i) => finiteDifference((q) => graphReferenceLoss(net, q, x, y), params, i));
    const refs = examples.map((e) => graphReferenceGradient(net, params, e.x, e.y));
    const meanLoss = refs.reduce((s, r) => s + r.loss, 0) / batch;
    const meanGrad = Array.from({ length: n }, (_, i) => refs.reduce((s, r) => s + r.grad[i]!, 0) / batch);
    const meanC = (q: Float64Array): number => examples.reduce((s, e) => s + graphReferenceLoss(net, q, e.x, e.y), 0) / batch;
    const batchFd = Array.from({ length: n }, (_, i) => finiteDifference(meanC, params, i));
    for (const [unroll, m] of mods) {
      const at = `${net.name} (${unroll}, point ${k})`;
      expect(m.paramCount, `${at}: parameter count`).toBe(n);
      const grad = new Float64Array(n).fill(Number.NaN);
      const C = m.lossAndGradient(params, x, y, grad);
      expect(scaled(C, ref.loss), `${at}: lossAndGradient's loss ${C} vs reference ${ref.loss}`).toBeLessThanOrEqual(REF);
      expect(scaled(m.loss(params, x, y), ref.loss), `${at}: loss`).toBeLessThanOrEqual(REF);
      for (let i = 0; i < n; i++) {
        expect(scaled(grad[i]!, ref.grad[i]!), `${at}: ∂C/∂θ${i} = ${grad[i]} vs reference ${ref.grad[i]}`).toBeLessThanOrEqual(REF);
        expect(scaled(grad[i]!, fd[i]!), `${at}: ∂C/∂θ${i} = ${grad[i]} vs finite difference ${fd[i]}`).toBeLessThanOrEqual(FD);
      }
      const bgrad = new Float64Array(n).fill(Number.NaN);
      const bC = m.batchLossAndGradient(params, examples.map((e) => e.x), examples.map((e) => e.y), bgrad);
      expect(scaled(bC, meanLoss), `${at}: batch loss ${bC} vs mean reference ${meanLoss}`).toBeLessThanOrEqual(REF);
      for (let i = 0; i < n; i++) {
        expect(scaled(bgrad[i]!, meanGrad[i]!), `${at}: batch ∂C/∂θ${i} = ${bgrad[i]} vs mean reference ${meanGrad[i]}`).toBeLessThanOrEqual(REF);
        expect(scaled(bgrad[i]!, batchFd[i]!), `${at}: batch ∂C/∂θ${i} = ${bgrad[i]} vs finite difference ${batchFd[i]}`).toBeLessThanOrEqual(FD);
      }
    }
  }
}

describe('graph trainer vs reference: the examples', () => {
  for (const file of ['lstm', 'rnn', 'residual', 'autoencoder']) {
    it(file, async () => {
      const net = loadNetworkFile(`examples/${file}.yaml`);
      if (!isGraph(net)) throw new Error('expected a graph network');
      await expectAgreement(net);
    });
  }
});

/** Small graphs, each reaching something the examples do not. */
const CASES: Record<string, string> = {
  concat: `
name: concat
input: 3
nodes:
  p:   { dense: x, units: 2, activation: tanh }
  q:   { dense: x, units: 3, activation: sigmoid }
  c:   { concat: [p, q, x] }
  out: { dense: c, units: 2 }
loss: squared`,
  'multiply of a node by itself': `
name: square
input: 2
nodes:
  u:   { dense: x, units: 3, activation: tanh }
  sq:  { multiply: [u, u] }
  out: { dense: sq, units: 1 }
loss: half-squared`,
  'a node read by many': `
name: many
input: 2
nodes:
  h:   { dense: x, units: 3, activation: tanh }
  p:   { dense: h, units: 3, activation: sigmoid }
  q:   { of: h, activation: softplus }
  r:   { add: [h, p, q] }
  m:   { multiply: [h, r] }
  out: { dense: [h, m, r], units: 2 }
loss: mse`,
  'of with a formula activation (abs)': `
name: softsign
input: 3
nodes:
  h:   { dense: x, units: 3 }
  f:   { of: h, activation: { formula: "x / (1 + abs(x))" } }
  out: { dense: f, units: 2 }
loss: squared`,
  'dense with a formula activation': `
name: formulas
input: 2
nodes:
  h:   { dense: x, units: 3, activation: { formula: "x * sigmoid(x)" } }
  g:   { dense: h, units: 2, activation: { formula: "log(1 + exp(x))" } }
  out: { dense: [g, h], units: 2 }
loss: half-squared`,
  'softmax output (dense) with softmax-cross-entropy': `
name: classify
input: 3
nodes:
  h:   { dense: x, units: 4, activation: relu }
  out: { dense: h, units: 3, activation: softmax }
loss: softmax-cross-entropy`,
  'softmax output (of) with softmax-cross-entropy': `
name: classifyof
input: 2
nodes:
  h:   { dense: x, units: 3, activation: leaky-relu }
  l:   { add: [h, h] }
  out: { of: l, activation: softmax }
loss: softmax-cross-entropy`,
  mse: `
name: msenet
input: 2
nodes:
  h:   { dense: x, units: 3, activation: { leaky-relu: 0.2 } }
  out: { dense: h, units: 3, activation: tanh }
loss: mse`,
  'cross-entropy with a sigmoid dense output': `
name: binary
input: 3
nodes:
  h:   { dense: x, units: 3, activation: tanh }
  out: { dense: h, units: 2, activation: sigmoid }
loss: cross-entropy`,
  'cross-entropy with a sigmoid of output': `
name: binaryof
input: 2
nodes:
  h:   { dense: x, units: 2, activation: tanh }
  s:   { multiply: [h, x] }
  out: { of: s, activation: sigmoid }
loss: cross-entropy`,
  'cross-entropy with a sigmoid written as a formula': `
name: halftanh
input: 2
nodes:
  h:   { dense: x, units: 2, activation: tanh }
  out: { dense: h, units: 2, activation: { formula: "0.5 + 0.5 * tanh(x)" } }
loss: cross-entropy`,
  'formula loss': `
name: quartic
input: 2
nodes:
  h:   { dense: x, units: 3, activation: tanh }
  out: { dense: h, units: 2 }
loss: { formula: "(a - y)^4" }`,
  'formula loss with functions': `
name: logcosh
input: 2
nodes:
  h:   { dense: x, units: 3, activation: sigmoid }
  out: { dense: h, units: 2 }
loss: { formula: "log(cosh(a - y)) + 0.1 * (a - y)^2" }`,
  'l2 regularization, several inputs and a tie': `
name: regular
input: 3
nodes:
  e:   { dense: x, units: 2, activation: tanh }
  h:   { dense: [x, e], units: 2, activation: sigmoid }
  d:   { dense: e, units: 3, tied: e, bias: false }
  out: { dense: [d, h], units: 2 }
loss: half-squared
regularization: { l2: 0.05 }`,
  '@prev of a later node (every step)': `
name: later
input: 2
sequence: 3
nodes:
  p:   { dense: [x, q@prev], units: 2, activation: tanh }
  q:   { dense: p, units: 2, activation: sigmoid }
  out: { dense: [p, q], units: 1 }
target: every-step
loss: half-squared`,
  '@prev into every node kind (last step)': `
name: prevkinds
input: 2
sequence: 4
nodes:
  h:   { dense: [x, m@prev], units: 2, activation: tanh }
  s:   { add: [h, s@prev] }
  m:   { multiply: [h, s@prev] }
  c:   { concat: [h, m@prev, x] }
  f:   { of: s@prev, activation: sigmoid }
  g:   { dense: c, units: 2, activation: tanh }
  out: { dense: [g, f], units: 2 }
target: last-step
loss: squared`,
  'relu through @prev (zeros at the first step)': `
name: relurnn
input: 2
sequence: 3
nodes:
  h:   { dense: [x, h@prev], units: 3, activation: relu }
  r:   { of: h@prev, activation: relu }
  q:   { dense: r, units: 2, bias: false, activation: relu }
  out: { dense: [h, q], units: 1 }
target: every-step
loss: mse`,
  'tied weights in a sequence model': `
name: tiedseq
input: 3
sequence: 2
nodes:
  e:   { dense: [x], units: 2, activation: tanh }
  s:   { add: [e, e@prev] }
  d:   { dense: s, units: 3, tied: e, activation: sigmoid }
output: d
target: every-step
loss: cross-entropy
regularization: { l2: 0.01 }`,
  'softmax output every step': `
name: tagger
input: 2
sequence: 3
nodes:
  h:   { dense: [x, h@prev], units: 3, activation: tanh }
  out: { dense: h, units: 3, activation: softmax }
target: every-step
loss: softmax-cross-entropy`,
  'softmax output at the last step': `
name: seqclass
input: 2
sequence: 3
nodes:
  h:   { dense: [x, h@prev], units: 2, activation: tanh }
  out: { dense: h, units: 3, activation: softmax }
target: last-step
loss: softmax-cross-entropy`,
  'sequence 1 with @prev': `
name: one
input: 2
sequence: 1
nodes:
  h:   { dense: [x, h@prev], units: 2, activation: tanh }
  m:   { multiply: [h, h@prev] }
  out: { dense: [h, m], units: 2 }
target: every-step
loss: squared`,
  'sequence 1, last-step': `
name: onelast
input: 3
sequence: 1
nodes:
  h:   { dense: [x, out@prev], units: 2, activation: sigmoid }
  out: { dense: h, units: 2, activation: sigmoid }
target: last-step
loss: cross-entropy`,
  'an output read by later nodes': `
name: readout
input: 2
sequence: 3
nodes:
  out: { dense: [x, z2@prev], units: 2, activation: tanh }
  z2:  { dense: out, units: 2, activation: sigmoid }
output: out
target: every-step
loss: { formula: "(a - y)^2 + 0.5 * a^4" }`,
  'a wide input (auto prints some sums as loops inside straight-line code)': `
name: wide
input: 18
nodes:
  h:   { dense: x, units: 2, activation: tanh }
  g:   { dense: x, units: 1, activation: sigmoid }
  k:   { dense: [x, h], units: 1, activation: softplus }
  c:   { concat: [h, g, x, k] }
  out: { dense: c, units: 2 }
loss: half-squared
regularization: { l2: 0.02 }`,
  'a longer sequence with a gate': `
name: longseq
input: 2
sequence: 7
nodes:
  h:   { dense: [x, h@prev, m@prev], units: 2, activation: tanh }
  g:   { dense: [x, h@prev], units: 2, activation: sigmoid }
  m:   { multiply: [g, h] }
  out: { dense: m, units: 1 }
target: last-step
loss: squared`,
  'no bias anywhere, wide concat': `
name: nobias
input: 1
nodes:
  p:   { dense: x, units: 4, bias: false, activation: tanh }
  q:   { of: p, activation: softplus }
  c:   { concat: [p, q, p, x] }
  out: { dense: c, units: 1, bias: false }
loss: squared`,
};

describe('graph trainer vs reference: small graphs', () => {
  for (const [title, text] of Object.entries(CASES)) {
    it(title, async () => {
      await expectAgreement(graphOf(text));
    });
  }
});

describe('the TypeScript rendering agrees too', () => {
  for (const file of ['lstm', 'autoencoder']) {
    it(file, async () => {
      const net = loadNetworkFile(`examples/${file}.yaml`);
      if (!isGraph(net)) throw new Error('expected a graph network');
      const der = deriveGraph(net);
      for (const unroll of UNROLLS) {
        const m = await loadTrainer(generateGraphModule(der, { unroll }));
        const p = smoothGraphPoint(net, seededRandom(5));
        const grad = new Float64Array(m.paramCount);
        const C = m.lossAndGradient(p.params, p.x, p.y, grad);
        const ref = graphReferenceGradient(net, p.params, p.x, p.y);
        expect(scaled(C, ref.loss)).toBeLessThanOrEqual(REF);
        grad.forEach((g, i) => expect(scaled(g, ref.grad[i]!), `${unroll}: θ${i}`).toBeLessThanOrEqual(REF));
      }
    });
  }
});

describe('the reference itself', () => {
  it('an RNN by hand: h_t = tanh(W_x x_t + W_h h_{t-1} + b), C = ½ Σ_t (W_o h_t + b_o − y_t)²', () => {
    const net = graphOf(`
name: hand
input: 1
sequence: 2
nodes:
  h:   { dense: [x, h@prev], units: 1, activation: tanh }
  out: { dense: h, units: 1 }
target: every-step
loss: half-squared`);
    // layout: W_h_x, W_h_h, b_h, W_out, b_out
    const [wx, wh, b, wo, bo] = [0.3, -0.7, 0.1, 1.2, -0.2];
    const x = [0.5, -1.5];
    const y = [0.25, 0.4];
    const h1 = Math.tanh(wx * x[0]! + b);
    const h2 = Math.tanh(wx * x[1]! + wh * h1 + b);
    const o1 = wo * h1 + bo;
    const o2 = wo * h2 + bo;
    const C = 0.5 * (o1 - y[0]!) ** 2 + 0.5 * (o2 - y[1]!) ** 2;
    const params = Float64Array.from([wx, wh, b, wo, bo]);
    const r = graphReferenceGradient(net, params, x, y);
    expect(r.loss).toBeCloseTo(C, 14);
    // by hand, backward through time
    const e1 = o1 - y[0]!;
    const e2 = o2 - y[1]!;
    const d2 = e2 * wo * (1 - h2 * h2);
    const d1 = (e1 * wo + d2 * wh) * (1 - h1 * h1);
    const want = [d1 * x[0]! + d2 * x[1]!, d2 * h1, d1 + d2, e1 * h1 + e2 * h2, e1 + e2];
    want.forEach((w, i) => expect(r.grad[i]).toBeCloseTo(w, 14));
  });

  it('the l2 term is (λ/2) Σ W² over the weights only', () => {
    const plain = graphOf('{ name: p, input: 2, nodes: { out: { dense: x, units: 1 } }, loss: squared }');
    const reg = graphOf('{ name: p, input: 2, nodes: { out: { dense: x, units: 1 } }, loss: squared, regularization: { l2: 0.5 } }');
    const params = Float64Array.from([1, 2, 3]);
    expect(graphReferenceLoss(reg, params, [1, 1], [0]) - graphReferenceLoss(plain, params, [1, 1], [0])).toBeCloseTo(0.25 * (1 + 4), 14);
  });

  it('stable forms stay finite far out', () => {
    const net = graphOf(CASES['softmax output (dense) with softmax-cross-entropy']!);
    const big = smoothGraphPoint(net, seededRandom(1));
    const params = big.params.map((v) => v * 400);
    expect(Number.isFinite(graphReferenceLoss(net, params, big.x, big.y))).toBe(true);
    const bin = graphOf(CASES['cross-entropy with a sigmoid dense output']!);
    const p = smoothGraphPoint(bin, seededRandom(2));
    const r = graphReferenceGradient(bin, p.params.map((v) => v * 400), p.x, p.y);
    expect(Number.isFinite(r.loss) && r.grad.every(Number.isFinite)).toBe(true);
  });

  it('a perturbed trainer gradient is caught', async () => {
    const net = graphOf(CASES['@prev of a later node (every step)']!);
    const m = (await trainers(net)).get('auto')!;
    const p = smoothGraphPoint(net, seededRandom(3));
    const g = new Float64Array(m.paramCount);
    m.lossAndGradient(p.params, p.x, p.y, g);
    const r = graphReferenceGradient(net, p.params, p.x, p.y);
    g[2] = g[2]! * (1 + 1e-7);
    expect(Math.max(...Array.from(g, (v, i) => scaled(v, r.grad[i]!)))).toBeGreaterThan(REF);
  });
});

describe('formula losses with |u|: finite where the loss is differentiable or at its kink', () => {
  // The CAS writes d|u|/du as |u|/u, 0/0 at u = 0; the trainer takes sign(u) (0 at 0, as relu′(0) = 0).
  const net = (formula: string): GraphNetwork => graphOf(`name: kink\ninput: 2\nnodes:\n  out: { dense: x, units: 1 }\nloss: { formula: "${formula}" }\n`);
  it('an L1 loss at a = y has gradient 0, and elsewhere ± the input', async () => {
    for (const mod of (await trainers(net('abs(a - y)'))).values()) {
      const g = new Float64Array(3);
      mod.lossAndGradient(new Float64Array([0, 0, 0]), [1, 2], [0], g);
      expect([...g]).toEqual([0, 0, 0]);
      mod.lossAndGradient(new Float64Array([1, 0, 0]), [1, 2], [0], g);
      expect([...g]).toEqual([1, 2, 1]);
    }
  });
  it('|u| beside other terms, which the simplifier would put over a − y, is finite at a = y', async () => {
    for (const mod of (await trainers(net('(a - y)^4 / 4 + abs(a - y)'))).values()) {
      const g = new Float64Array(3);
      mod.lossAndGradient(new Float64Array([0, 0, 0]), [1, 2], [0], g);
      expect([...g]).toEqual([0, 0, 0]);
      mod.lossAndGradient(new Float64Array([0, 0, 2]), [1, 2], [0], g);
      expect(g[2]).toBeCloseTo(8 + 1, 12);
    }
  });
  it('a Huber loss written with |u| is finite at a = y and at |a − y| = 1, where it is differentiable', async () => {
    const huber = net('0.5*(a - y)^2 - 0.5*((abs(a - y) - 1 + abs(abs(a - y) - 1))/2)^2');
    for (const mod of (await trainers(huber)).values()) {
      const g = new Float64Array(3);
      mod.lossAndGradient(new Float64Array([0, 0, 0]), [1, 2], [0], g);
      expect([...g]).toEqual([0, 0, 0]);
      // a − y = 1: the quadratic and linear pieces meet with slope 1.
      mod.lossAndGradient(new Float64Array([0, 0, 1]), [1, 2], [0], g);
      expect([...g]).toEqual([1, 2, 1]);
      for (const r of [0.5, 3]) {
        mod.lossAndGradient(new Float64Array([0, 0, r]), [1, 2], [0], g);
        expect(g[2]).toBeCloseTo(Math.min(r, 1), 12);
      }
    }
  });
});

describe('a sigmoid output with cross-entropy that is also fed back (a Jordan network)', () => {
  const jordan = graphOf('name: jordan\ninput: 2\nsequence: 5\nnodes:\n  h: { dense: [x, out@prev], units: 3, activation: sigmoid }\n  out: { dense: h, units: 2, activation: sigmoid }\ntarget: every-step\nloss: cross-entropy\n');
  it('agrees with the reference and finite differences', async () => {
    await expectAgreement(jordan, { points: 2 });
  });
  it('has finite gradients where the sigmoid saturates to exactly 1 (a − y, plus its readers through σ′)', async () => {
    // W_h_x, W_h_out, b_h, W_out, b_out; b_out = 40 makes σ(z_out) round to 1.
    const p = new Float64Array(6 + 6 + 3 + 6 + 2).fill(0.1);
    p[21] = 40; p[22] = 40;
    const x = Array.from({ length: 10 }, () => 0.5);
    const y = Array.from({ length: 10 }, () => 0.3);
    for (const mod of (await trainers(jordan)).values()) {
      const g = new Float64Array(p.length);
      expect(Number.isFinite(mod.lossAndGradient(p, x, y, g))).toBe(true);
      expect([...g].every(Number.isFinite)).toBe(true);
      const h = 1e-4;
      const q = Float64Array.from(p);
      q[21] = 40 + h; const up = mod.loss(q, x, y);
      q[21] = 40 - h; const down = mod.loss(q, x, y);
      expect(g[21]).toBeCloseTo((up - down) / (2 * h), 6);
    }
  });
});
