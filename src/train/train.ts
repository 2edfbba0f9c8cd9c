// Run the generated trainer on a network file's train section.
import type { TrainerModule } from '../compile/compile.ts';
import { seededRandom, uniform } from '../check/random.ts';
import { layoutOf, unflatten, type Layout, type NamedParams } from '../graph/layout.ts';
import { CheckFailure, UserError } from '../errors.ts';
import type { AnyNetwork } from '../spec/graph-types.ts';

/** Initial parameters: the file's init where given, otherwise uniform ±1/√fan-in from the seed. */
export function initialParams(net: AnyNetwork): Float64Array {
  const layout = layoutOf(net);
  const params = new Float64Array(layout.paramCount);
  const rand = seededRandom(net.train?.seed ?? 1);
  for (const e of layout.entries) {
    const given = net.train?.init?.[e.name];
    const values = given ? (given as readonly (number | readonly number[])[]).flat() : undefined;
    const scale = 1 / Math.sqrt(e.cols);
    for (let i = 0; i < e.rows * e.cols; i++) {
      params[e.offset + i] = values ? values[i]! : e.kind === 'b' ? 0 : uniform(rand, -scale, scale) * 2;
    }
  }
  return params;
}

export interface TrainResult {
  readonly losses: number[];
  /** The trained parameters, as the module's paramsToJSON writes them (and paramsFromJSON reads them). */
  readonly params: NamedParams;
  readonly trajectory?: NamedParams[];
  readonly gradientNorms?: Record<string, number[]>;
  /** With train.validation: the mean validation loss after every epoch. */
  readonly validationLosses?: number[];
  /** With train.patience: the epoch of the lowest validation loss (whose parameters params are, unless restoreBest is false), and whether the run stopped before its last epoch. */
  readonly bestEpoch?: number;
  readonly stoppedEarly?: boolean;
}

export interface TrainOptions {
  /** Steps instead of the file's steps or epochs. */
  readonly steps?: number;
  /** Record the parameters after every step. */
  readonly trace?: boolean;
  /** Called after every step (for progress bars). */
  readonly onProgress?: (step: number, total: number, loss: number) => void;
  /** Record ‖∂C/∂W^(l)‖ after every step (for plots of larger networks). */
  readonly gradientNorms?: boolean;
  /** Start from these parameters, as paramsToJSON writes them (train --init FILE.json), instead of the file's init or seed; source names them in messages. */
  readonly init?: { readonly source: string; readonly params: unknown };
}

/** Steps one run may take, and numbers a --trace may record (steps × parameters, 80 MB as float64). */
export const MAX_TRAIN_STEPS = 10_000_000;
export const MAX_TRACE_NUMBERS = 10_000_000;

/** Runs the generated module's train with everything the file's train section sets. */
export function runTraining(net: AnyNetwork, trainer: TrainerModule, options: TrainOptions = {}): TrainResult {
  const train = net.train;
  if (!train || train.data.length === 0) throw new UserError(`${net.source}: train.data: training needs a train section with data`);
  const layout = layoutOf(net);
  const params = options.init ? paramsFrom(trainer, options.init) : initialParams(net);
  const n = train.data.length;
  const batch = Math.min(train.batch ?? 1, n);
  const steps = options.steps ?? train.steps;
  const total = steps ?? (train.epochs ?? 1) * Math.ceil(n / batch);
  const what = options.steps !== undefined ? 'steps' : `${net.source}: train.${steps !== undefined ? 'steps' : 'epochs'}`;
  if (total > MAX_TRAIN_STEPS) throw new UserError(`${what}: ${total} steps; at most ${MAX_TRAIN_STEPS} in one run`);
  if (options.trace && total * layout.paramCount > MAX_TRACE_NUMBERS) {
    throw new UserError(`${what}: recording every step (--trace) would keep ${total} × ${layout.paramCount} numbers; at most ${MAX_TRACE_NUMBERS}: take fewer steps or leave out --trace`);
  }
  const start = Float64Array.from(params);
  const trajectory: NamedParams[] = [];
  const norms: Record<string, number[]> = {};
  const grad = new Float64Array(layout.paramCount);
  const result = trainer.train(params, train.data, {
    rate: train.rate,
    ...(steps !== undefined ? { steps } : { epochs: train.epochs ?? 1 }),
    batchSize: batch,
    ...(train.optimizer ? { optimizer: train.optimizer } : {}),
    ...(train.shuffle ? { shuffle: true, seed: train.seed } : {}),
    ...(train.schedule ? { schedule: train.schedule } : {}),
    ...(train.validation ? { validation: train.validation } : {}),
    ...(train.patience !== undefined ? { patience: train.patience } : {}),
    ...(train.restoreBest !== undefined ? { restoreBest: train.restoreBest } : {}),
    onStep: (step: number, loss: number, p: Float64Array, examples: Int32Array) => {
      // Stop at the first non-finite number and say where it came from. A loss that is not finite at the
      // first step comes from the start, not from the rate: name the largest starting parameter instead.
      if (!Number.isFinite(loss)) {
        if (step === 1) throw new CheckFailure(`the loss is ${loss} at the starting parameters (${describeExamples(examples)}; largest: ${largest(layout, start)}); check train.init, --init or the data`);
        throw new CheckFailure(`training diverged at step ${step} (${describeExamples(examples)}): the loss is ${loss}; try a smaller train.rate (now ${train.rate})`);
      }
      for (let i = 0; i < p.length; i++) {
        if (!Number.isFinite(p[i]!)) {
          // NaN after one step from a finite start and loss: the gradient itself was not a number, no rate helps.
          if (step === 1 && Number.isNaN(p[i]!)) {
            throw new CheckFailure(`the gradient of ${parameterName(layout, i)} is not a number at the starting parameters (${describeExamples(examples)}), though the loss is ${loss}: a derivative of a formula in the network file is undefined there (0/0 or ∞ · 0); check train.init, --init or the formula`);
          }
          throw new CheckFailure(`training diverged at step ${step} (${describeExamples(examples)}): parameter ${parameterName(layout, i)} became ${p[i]}; the update with train.rate ${train.rate} overflowed: try a smaller rate`);
        }
      }
      if (options.trace) trajectory.push(unflatten(layout, p));
      if (options.gradientNorms) {
        const example = train.data[examples[0]!]!;
        trainer.lossAndGradient(p, example.x, example.y, grad);
        for (const e of layout.entries.filter((x) => x.kind === 'W')) {
          let sum = 0;
          for (let i = e.offset; i < e.offset + e.rows * e.cols; i++) sum += grad[i]! ** 2;
          (norms[e.name] ??= []).push(Math.sqrt(sum));
        }
      }
      options.onProgress?.(step, total, loss);
    },
  });
  return {
    losses: result.losses, params: trainer.paramsToJSON(params),
    ...(options.trace ? { trajectory } : {}),
    ...(options.gradientNorms ? { gradientNorms: norms } : {}),
    ...(train.validation ? { validationLosses: result.validationLosses } : {}),
    ...(train.patience !== undefined ? { bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly } : {}),
  };
}

/** Parameters from saved JSON; a missing, unknown or misshapen parameter is the user's mistake (exit 2), named. */
function paramsFrom(trainer: TrainerModule, init: { readonly source: string; readonly params: unknown }): Float64Array {
  try {
    return trainer.paramsFromJSON(init.params);
  } catch (err) {
    throw new UserError(`${init.source}: ${(err as Error).message.replace(/^paramsFromJSON: /, '')}`);
  }
}

/** "example 3", "examples 1..5" (in order), or "examples 4, 1" (shuffled); 1-based. */
function describeExamples(examples: Int32Array): string {
  const k = examples.length;
  if (k === 1) return `example ${examples[0]! + 1}`;
  const run = examples.every((e, i) => i === 0 || e === examples[i - 1]! + 1);
  return run ? `examples ${examples[0]! + 1}..${examples[k - 1]! + 1}` : `examples ${Array.from(examples, (e) => e + 1).join(', ')}`;
}

/** The starting parameter of largest magnitude, as "W1[1,1] = 1e+308". */
function largest(layout: Layout, p: Float64Array): string {
  let at = 0;
  for (let i = 1; i < p.length; i++) if (!(Math.abs(p[i]!) <= Math.abs(p[at]!))) at = i;
  return `${parameterName(layout, at)} = ${p[at]}`;
}

/** "W2[1,3]" for a flat index. */
export function parameterName(layout: Layout, index: number): string {
  const e = layout.entries.find((x) => index >= x.offset && index < x.offset + x.rows * x.cols)!;
  const r = index - e.offset;
  return e.kind === 'b' ? `${e.name}[${r + 1}]` : `${e.name}[${Math.floor(r / e.cols) + 1},${(r % e.cols) + 1}]`;
}
