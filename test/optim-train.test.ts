// The generated module's train(): epochs are passes over the data (the last
// batch shorter), steps cycle as before, a shuffled order is the same on every
// run, locale and time zone, validation losses per epoch, early stopping with
// patience, rate schedules and callbacks; and runTraining passes the network
// file's train section through.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModule, loadTrainer, type TrainerModule, type TrainerTrainOptions } from '../src/compile/compile.ts';
import { compileNetwork, renderJavaScript, renderTypeScript } from '../src/pipeline.ts';
import { loadNetworkFile, parseNetwork } from '../src/spec/load.ts';
import { runTraining } from '../src/train/train.ts';

const tmp = mkdtempSync(join(tmpdir(), 'deltagen-optim-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const xorJs = renderJavaScript(compileNetwork(loadNetworkFile('examples/xor.yaml')));
const xor = await loadModule(xorJs);
const question = await loadTrainer(renderTypeScript(compileNetwork(loadNetworkFile('examples/question.yaml'))));

/** Five examples, told apart by x. */
const five = [0, 1, 2, 3, 4].map((e) => ({ x: [e / 4, 1 - e / 4], y: [e % 2] }));
const start = (mod: TrainerModule): Float64Array => Float64Array.from({ length: mod.paramCount }, (_, i) => Math.sin(i + 1));

/** The examples of every step, as train reports them. */
function batches(mod: TrainerModule, options: Omit<TrainerTrainOptions, 'rate' | 'onStep'>, data = five): number[][] {
  const seen: number[][] = [];
  mod.train(start(mod), data, { rate: 0.1, ...options, onStep: (_s, _c, _p, examples) => seen.push(Array.from(examples)) });
  return seen;
}

describe('epochs and steps', () => {
  it('epochs with 5 examples and batch 2 use [0,1], [2,3], [4] in every epoch', () => {
    expect(batches(xor, { epochs: 2, batchSize: 2 })).toEqual([[0, 1], [2, 3], [4], [0, 1], [2, 3], [4]]);
    expect(batches(xor, { epochs: 1, batchSize: 5 })).toEqual([[0, 1, 2, 3, 4]]);
    expect(batches(xor, { epochs: 1, batchSize: 3 })).toEqual([[0, 1, 2], [3, 4]]);
    expect(batches(xor, { epochs: 2 })).toEqual([[0], [1], [2], [3], [4], [0], [1], [2], [3], [4]]);
  });

  it('steps keep their meaning: cycling through the data, batches running on into the next pass', () => {
    expect(batches(xor, { steps: 6, batchSize: 2 })).toEqual([[0, 1], [2, 3], [4, 0], [1, 2], [3, 4], [0, 1]]);
    expect(batches(xor, { steps: 3 })).toEqual([[0], [1], [2]]);
  });

  it('a step on the shorter last batch is the mean over its examples', () => {
    const p = start(xor), q = start(xor);
    const r = xor.train(p, five, { rate: 0.1, epochs: 1, batchSize: 2 });
    const g = new Float64Array(xor.paramCount);
    const expected: number[] = [];
    for (const b of [[0, 1], [2, 3], [4]]) {
      expected.push(xor.batchLossAndGradient(q, b.map((e) => five[e]!.x), b.map((e) => five[e]!.y), g));
      for (let i = 0; i < q.length; i++) q[i]! -= 0.1 * g[i]!;
    }
    expect(r.losses).toEqual(expected);
    expect(Array.from(p)).toEqual(Array.from(q));
    // The epoch's loss is the mean over its five examples (batch losses weighted by their sizes).
    expect(r.epochLosses[0]).toBeCloseTo((2 * expected[0]! + 2 * expected[1]! + expected[2]!) / 5, 14);
  });

  it('plain SGD on one example a step is the fused sgdStep, as before', () => {
    const p = start(xor), q = start(xor);
    const r = xor.train(p, five, { rate: 0.3, epochs: 3 });
    const losses = Array.from({ length: 15 }, (_, s) => xor.sgdStep(q, five[s % 5]!.x, five[s % 5]!.y, 0.3));
    expect(r.losses).toEqual(losses);
    expect(Array.from(p)).toEqual(Array.from(q));
  });

  it('refuses both steps and epochs, no data, and patience without validation data', () => {
    expect(() => xor.train(start(xor), five, { rate: 0.1, steps: 2, epochs: 2 })).toThrow('give steps or epochs, not both');
    expect(() => xor.train(start(xor), [], { rate: 0.1 })).toThrow('no data');
    expect(() => xor.train(start(xor), five, { rate: 0.1, patience: 2 })).toThrow('needs validation data');
  });
});

describe('shuffle', () => {
  // The order of seed 7 for 5 examples in batches of 2 over 3 epochs: the same on every machine (mulberry32, integer arithmetic).
  const GOLDEN = [[3, 1], [2, 4], [0], [0, 3], [4, 1], [2], [3, 1], [0, 2], [4]];

  it('a new order every pass, each example once per pass, from the seed', () => {
    const order = batches(xor, { epochs: 3, batchSize: 2, shuffle: true, seed: 7 });
    expect(order).toEqual(GOLDEN);
    for (let epoch = 0; epoch < 3; epoch++) expect(order.slice(3 * epoch, 3 * epoch + 3).flat().sort()).toEqual([0, 1, 2, 3, 4]);
    expect(batches(xor, { epochs: 3, batchSize: 2, shuffle: true, seed: 7 })).toEqual(order);
    expect(batches(xor, { epochs: 3, batchSize: 2, shuffle: true, seed: 8 })).not.toEqual(order);
    expect(batches(xor, { epochs: 3, batchSize: 2, shuffle: true })).toEqual(batches(xor, { epochs: 3, batchSize: 2, shuffle: true, seed: 1 }));
  });

  it('the order and the trained parameters are byte-identical across processes, locales and time zones', () => {
    const file = join(tmp, 'xor.mjs');
    writeFileSync(file, xorJs);
    const script = `import * as m from ${JSON.stringify(file)};
const data = ${JSON.stringify(five)};
const seen = [];
const p = Float64Array.from({ length: m.paramCount }, (_, i) => Math.sin(i + 1));
const r = m.train(p, data, { rate: 0.1, epochs: 40, batchSize: 2, shuffle: true, seed: 7, optimizer: 'adam', onStep: (s, c, q, e) => seen.push(Array.from(e)) });
process.stdout.write(JSON.stringify({ seen, losses: r.losses, params: Array.from(p), date: new Date(0).toString() }));`;
    const run = (env: Record<string, string>): { seen: number[][]; losses: number[]; params: number[]; date: string } => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { seen: number[][]; losses: number[]; params: number[]; date: string };
    };
    const runs = [
      run({ TZ: 'UTC', LANG: 'C', LC_ALL: 'C' }),
      run({ TZ: 'Pacific/Kiritimati', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' }),
      run({ TZ: 'America/St_Johns', LANG: 'ar_EG.UTF-8', LC_ALL: 'tr_TR.UTF-8' }),
    ];
    // The environments did differ (the clock's rendering shows the time zone) ...
    expect(new Set(runs.map((r) => r.date)).size).toBe(3);
    // ... and the order, the losses and the parameters did not, to the byte.
    const bytes = runs.map((r) => JSON.stringify([r.seen, r.losses, r.params]));
    expect(new Set(bytes).size).toBe(1);
    expect(runs[0]!.seen.slice(0, 9)).toEqual(GOLDEN);
  });
});

describe('schedules', () => {
  // The question's neuron: C = (W x − y)², one parameter, so every rate shows in W.
  const data = [{ x: [5.7], y: [50.1] }];
  const sgd = (w: number, rate: number): number => w - rate * 2 * (w * 5.7 - 50.1) * 5.7;
  const trajectory = (options: Omit<TrainerTrainOptions, 'onStep'>): number[] => {
    const w: number[] = [];
    question.train(Float64Array.of(-23.1), data, { ...options, onStep: (_s, _c, p) => w.push(p[0]!) });
    return w;
  };
  const expected = (rateAt: (k: number) => number, steps: number): number[] => {
    const out: number[] = [];
    let w = -23.1;
    for (let k = 0; k < steps; k++) out.push((w = sgd(w, rateAt(k))));
    return out;
  };
  const cases: [string, TrainerTrainOptions['schedule'], (k: number) => number][] = [
    ['constant', { kind: 'constant' }, () => 0.007],
    ['step', { kind: 'step', every: 3, factor: 0.5 }, (k) => 0.007 * 0.5 ** Math.floor(k / 3)],
    ['exponential', { kind: 'exponential', factor: 0.9 }, (k) => 0.007 * 0.9 ** k],
    ['cosine', { kind: 'cosine', over: 6, min: 0.001 }, (k) => 0.001 + 0.5 * (0.007 - 0.001) * (1 + Math.cos((Math.PI * Math.min(k, 6)) / 6))],
    ['cosine to 0', { kind: 'cosine', over: 6 }, (k) => 0.5 * 0.007 * (1 + Math.cos((Math.PI * Math.min(k, 6)) / 6))],
  ];
  for (const [name, schedule, rateAt] of cases) {
    it(`${name}: per epoch in an epochs run, per step in a steps run`, () => {
      const w = trajectory({ rate: 0.007, epochs: 10, schedule: schedule! });
      const e = expected(rateAt, 10);
      w.forEach((v, k) => expect(v).toBeCloseTo(e[k]!, 12));
      // Two examples an epoch: the rate changes every second step.
      const w2: number[] = [];
      question.train(Float64Array.of(-23.1), [data[0]!, data[0]!], { rate: 0.007, epochs: 5, schedule: schedule!, onStep: (_s, _c, p) => w2.push(p[0]!) });
      const e2 = expected((k) => rateAt(Math.floor(k / 2)), 10);
      w2.forEach((v, k) => expect(v).toBeCloseTo(e2[k]!, 12));
      const w3: number[] = [];
      question.train(Float64Array.of(-23.1), [data[0]!, data[0]!], { rate: 0.007, steps: 10, schedule: schedule!, onStep: (_s, _c, p) => w3.push(p[0]!) });
      w3.forEach((v, k) => expect(v).toBeCloseTo(e[k]!, 12));
    });
  }
});

describe('validation, early stopping, callbacks', () => {
  // Trained towards W = 8.79 (the data); the validation example wants W = 5, so its loss falls, then rises.
  const data = [{ x: [5.7], y: [50.1] }];
  const validation = [{ x: [1], y: [5] }];
  const ws: number[] = [];
  const full = question.train(Float64Array.of(-23.1), data, { rate: 0.007, epochs: 30, validation, onEpoch: (_e, _c, _v, p) => ws.push(p[0]!) });

  it('a validation loss after every epoch: the mean loss over the validation data', () => {
    expect(full.validationLosses).toHaveLength(30);
    full.validationLosses.forEach((v, e) => expect(v).toBeCloseTo((ws[e]! - 5) ** 2, 10));
    const best = full.validationLosses.indexOf(Math.min(...full.validationLosses)) + 1;
    expect(full.bestEpoch).toBe(best);
    expect(best).toBeGreaterThan(1);
    expect(best).toBeLessThan(30);
    expect(full.stoppedEarly).toBe(false);
    expect(full.epochs).toBe(30);
  });

  it('patience stops after that many epochs without a lower validation loss, and restores the best parameters', () => {
    const p = Float64Array.of(-23.1);
    const r = question.train(p, data, { rate: 0.007, epochs: 30, validation, patience: 3 });
    expect(r.stoppedEarly).toBe(true);
    expect(r.bestEpoch).toBe(full.bestEpoch);
    expect(r.epochs).toBe(full.bestEpoch + 3);
    expect(r.losses).toHaveLength(full.bestEpoch + 3);
    expect(p[0]).toBe(ws[full.bestEpoch - 1]);
    // restoreBest: false keeps the parameters of the last epoch run.
    const q = Float64Array.of(-23.1);
    question.train(q, data, { rate: 0.007, epochs: 30, validation, patience: 3, restoreBest: false });
    expect(q[0]).toBe(ws[full.bestEpoch + 2]);
  });

  it('onStep and onEpoch see every step and epoch, in order, with the loss before the step', () => {
    const calls: string[] = [];
    const r = xor.train(start(xor), five, {
      rate: 0.1, epochs: 2, batchSize: 2, validation: five.slice(0, 2),
      onStep: (s, c, _p, e) => calls.push(`step ${s} ${c} [${Array.from(e).join(',')}]`),
      onEpoch: (e, c, v) => calls.push(`epoch ${e} ${c} ${v}`),
    });
    const l = r.losses, v = r.validationLosses, el = r.epochLosses;
    expect(calls).toEqual([
      `step 1 ${l[0]} [0,1]`, `step 2 ${l[1]} [2,3]`, `step 3 ${l[2]} [4]`, `epoch 1 ${el[0]} ${v[0]}`,
      `step 4 ${l[3]} [0,1]`, `step 5 ${l[4]} [2,3]`, `step 6 ${l[5]} [4]`, `epoch 2 ${el[1]} ${v[1]}`,
    ]);
    // Without validation data, onEpoch gets undefined for it.
    const got: unknown[] = [];
    xor.train(start(xor), five, { rate: 0.1, epochs: 1, onEpoch: (_e, _c, vl) => got.push(vl) });
    expect(got).toEqual([undefined]);
  });
});

describe('runTraining uses the module\'s train with the file\'s train section', () => {
  const file = `name: t
input: 2
layers: [{ units: 3, activation: tanh }, { units: 1, activation: sigmoid }]
loss: half-squared
train:
  rate: 0.05
  epochs: 12
  batch: 2
  seed: 4
  optimizer: { adamw: { beta1: 0.8, weightDecay: 0.05 } }
  shuffle: true
  schedule: { step: { every: 4, factor: 0.5 } }
  patience: 3
  restoreBest: false
  data:
${five.map((e) => `    - { x: [${e.x.join(', ')}], y: [${e.y.join(', ')}] }`).join('\n')}
  validation:
    - { x: [0.1, 0.9], y: [0] }
    - { x: [0.9, 0.1], y: [1] }
`;
  it('the same run as the module given the same options', async () => {
    const net = parseNetwork(file);
    const mod = await loadTrainer(renderTypeScript(compileNetwork(net)));
    const result = runTraining(net, mod);
    const { initialParams } = await import('../src/train/train.ts');
    const p = initialParams(net);
    const direct = mod.train(p, net.train!.data, {
      rate: 0.05, epochs: 12, batchSize: 2, seed: 4, optimizer: { kind: 'adamw', beta1: 0.8, weightDecay: 0.05 }, shuffle: true,
      schedule: { kind: 'step', every: 4, factor: 0.5 }, patience: 3, restoreBest: false, validation: net.train!.validation!,
    });
    expect(result.losses).toEqual(direct.losses);
    expect(result.params).toEqual(mod.paramsToJSON(p));
    expect(result.validationLosses).toEqual(direct.validationLosses);
    expect(result.bestEpoch).toBe(direct.bestEpoch);
    expect(result.stoppedEarly).toBe(direct.stoppedEarly);
    // --steps still overrides the file's epochs (and then cycles through the data).
    expect(runTraining(net, mod, { steps: 7 }).losses).toHaveLength(7);
  });
});
