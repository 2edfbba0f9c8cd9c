// Check a loaded trainer against the reference (mathjs matrices) and against
// central finite differences of the reference loss, at seeded random points.
import type { TrainerModule } from '../compile/compile.ts';
import { layoutOf, type Layout } from '../graph/layout.ts';
import { referenceGradient, referenceLossValue, referencePreActivations } from '../reference/reference.ts';
import type { Network } from '../spec/types.ts';
import { seededRandom, uniform } from './random.ts';

export const REFERENCE_TOLERANCE = 1e-9;
export const FINITE_DIFFERENCE_TOLERANCE = 1e-6;

export interface ParameterReport {
  readonly name: string;
  /** Largest scaled error |g − r| / max(1, |r|) against the reference. */
  readonly reference: number;
  /** The same against central finite differences. */
  readonly finiteDifference: number;
}

export interface CheckReport {
  readonly network: string;
  readonly points: number;
  readonly loss: number;
  readonly parameters: readonly ParameterReport[];
  readonly passed: boolean;
  /** Whose loss the finite differences differentiate: the reference's, or (large networks) the trainer's own. */
  readonly finiteDifferencesOf: 'reference' | 'trainer';
}

export interface Point {
  readonly params: Float64Array;
  readonly x: number[];
  readonly y: number[];
}

/** A random point: parameters, an input and a target valid for the loss. */
export function randomPoint(net: Network, rand: () => number): Point {
  const { paramCount } = layoutOf(net);
  const params = Float64Array.from({ length: paramCount }, () => uniform(rand, -1.5, 1.5));
  const x = Array.from({ length: net.input }, () => uniform(rand, -2, 2));
  const n = net.layers[net.layers.length - 1]!.units;
  let y: number[];
  if (net.loss === 'softmax-cross-entropy') {
    const w = Array.from({ length: n }, () => uniform(rand, 0.05, 1));
    const s = w.reduce((p, q) => p + q, 0);
    y = w.map((v) => v / s);
  } else if (net.loss === 'cross-entropy') {
    y = Array.from({ length: n }, () => uniform(rand, 0.05, 0.95));
  } else {
    y = Array.from({ length: n }, () => uniform(rand, -1, 1));
  }
  return { params, x, y };
}

/** Layers whose activation has a kink at 0, where finite differences straddle two slopes. */
function kinkedLayers(net: Network): number[] {
  return net.layers.flatMap((l, i) => (l.activation.kind === 'relu' || l.activation.kind === 'leaky-relu'
    || (l.activation.kind === 'formula' && /abs|sign/.test(l.activation.formula)) ? [i] : []));
}

/** A random point whose pre-activations stay away from kinks (tries a few times). */
export function smoothPoint(net: Network, rand: () => number): Point {
  const kinked = kinkedLayers(net);
  let point = randomPoint(net, rand);
  for (let tries = 0; kinked.length > 0 && tries < 100; tries++) {
    const zs = referencePreActivations(net, point.params, point.x);
    if (kinked.every((l) => zs[l]!.every((z) => Math.abs(z) > 1e-2))) break;
    point = randomPoint(net, rand);
  }
  return point;
}

const scaledError = (got: number, want: number): number => Math.abs(got - want) / Math.max(1, Math.abs(want));

/** ∂C/∂θ_i by central differences with one Richardson step (error O(h⁴)). */
export function finiteDifference(f: (p: Float64Array) => number, params: Float64Array, i: number, step?: number): number {
  const p = Float64Array.from(params);
  const at = (h: number): number => {
    p[i] = params[i]! + h;
    const up = f(p);
    p[i] = params[i]! - h;
    const down = f(p);
    p[i] = params[i]!;
    return (up - down) / (2 * h);
  };
  const h = step ?? defaultStep(params[i]!);
  return (4 * at(h / 2) - at(h)) / 3;
}

/** The difference step for a parameter of this value. */
export const defaultStep = (value: number): number => 1e-3 * Math.max(1, Math.abs(value));

/** Finite differences cost four loss evaluations a parameter; large networks get a seeded sample. */
export const FINITE_DIFFERENCE_SAMPLE = 48;

/**
 * Above this many parameters (or numbers one reference evaluation works through, see
 * Oracle.cost) the finite differences differentiate the trainer's own loss function, not the
 * reference's: a check needs 4 × 48 loss evaluations a point, and the mathjs reference takes
 * about 5 ms for one of an LSTM of 16 units over 30 steps (43,000 numbers; its check went from
 * 7.8 s to 2.5 s) and half a second for a 2000-2000-10 network. The trainer's loss is itself
 * compared with the reference's at every point, and its gradient with the reference's, so the
 * chain of checks stays independent of the gradient code.
 */
export const REFERENCE_FD_LIMIT = 20_000;

/**
 * What the trainer is checked against, for one network: its layout, random
 * points valid for its loss (away from kinks), and the reference's loss and
 * gradient there. One for each network form.
 */
export interface Oracle {
  readonly name: string;
  readonly layout: Layout;
  /**
   * About how many numbers one evaluation of the reference's loss works through (the parameters,
   * and in a sequence model every node at every step); above REFERENCE_FD_LIMIT the finite differences
   * take the trainer's loss. Default: the parameter count.
   */
  readonly cost?: number;
  point(rand: () => number): Point;
  loss(params: Float64Array, x: number[], y: number[]): number;
  gradient(params: Float64Array, x: number[], y: number[]): { loss: number; grad: ArrayLike<number> };
  /**
   * Where the loss has kinks: a step for parameter i along which no kink is crossed (finite differences
   * across one measure no derivative), or undefined when none is found (the parameter is not compared there).
   */
  smoothStep?(params: Float64Array, x: number[], i: number): number | undefined;
}

/** The chain form's oracle: the mathjs reference of src/reference/reference.ts. */
export function chainOracle(net: Network): Oracle {
  return {
    name: net.name,
    layout: layoutOf(net),
    point: (rand) => smoothPoint(net, rand),
    loss: (q, x, y) => referenceLossValue(net, q, x, y),
    gradient: (q, x, y) => referenceGradient(net, q, x, y),
  };
}

export function checkTrainer(net: Network, trainer: TrainerModule, options: { points?: number; seed?: number } = {}): CheckReport {
  return checkAgainst(chainOracle(net), trainer, options);
}

export function checkAgainst(oracle: Oracle, trainer: TrainerModule, options: { points?: number; seed?: number } = {}): CheckReport {
  const points = options.points ?? 5;
  const rand = seededRandom(options.seed ?? 1);
  const { layout } = oracle;
  const refErr = new Float64Array(layout.paramCount);
  const fdErr = new Float64Array(layout.paramCount);
  let lossErr = 0;
  const grad = new Float64Array(layout.paramCount);
  const finiteDifferencesOf = (oracle.cost ?? layout.paramCount) > REFERENCE_FD_LIMIT ? 'trainer' : 'reference';
  for (let p = 0; p < points; p++) {
    const { params, x, y } = oracle.point(rand);
    const c = trainer.lossAndGradient(params, x, y, grad);
    const ref = oracle.gradient(params, x, y);
    lossErr = Math.max(lossErr, scaledError(c, ref.loss));
    for (let i = 0; i < layout.paramCount; i++) refErr[i] = Math.max(refErr[i]!, scaledError(grad[i]!, ref.grad[i]!));
    const sample = layout.paramCount <= FINITE_DIFFERENCE_SAMPLE
      ? Array.from({ length: layout.paramCount }, (_, i) => i)
      : Array.from({ length: FINITE_DIFFERENCE_SAMPLE }, () => Math.floor(rand() * layout.paramCount));
    for (const i of sample) {
      const step = oracle.smoothStep?.(params, x, i);
      if (oracle.smoothStep && step === undefined) continue;
      const fd = finiteDifference(finiteDifferencesOf === 'reference' ? (q) => oracle.loss(q, x, y) : (q) => trainer.loss(q, x, y), params, i, step);
      fdErr[i] = Math.max(fdErr[i]!, scaledError(grad[i]!, fd));
    }
  }
  const parameters = layout.entries.map((e) => {
    let reference = 0;
    let finiteDifference = 0;
    for (let i = e.offset; i < e.offset + e.rows * e.cols; i++) {
      reference = Math.max(reference, refErr[i]!);
      finiteDifference = Math.max(finiteDifference, fdErr[i]!);
    }
    return { name: e.name, reference, finiteDifference };
  });
  const passed = lossErr <= REFERENCE_TOLERANCE
    && parameters.every((r) => r.reference <= REFERENCE_TOLERANCE && r.finiteDifference <= FINITE_DIFFERENCE_TOLERANCE);
  return { network: oracle.name, points, loss: lossErr, parameters, passed, finiteDifferencesOf };
}

/** What failed, in one clause, for the command line's last line. */
export function whyFailed(r: CheckReport): string {
  const notFinite = !Number.isFinite(r.loss) || r.parameters.some((p) => Number.isNaN(p.reference) || Number.isNaN(p.finiteDifference));
  if (notFinite) {
    return 'the loss is not a finite number at a random point, so nothing can be compared there; the loss may not suit the output\'s range '
      + '(cross-entropy needs outputs in (0, 1); a formula such as log(a - y) is defined for some a and y only)';
  }
  if (r.loss > REFERENCE_TOLERANCE || r.parameters.some((p) => p.reference > REFERENCE_TOLERANCE)) return 'the generated gradient disagrees with the reference';
  const worst = r.parameters.reduce((a, b) => (b.finiteDifference > a.finiteDifference ? b : a));
  return `the generated gradient agrees with the reference but not with finite differences (${worst.finiteDifference.toExponential(2)} for ${worst.name}); `
    + 'the loss may be too steep or too curved here for a difference quotient';
}
