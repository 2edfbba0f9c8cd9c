// Formula against truth: do the shapes fit, and do the values agree at every
// random point (to 1e-9 relative)? The first disagreement is the counterexample.
import { layoutOf, unflatten, type NamedParams } from '../graph/layout.ts';
import type { FNode } from './ast.ts';
import { numericAlgebra } from './algebra.ts';
import { shapeText } from './context.ts';
import { ShapeError } from './errors.ts';
import { interpret } from './interp.ts';
import type { PointState } from './points.ts';
import { shapeOf } from './shape.ts';
import type { Assignment, Task } from './task.ts';
import type { Truth } from './truth.ts';

export interface Counterexample {
  readonly point: { readonly params: NamedParams; readonly x: readonly number[]; readonly y: readonly number[]; readonly rate?: number };
  /** The free indices, in index form. */
  readonly at?: Assignment;
  /** Row and column (1-based) of the element, in matrix form. */
  readonly element?: readonly [number, number];
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
export function compareAtPoints(tree: FNode, task: Task, truth: Truth, points: readonly PointState[], limit = points.length): Counterexample | null {
  for (const p of points.slice(0, limit)) {
    const alg = numericAlgebra(p, task.info);
    for (const assign of task.assignments) {
      const value = interpret(tree, alg, task.info, assign);
      for (let r = 1; r <= value.rows; r++) {
        for (let c = 1; c <= value.cols; c++) {
          const f = value.data[(r - 1) * value.cols + (c - 1)]!;
          const t = truth.numeric(p, task.element(assign, r, c));
          if (!Number.isFinite(t)) continue; // outside the loss's domain: no verdict at this point
          if (!close(f, t)) return counterexampleAt(p, task, assign, r, c, f, t);
        }
      }
    }
  }
  return null;
}

function counterexampleAt(p: PointState, task: Task, assign: Assignment, r: number, c: number, f: number, t: number): Counterexample {
  const params = unflatten(layoutOf(task.info.network), p.params);
  return {
    point: { params, x: p.x, y: p.y, ...(task.update ? { rate: p.rate } : {}) },
    ...(task.free.length ? { at: assign } : {}),
    ...(task.form === 'matrix' ? { element: [r, c] as const } : {}),
    formula: f,
    expected: t,
  };
}
