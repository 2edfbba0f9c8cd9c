// Formula against truth: do the shapes fit, and do the values agree at every
// random point (to 1e-9 relative)? The first disagreement is the counterexample.
import { layoutOf, unflatten, type NamedParams } from '../graph/layout.ts';
import { nodesOf, type FNode } from './ast.ts';
import { numericAlgebra } from './algebra.ts';
import { shapeText } from './context.ts';
import { ShapeError } from './errors.ts';
import { interpret } from './interp.ts';
import { pointAt, type PointState } from './points.ts';
import { shapeOf } from './shape.ts';
import type { Assignment, Task } from './task.ts';
import type { Truth } from './truth.ts';

/** A vector, or (a sequence model's x and y) one vector per step. */
export type Numbers = readonly number[] | readonly (readonly number[])[];

export interface Counterexample {
  /** The point, rounded to the fewest digits that still show the disagreement; `params` holds only the parameters that matter. */
  readonly point: { readonly params: NamedParams; readonly x: Numbers; readonly y: Numbers; readonly rate?: number };
  /** Names whose values matter to either side (W1, b2, x, y, R): the others are left out of the text. */
  readonly relevant: readonly string[];
  /** The free indices, in index form. */
  readonly at?: Assignment;
  /** Row and column (1-based) of the element, in matrix form. */
  readonly element?: readonly [number, number];
  readonly formula: number;
  readonly expected: number;
}

/** Where the formula and the truth first differ. */
export interface Mismatch {
  readonly point: PointState;
  readonly assign: Assignment;
  readonly r: number;
  readonly c: number;
  readonly formula: number;
  readonly expected: number;
}

/** Relative tolerance of the numeric comparison (with a tiny absolute floor for true zeros). */
export const RELATIVE_TOLERANCE = 1e-9;
export const close = (f: number, t: number): boolean =>
  Number.isFinite(f) && Math.abs(f - t) <= RELATIVE_TOLERANCE * Math.max(Math.abs(f), Math.abs(t)) + 1e-12;

/** Why the formula's shape cannot be the derivative's, or undefined when it fits. */
export function shapeMismatch(tree: FNode, task: Task): string | undefined {
  try {
    const s = shapeOf(tree, task);
    if (s.rows !== task.cell.rows || s.cols !== task.cell.cols) {
      return `the formula is ${shapeText(s)} but ${describeTarget(task)} is ${shapeText(task.cell)}`;
    }
    return undefined;
  } catch (err) {
    if (err instanceof ShapeError) return err.message;
    throw err;
  }
}

export function describeTarget(task: Task): string {
  const q = task.info.name(task.of.base, task.of.layer);
  const p = task.info.name(task.wrt.base, task.wrt.layer);
  const idx = (ixs: Task['wrt']['indices']): string => (ixs.length ? `[${ixs.map((i) => (i.kind === 'lit' ? i.value : i.name)).join(',')}]` : '');
  const d = `∂${q}${task.of.base === 'C' ? '' : idx(task.of.indices)}/∂${p}${idx(task.wrt.indices)}`;
  return task.update ? `the updated ${p}${idx(task.wrt.indices)}` : d;
}

/** The first point and element where the formula and the truth differ, or null. */
export function firstMismatch(tree: FNode, task: Task, truth: Truth, points: readonly PointState[], limit = points.length): Mismatch | null {
  for (const p of points.slice(0, limit)) {
    const alg = numericAlgebra(p, task.info);
    for (const assign of task.assignments) {
      const value = interpret(tree, alg, task.info, assign);
      for (let r = 1; r <= value.rows; r++) {
        for (let c = 1; c <= value.cols; c++) {
          const f = value.data[(r - 1) * value.cols + (c - 1)]!;
          const t = truth.numeric(p, task.element(assign, r, c));
          if (!Number.isFinite(t)) continue; // outside the loss's domain: no verdict at this point
          if (!close(f, t)) return { point: p, assign, r, c, formula: f, expected: t };
        }
      }
    }
  }
  return null;
}

/** Values at one element of one point: the formula's and the truth's. */
function valuesAt(tree: FNode, task: Task, truth: Truth, p: PointState, m: Mismatch): [number, number] {
  const value = interpret(tree, numericAlgebra(p, task.info), task.info, m.assign);
  return [value.data[(m.r - 1) * value.cols + (m.c - 1)]!, truth.numeric(p, task.element(m.assign, m.r, m.c))];
}

const round = (v: number, digits: number): number => Number(v.toPrecision(digits));
const clearlyApart = (f: number, t: number): boolean => Number.isFinite(f) && Number.isFinite(t) && Math.abs(f - t) > 1e-6 * Math.max(Math.abs(f), Math.abs(t), 1e-3);

/**
 * The counterexample a person can check by hand: every input rounded to the
 * fewest significant digits at which the two sides still clearly differ, and
 * only the quantities either side depends on.
 */
export function simplestCounterexample(tree: FNode, task: Task, truth: Truth, first: Mismatch, points: readonly PointState[]): Counterexample {
  const net = task.info.network;
  const kinked = net.layers.flatMap((l, i) => (l.activation.kind === 'relu' || l.activation.kind === 'leaky-relu' ? [i + 1] : []));
  // A point where a relu layer is off everywhere hides every weight before it: take one where each layer lets something through.
  const lively = points.filter((p) => kinked.every((l) => p.z[l]!.some((z) => z > 0)));
  const m = (kinked.length ? firstMismatch(tree, task, truth, lively) : null) ?? first;
  const p0 = m.point;
  const normalized = net.loss === 'softmax-cross-entropy';
  let best = p0;
  let values: [number, number] = [m.formula, m.expected];
  let relevant = relevantNames(tree, task, truth, p0, m, values);
  for (const digits of [1, 2, 3, 4, 6, 8]) {
    let y = p0.y.map((v) => round(v, digits));
    // targets of softmax cross-entropy sum to 1, as the loss assumes
    if (normalized) y = [...y.slice(0, -1), Number((1 - y.slice(0, -1).reduce((s, v) => s + v, 0)).toFixed(12))];
    if (normalized && y.at(-1)! <= 0) continue;
    const p = pointAt(net, p0.params.map((v) => round(v, digits)), p0.x.map((v) => round(v, digits)), y, round(p0.rate, digits));
    // not on a kink, where relu′ is a convention rather than a slope
    if (kinked.some((l) => p.z[l]!.some((z) => Math.abs(z) < 1e-9))) continue;
    const v = valuesAt(tree, task, truth, p, m);
    if (!clearlyApart(...v)) continue;
    // rounding must not switch a unit off (a relu at 0 hides the weights before it)
    const r = relevantNames(tree, task, truth, p, m, v);
    if (relevant.every((name) => r.includes(name))) { best = p; values = v; relevant = r; break; }
  }
  const layout = layoutOf(net);
  const params = Object.fromEntries(Object.entries(unflatten(layout, best.params)).filter(([k]) => relevant.includes(k)));
  return {
    point: { params, x: best.x, y: best.y, ...(task.update ? { rate: best.rate } : {}) },
    relevant,
    ...(task.free.length ? { at: m.assign } : {}),
    ...(task.form === 'matrix' ? { element: [m.r, m.c] as const } : {}),
    formula: values[0],
    expected: values[1],
  };
}

/** The quantities whose values change either side: each is moved up and down a little, all else kept. */
/** Above this many parameter matrices, relevantNames tries only the layers near the formula's. */
const RELEVANT_SCAN_LIMIT = 32;

function relevantNames(tree: FNode, task: Task, truth: Truth, p: PointState, m: Mismatch, at: [number, number]): string[] {
  const net = task.info.network;
  const layout = layoutOf(net);
  const changes = (q: PointState): boolean => {
    const v = valuesAt(tree, task, truth, q, m);
    return v.some((x, k) => !(Math.abs(x - at[k]!) <= 1e-12 * Math.max(1, Math.abs(at[k]!))));
  };
  // unequal moves (a softmax does not see the same shift of every input), in both directions (a relu sees only one)
  const moves = (values: readonly number[], sign: number): number[] => values.map((v, k) => v + sign * 0.3125 * (1 + 0.37 * k));
  const matters = (point: (sign: number) => PointState): boolean => changes(point(1)) || changes(point(-1));
  const out: string[] = [];
  // Each try evaluates the network twice: on a deep network, only the layers the formula names, the
  // parameter's own and those beside it, and the last (a scan of every layer would cost layers² passes).
  const named = new Set(nodesOf(tree).flatMap((n) => (n.kind === 'ref' && n.layer !== undefined ? [n.layer] : [])));
  const near = (l: number): boolean => named.has(l) || Math.abs(l - task.wrt.layer) <= 1 || l === task.info.L;
  const entries = layout.entries.length <= RELEVANT_SCAN_LIMIT ? layout.entries : layout.entries.filter((e) => near(e.layer));
  for (const e of entries) {
    const at = (sign: number): PointState => {
      const params = Float64Array.from(p.params);
      params.set(moves([...p.params.subarray(e.offset, e.offset + e.rows * e.cols)], sign), e.offset);
      return pointAt(net, params, p.x, p.y, p.rate);
    };
    if (matters(at)) out.push(e.name);
  }
  if (matters((sign) => pointAt(net, p.params, moves(p.x, sign), p.y, p.rate))) out.push('x');
  // targets of softmax cross-entropy keep their sum
  const y = (sign: number): number[] => (net.loss === 'softmax-cross-entropy' ? p.y.map((v, k) => v + sign * (k === 0 ? 0.03125 : k === 1 ? -0.03125 : 0)) : moves(p.y, sign));
  if (matters((sign) => pointAt(net, p.params, p.x, y(sign), p.rate))) out.push('y');
  if (task.update && matters((sign) => pointAt(net, p.params, p.x, p.y, p.rate + sign * 0.125))) out.push('R');
  return out;
}
