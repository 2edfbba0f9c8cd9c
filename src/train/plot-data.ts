// What a training plot shows, from a training run: parameter trajectories for
// small networks (with where each is heading), gradient norms for larger ones.
import type { TrainerModule } from '../compile/compile.ts';
import { layoutOf } from '../graph/layout.ts';
import { TRAJECTORY_LIMIT, type PlotData } from '../plot/data.ts';
import type { AnyNetwork } from '../spec/graph-types.ts';
import { parameterName, runTraining, type TrainResult } from './train.ts';

export function plotData(net: AnyNetwork, trainer: TrainerModule, result: TrainResult): PlotData {
  const layout = layoutOf(net);
  const title = `Training ${net.name}`;
  if (layout.paramCount > TRAJECTORY_LIMIT || !result.trajectory) {
    return { title, losses: result.losses, ...(result.gradientNorms ? { gradientNorms: result.gradientNorms } : {}) };
  }
  const names = Array.from({ length: layout.paramCount }, (_, i) => parameterName(layout, i));
  const flat = (p: Record<string, number[][] | number[]>): number[] => layout.entries.flatMap((e) => (p[e.name] as (number | number[])[]).flat());
  const steps = result.trajectory.map(flat);
  const trajectories = Object.fromEntries(names.map((name, i) => [name, steps.map((p) => p[i]!)]));
  // Where the parameters are heading: the values after ten times as many steps.
  const longer = runTraining(net, trainer, { steps: 10 * result.losses.length });
  const limits = Object.fromEntries(names.map((name, i) => [name, flat(longer.params)[i]!]));
  return { title, losses: result.losses, trajectories, limits };
}
