// The MATLAB/Octave and NumPy trainers of graph networks (src/render/graph-array.ts)
// run in GNU Octave and in Python: for the graph examples, a chain with a
// formula loss and l2, and a few small graphs reaching what the examples do not
// (concat, of, @prev into every node kind, softmax outputs, the stable
// cross-entropy, a tie in a sequence), loss and gradient equal the TypeScript
// trainer's; a batch (several columns or rows) trains as the TypeScript
// trainer's gradients do by hand; and deltagen check --target runs them.
import { describe, expect, it } from 'vitest';
import { evaluateInInterpreter, OCTAVE_PRELUDE, PYTHON_PRELUDE, runInInterpreter, trainerFile, type ArrayTarget } from '../src/check/interpreters.ts';
import { seededRandom } from '../src/check/random.ts';
import { loadTrainer } from '../src/compile/compile.ts';
import { compileNetwork, renderNumPy, renderOctave, renderTypeScript } from '../src/pipeline.ts';
import { randomGraphPoint, smoothGraphPoint, type GraphPoint } from '../src/reference/graph.ts';
import { isGraph, type GraphNetwork } from '../src/spec/graph-types.ts';
import { parseNetwork } from '../src/spec/load.ts';
import { graphCorpus } from './corpus.ts';
import { deltagen } from './helpers.ts';
import { expectClose, numbersOf, runs, scaledError } from './targets-common.ts';

const hasOctave = runs('octave-cli', ['--version']);
const hasNumPy = runs('python3', ['-c', 'import numpy']) || runs('/usr/bin/python3', ['-c', 'import numpy']);
const available: Record<ArrayTarget, boolean> = { octave: hasOctave || !!process.env.CI, numpy: hasNumPy || !!process.env.CI };

function graphOf(text: string, file: string): GraphNetwork {
  const net = parseNetwork(text, file);
  if (!isGraph(net)) throw new Error(`${file}: expected a network taken through the graph pipeline`);
  return net;
}

/** A chain of layers with a formula loss and l2: the graph pipeline, with the names W1, b1, … */
const QUARTIC = graphOf('name: quartic\ninput: 2\nlayers:\n  - { units: 3, activation: tanh }\n  - { units: 1 }\nloss: { formula: "(a - y)^4 / 4" }\nregularization: { l2: 0.01 }\n', 'quartic.yaml');

const SMALL: Record<string, string> = {
  // @prev into every node kind, the loss at the last step
  prevkinds: `name: prevkinds
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
loss: squared
`,
  // a softmax output at every step (d = a - y, the loss from the maximum and the sum)
  tagger: `name: tagger
input: 2
sequence: 3
nodes:
  h:   { dense: [x, h@prev], units: 3, activation: tanh }
  out: { dense: h, units: 3, activation: softmax }
target: every-step
loss: softmax-cross-entropy
`,
  // a softmax of node over a sum, with a leaky relu
  classifyof: `name: classifyof
input: 2
nodes:
  h:   { dense: x, units: 3, activation: leaky-relu }
  l:   { add: [h, h] }
  out: { of: l, activation: softmax }
loss: softmax-cross-entropy
`,
  // cross-entropy from the logit of a sigmoid written as a formula; a concat and a softplus of node
  halftanh: `name: halftanh
input: 3
nodes:
  h:   { dense: x, units: 2, activation: tanh }
  q:   { of: h, activation: softplus }
  c:   { concat: [q, x] }
  out: { dense: c, units: 2, activation: { formula: "0.5 + 0.5 * tanh(x)" } }
loss: cross-entropy
`,
  // a tie in a sequence model, cross-entropy at every step, l2
  tiedseq: `name: tiedseq
input: 3
sequence: 2
nodes:
  e:   { dense: [x], units: 2, activation: tanh }
  s:   { add: [e, e@prev] }
  d:   { dense: s, units: 3, tied: e, activation: sigmoid }
output: d
target: every-step
loss: cross-entropy
regularization: { l2: 0.01 }
`,
};

const NETWORKS: { file: string; network: GraphNetwork }[] = [
  ...graphCorpus,
  { file: '(inline) quartic: a chain with a formula loss and l2', network: QUARTIC },
  ...Object.entries(SMALL).map(([name, text]) => ({ file: `(inline) ${name}`, network: graphOf(text, `${name}.yaml`) })),
];

/** Five seeded points away from the kinks, and one with parameters 300 times larger (saturated gates, logits far apart). */
function points(net: GraphNetwork): GraphPoint[] {
  const rand = seededRandom(5);
  const ordinary = Array.from({ length: 5 }, () => smoothGraphPoint(net, rand));
  const p = smoothGraphPoint(net, rand);
  return [...ordinary, { ...p, params: p.params.map((v) => 300 * v) }];
}

/** The target's loss and gradient at every point (one interpreter process) against the TypeScript trainer's; the largest scaled error. */
async function largestError(target: ArrayTarget, network: GraphNetwork): Promise<number> {
  const c = compileNetwork(network);
  const ts = await loadTrainer(renderTypeScript(c));
  const pts = points(network);
  const { evaluations } = evaluateInInterpreter(target, c, pts);
  const grad = new Float64Array(ts.paramCount);
  let worst = 0;
  pts.forEach((p, i) => {
    const got = evaluations[i]!;
    const loss = ts.lossAndGradient(p.params, p.x, p.y, grad);
    const at = `${network.name}, point ${i}`;
    expect(scaledError(got.loss, loss), `${at}: loss ${got.loss} vs ${loss}`).toBeLessThanOrEqual(1e-12);
    worst = Math.max(worst, scaledError(got.loss, loss));
    grad.forEach((g, k) => {
      const e = scaledError(got.grad[k]!, g);
      if (!(e <= 1e-12)) expect.fail(`${at}: gradient[${k}] ${got.grad[k]} vs ${g}`);
      worst = Math.max(worst, e);
    });
  });
  return worst;
}

/** SGD by hand with the TypeScript trainer's batch gradients: 5 examples, 4 steps of batch 2 taking them in turn. */
async function trainingCase(network: GraphNetwork) {
  const ts = await loadTrainer(renderTypeScript(compileNetwork(network)));
  const rand = seededRandom(9);
  const [first, ...rest] = Array.from({ length: 6 }, () => randomGraphPoint(network, rand));
  const data = rest.map((p) => ({ x: p.x, y: p.y }));
  const rate = 0.05;
  const params = first!.params.slice();
  const grad = new Float64Array(ts.paramCount);
  const all = [0, 1, 2, 3, 4];
  const batchLoss = ts.batchLossAndGradient(params, all.map((i) => data[i]!.x), all.map((i) => data[i]!.y), grad);
  const batchGrad = grad.slice();
  for (let k = 0; k < 4; k++) {
    const batch = [(2 * k) % 5, (2 * k + 1) % 5];
    ts.batchLossAndGradient(params, batch.map((i) => data[i]!.x), batch.map((i) => data[i]!.y), grad);
    for (let i = 0; i < params.length; i++) params[i] -= rate * grad[i]!;
  }
  return { start: first!.params, data, rate, batchLoss, batchGrad, after: params, predictions: data.map((d) => Array.from(ts.predict(first!.params, d.x))) };
}

const TRAINED = SMALL.tiedseq!;

/** A driver for the trained network: the batch loss and gradient, 4 SGD steps of batch 2, predict of every example. */
function trainingScript(target: ArrayTarget, t: Awaited<ReturnType<typeof trainingCase>>): string {
  const list = (v: ArrayLike<number>): string => `[${Array.from(v, String).join(target === 'octave' ? ' ' : ', ')}]`;
  if (target === 'octave') {
    const X = `[${t.data.map((d) => list(d.x)).join('; ')}]'`;
    const Y = `[${t.data.map((d) => list(d.y)).join('; ')}]'`;
    return [
      ...OCTAVE_PRELUDE,
      `net = tiedseq(); p0 = ${list(t.start)}'; X = ${X}; Y = ${Y};`,
      "[C, g] = net.batch_loss_and_gradient(p0, X, Y); fprintf(' %.17g', C, g); fprintf('\\n');",
      `p = net.train(p0, X, Y, struct('rate', ${t.rate}, 'steps', 4, 'batch_size', 2)); fprintf(' %.17g', p); fprintf('\\n');`,
      "a = net.predict(p0, X); fprintf(' %.17g', a); fprintf('\\n');",
    ].join('\n');
  }
  return [
    ...PYTHON_PRELUDE,
    'import tiedseq as net',
    `p0 = np.array(${list(t.start)}); xs = np.array([${t.data.map((d) => list(d.x)).join(', ')}]); ys = np.array([${t.data.map((d) => list(d.y)).join(', ')}])`,
    'c, g = net.batch_loss_and_gradient(p0, xs, ys); print(" ".join("%.17g" % v for v in [c, *g]))',
    `p = p0.copy(); net.train(p, xs, ys, ${t.rate}, steps=4, batch_size=2); print(" ".join("%.17g" % v for v in p))`,
    'print(" ".join("%.17g" % v for v in np.ravel(net.predict(p0, xs))))',
  ].join('\n');
}

for (const target of ['octave', 'numpy'] as const) {
  describe.skipIf(!available[target])(`the ${target === 'octave' ? 'Octave' : 'NumPy'} trainer of a graph network`, () => {
    for (const { file, network } of NETWORKS) {
      it(`${file}: loss and gradient at 5 seeded points and one extreme point equal the TypeScript trainer's to 1e-12`, async () => {
        expect(await largestError(target, network)).toBeLessThanOrEqual(1e-12);
      });
    }

    it('a batch (l2 counted once per example, as the TypeScript trainer), SGD over batches, and predict of T*n_out values per example', async () => {
      const network = graphOf(TRAINED, 'tiedseq.yaml');
      const t = await trainingCase(network);
      const lines = runInInterpreter(target, trainerFile(target, compileNetwork(network)), trainingScript(target, t)).stdout.trim().split('\n');
      expectClose(numbersOf(lines[0]!), [t.batchLoss, ...t.batchGrad], 'batch loss and gradient');
      expectClose(numbersOf(lines[1]!), t.after, 'after 4 steps');
      // Octave: one column per example, printed column after column; NumPy: one row per example.
      expectClose(numbersOf(lines[2]!), t.predictions.flat(), 'predict');
    });

    it(`deltagen check --target ${target} passes on the LSTM`, async () => {
      const r = await deltagen(['check', 'examples/lstm.yaml', '--target', target, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { passed: boolean; points: number; loss: { typescript: number }; parameters: { name: string; reference: number; typescript: number }[] };
      expect(report).toMatchObject({ passed: true, points: 5 });
      expect(report.parameters.map((p) => p.name)).toContain('W_f_h');
      for (const p of report.parameters) expect(p.typescript).toBeLessThanOrEqual(1e-12);
    });
  });
}

describe('the Octave and NumPy files of a graph network', () => {
  it('are deterministic, and name the layout, the steps and the sizes as the TypeScript trainer does', () => {
    const lstm = graphCorpus.find((c) => c.network.name === 'lstm')!.network;
    const m = renderOctave(compileNetwork(lstm));
    expect(m).toBe(renderOctave(compileNetwork(lstm)));
    expect(m).toMatch(/^function net = lstm\(\)\n/);
    expect(m).toContain('net.input_size = 6;');
    expect(m).toContain('net.output_size = 1;');
    expect(m).toContain("'W_f_x', 'W_f_h', 'b_f'");
    expect(m).toContain('for t = 3:-1:1');
    const py = renderNumPy(compileNetwork(lstm));
    expect(py).toContain('input_size = 6\noutput_size = 1\nparam_count = 117\n');
    expect(py).toContain('for t in range(2, -1, -1):');
    const quartic = renderOctave(compileNetwork(QUARTIC));
    expect(quartic).toContain("struct('name', {'W1', 'b1', 'W2', 'b2'}");
  });
});
