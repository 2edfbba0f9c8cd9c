// What a training plot shows, apart from how it is drawn (plot.ts, with vega):
// the library's declarations refer to this file only, so a consumer's type-check
// never reaches vega-lite's own declarations.

/** Networks with at most this many parameters get one line per parameter. */
export const TRAJECTORY_LIMIT = 12;

export interface PlotData {
  readonly title: string;
  /** Loss before each step, step = 1, 2, … */
  readonly losses: readonly number[];
  /** Parameter values after each step, by element name ("W1[1,1]"), for small networks. */
  readonly trajectories?: Readonly<Record<string, readonly number[]>>;
  /** Where each parameter is heading (for the question: W* = y/x), drawn as a dashed rule. */
  readonly limits?: Readonly<Record<string, number>>;
  /** ‖∂C/∂W^(l)‖ at each step, by layer name, for larger networks. */
  readonly gradientNorms?: Readonly<Record<string, readonly number[]>>;
}
