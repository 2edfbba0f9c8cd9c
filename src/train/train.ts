// Run the generated trainer on a network file's train section.
import type { TrainerModule } from '../compile/compile.ts';
import { seededRandom, uniform } from '../check/random.ts';
import { layoutOf, unflatten, type Layout, type NamedParams } from '../graph/layout.ts';
import { CheckFailure, UserError } from '../errors.ts';
import type { Network } from '../spec/types.ts';

/** Initial parameters: the file's init where given, otherwise uniform ±1/√fan-in from the seed. */
export function initialParams(net: Network): Float64Array {
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
  readonly params: NamedParams;
  readonly trajectory?: NamedParams[];
  readonly gradientNorms?: Record<string, number[]>;
}

export interface TrainOptions {
  readonly steps?: number;
  /** Record the parameters after every step. */
  readonly trace?: boolean;
  /** Called after every step (for progress bars). */
  readonly onProgress?: (step: number, total: number, loss: number) => void;
  /** Record ‖∂C/∂W^(l)‖ after every step (for plots of larger networks). */
  readonly gradientNorms?: boolean;
}

export function runTraining(net: Network, trainer: TrainerModule, options: TrainOptions = {}): TrainResult {
  const train = net.train;
  if (!train || train.data.length === 0) throw new UserError(`${net.source}: train.data: training needs a train section with data`);
  const layout = layoutOf(net);
  const params = initialParams(net);
  const batch = train.batch ?? 1;
  const steps = options.steps ?? train.steps ?? (train.epochs ?? 1) * Math.ceil(train.data.length / Math.min(batch, train.data.length));
  const trajectory: NamedParams[] = [];
  const norms: Record<string, number[]> = {};
  const grad = new Float64Array(layout.paramCount);
  const n = train.data.length;
  const losses = trainer.train(params, train.data, {
    rate: train.rate,
    steps,
    batchSize: batch,
    onStep: (step: number, loss: number, p: Float64Array) => {
      // Stop at the first non-finite number and say where it came from.
      const first = ((step - 1) * Math.min(batch, n)) % n;
      const examples = batch > 1 ? `examples ${first + 1}..${first + Math.min(batch, n)}` : `example ${first + 1}`;
      if (!Number.isFinite(loss)) throw new CheckFailure(`training diverged at step ${step} (${examples}): the loss is ${loss}; try a smaller train.rate`);
      for (let i = 0; i < p.length; i++) {
        if (!Number.isFinite(p[i]!)) {
          throw new CheckFailure(`training diverged at step ${step} (${examples}): parameter ${parameterName(layout, i)} became ${p[i]} (its gradient was not finite); try a smaller train.rate`);
        }
      }
      if (options.trace) trajectory.push(unflatten(layout, p));
      if (options.gradientNorms) {
        const example = train.data[first]!;
        trainer.lossAndGradient(p, example.x, example.y, grad);
        for (const e of layout.entries.filter((x) => x.kind === 'W')) {
          let sum = 0;
          for (let i = e.offset; i < e.offset + e.rows * e.cols; i++) sum += grad[i]! ** 2;
          (norms[e.name] ??= []).push(Math.sqrt(sum));
        }
      }
      options.onProgress?.(step, steps, loss);
    },
  });
  return {
    losses, params: unflatten(layout, params),
    ...(options.trace ? { trajectory } : {}),
    ...(options.gradientNorms ? { gradientNorms: norms } : {}),
  };
}

/** "W2[1,3]" for a flat index. */
export function parameterName(layout: Layout, index: number): string {
  const e = layout.entries.find((x) => index >= x.offset && index < x.offset + x.rows * x.cols)!;
  const r = index - e.offset;
  return e.kind === 'b' ? `${e.name}[${r + 1}]` : `${e.name}[${Math.floor(r / e.cols) + 1},${(r % e.cols) + 1}]`;
}
