// Run the generated trainer on a network file's train section.
import type { TrainerModule } from '../compile/compile.ts';
import { seededRandom, uniform } from '../check/random.ts';
import { layoutOf, unflatten, type NamedParams } from '../graph/layout.ts';
import { UserError } from '../errors.ts';
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
}

export function runTraining(net: Network, trainer: TrainerModule, options: { steps?: number; trace?: boolean } = {}): TrainResult {
  const train = net.train;
  if (!train || train.data.length === 0) throw new UserError(`${net.source}: train.data: training needs a train section with data`);
  const layout = layoutOf(net);
  const params = initialParams(net);
  const batch = train.batch ?? 1;
  const steps = options.steps ?? train.steps ?? (train.epochs ?? 1) * Math.ceil(train.data.length / Math.min(batch, train.data.length));
  const trajectory: NamedParams[] = [];
  const losses = trainer.train(params, train.data, {
    rate: train.rate,
    steps,
    batchSize: batch,
    ...(options.trace ? { onStep: (_s: number, _c: number, p: Float64Array) => { trajectory.push(unflatten(layout, p)); } } : {}),
  });
  return { losses, params: unflatten(layout, params), ...(options.trace ? { trajectory } : {}) };
}
