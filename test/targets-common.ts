// Shared by test/targets-octave.test.ts and test/targets-numpy.test.ts: the
// networks each target runs (the examples, and a few more that use every
// activation, loss and function the printers know), and the comparison with
// the TypeScript trainer in one interpreter process per network.
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { randomPoint, type Point } from '../src/check/check.ts';
import { evaluateInInterpreter, type ArrayTarget } from '../src/check/interpreters.ts';
import { seededRandom } from '../src/check/random.ts';
import { loadTrainer } from '../src/compile/compile.ts';
import { compileNetwork, renderTypeScript } from '../src/pipeline.ts';

import type { Network } from '../src/spec/types.ts';
import { corpus } from './corpus.ts';
import { parseChain } from './chain.ts';

/** Whether a command runs here; CI installs both interpreters (.ci/run), so there the tests never skip. */
export const runs = (command: string, args: string[]): boolean => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

const net = (name: string, layers: string, loss: string, input = 3): Network =>
  parseChain(`name: ${name}\ninput: ${input}\nlayers:\n${layers}\nloss: ${loss}\n`, `${name}.yaml`);

/** Beyond the examples: relu, leaky relu, softplus, the stable cross-entropy forms, and a formula calling every function. */
const VOCABULARY: { file: string; network: Network }[] = [
  net('kinks', '  - { units: 4, activation: relu }\n  - { units: 3, activation: { leaky-relu: 0.1 }, bias: false }\n  - { units: 2, activation: identity }', 'mse'),
  net('softplus-ce', '  - { units: 4, activation: softplus }\n  - { units: 2, activation: sigmoid }', 'cross-entropy'),
  net('formula-ce', '  - { units: 3, activation: tanh }\n  - { units: 2, activation: { formula: "1 / (1 + exp(-x))" } }', 'cross-entropy'),
  net('functions', '  - { units: 3, activation: { formula: "sin(x) + cos(x) / 2 + sqrt(x^2 + 1) + softplus(x) + sigmoid(x) * abs(x) + log(2 + tanh(x)) + cosh(x / 1000) + exp(-x^2)" } }\n  - { units: 2, activation: softmax }', 'softmax-cross-entropy'),
  net('half', '  - { units: 2, activation: sigmoid, bias: false }\n  - { units: 3, activation: tanh }', 'half-squared', 2),
].map((network) => ({ file: `(inline) ${network.name}`, network }));

export const NETWORKS = [...corpus, ...VOCABULARY];

/** Scaled error as src/check measures it; two equal non-finite values agree. */
export const scaledError = (got: number, want: number): number =>
  (Object.is(got, want) ? 0 : Math.abs(got - want) / Math.max(1, Math.abs(want)));

/**
 * Five seeded points, and one extreme point (parameters 300 times larger:
 * saturated sigmoids, logits far apart) where only the stable forms agree.
 */
export function points(network: Network): Point[] {
  const rand = seededRandom(5);
  const ordinary = Array.from({ length: 5 }, () => randomPoint(network, rand));
  const p = randomPoint(network, rand);
  return [...ordinary, { ...p, params: p.params.map((v) => 300 * v) }];
}

/** Loss and gradient at every point, from the target run in its interpreter (one process), against the TypeScript trainer. */
export async function largestErrorAgainstTypeScript(target: ArrayTarget, network: Network): Promise<number> {
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
      if (e > 1e-12) expect.fail(`${at}: gradient[${k}] ${got.grad[k]} vs ${g}`);
      worst = Math.max(worst, e);
    });
  });
  return worst;
}

/** A small training case: a start, five examples, and the parameters SGD reaches, by hand with the TypeScript trainer's gradients. */
export interface TrainingCase {
  readonly start: Float64Array;
  readonly data: readonly { x: number[]; y: number[] }[];
  readonly rate: number;
  /** After 7 steps of batch 2 that take the examples in turn, wrapping around: [0,1], [2,3], [4,0], … */
  readonly afterSteps: Float64Array;
  /** After 2 epochs of batch 2, the last batch of each shorter: [0,1], [2,3], [4], [0,1], [2,3], [4]. */
  readonly afterEpochs: Float64Array;
  /** predict at the start for every example, one row each. */
  readonly predictions: number[][];
}

export async function trainingCase(network: Network): Promise<TrainingCase> {
  const ts = await loadTrainer(renderTypeScript(compileNetwork(network)));
  const rand = seededRandom(9);
  const [first, ...rest] = Array.from({ length: 6 }, () => randomPoint(network, rand));
  const data = rest.map((p) => ({ x: p.x, y: p.y }));
  const rate = 0.05;
  const sgd = (batches: number[][]): Float64Array => {
    const params = first!.params.slice();
    const grad = new Float64Array(ts.paramCount);
    for (const batch of batches) {
      ts.batchLossAndGradient(params, batch.map((i) => data[i]!.x), batch.map((i) => data[i]!.y), grad);
      for (let i = 0; i < params.length; i++) params[i] -= rate * grad[i]!;
    }
    return params;
  };
  return {
    start: first!.params, data, rate,
    afterSteps: sgd(Array.from({ length: 7 }, (_, k) => [(2 * k) % 5, (2 * k + 1) % 5])),
    afterEpochs: sgd([[0, 1], [2, 3], [4], [0, 1], [2, 3], [4]]),
    predictions: data.map((d) => Array.from(ts.predict(first!.params, d.x))),
  };
}

/** Numbers printed with %.17g, separated by blanks, one group a line. */
export const numbersOf = (line: string): number[] => line.trim().split(/\s+/).map(Number);

export function expectClose(got: readonly number[], want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => expect(scaledError(g, want[i]!), `${what}[${i}]: ${g} vs ${want[i]}`).toBeLessThanOrEqual(1e-12));
}
