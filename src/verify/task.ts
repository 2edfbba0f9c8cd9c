// The task: which derivative, in which form, and which element of it each
// value of the formula stands for.
import { UserError } from '../errors.ts';
import type { Idx } from './ast.ts';
import { SCALAR, freeIndices, isScalar, parseQuantity, type FreeIndex, type NetInfo, type Quantity, type Shape } from './context.ts';
import { seededRandom } from '../check/random.ts';

export type Form = 'matrix' | 'index' | 'scalar';
export type Assignment = Readonly<Record<string, number>>;

/** Where one cell of the formula's value lands: an element of Q (a row, none for C) and of P. */
export interface Element { readonly q?: number; readonly p: readonly [number, number] }

export interface Task {
  readonly info: NetInfo;
  readonly of: Quantity;
  readonly wrt: Quantity;
  readonly update: boolean;
  readonly free: readonly FreeIndex[];
  /** Shape of the formula's value for one assignment of the free indices. */
  readonly cell: Shape;
  readonly form: Form;
  readonly assignments: readonly Assignment[];
  /** True when not every assignment is checked (large layers): a seeded sample is. */
  readonly sampled: boolean;
  element(assign: Assignment, r: number, c: number): Element;
}

export const MAX_ASSIGNMENTS = 200;

export function makeTask(info: NetInfo, wrtText: string, ofText: string | undefined, update: boolean): Task {
  const wrt = parseQuantity(wrtText, '--wrt', info);
  const of = parseQuantity(ofText ?? 'C', '--of', info);
  if (update && of.base !== 'C') throw new UserError('--update is a step of gradient descent on C: leave out --of');
  const pCell = wrt.indices.length ? SCALAR : info.shape(wrt.base as 'W' | 'b', wrt.layer);
  const qCell = of.base === 'C' || of.indices.length ? SCALAR : info.shape(of.base, of.layer);
  if (!isScalar(pCell) && !isScalar(qCell)) {
    throw new UserError(`∂${info.name(of.base, of.layer)}/∂${info.name(wrt.base, wrt.layer)} has one index per element of each: name them, as in --of ${info.name(of.base, of.layer)}[i] --wrt ${wrt.base === 'W' ? `W${wrt.layer}[j,k]` : `b${wrt.layer}[j]`}`);
  }
  const free = freeIndices(of, wrt, info);
  const cell = isScalar(pCell) ? qCell : pCell;
  const form: Form = free.length > 0 ? 'index' : isScalar(cell) ? 'scalar' : 'matrix';
  const { assignments, sampled } = enumerate(free);
  const at = (ix: Idx, assign: Assignment): number => (ix.kind === 'lit' ? ix.value : assign[ix.name]!);
  const element = (assign: Assignment, r: number, c: number): Element => {
    let q: number | undefined;
    if (of.base !== 'C') q = of.indices.length ? at(of.indices[0]!, assign) : isScalar(qCell) ? 1 : r;
    const p: [number, number] = wrt.indices.length
      ? [at(wrt.indices[0]!, assign), wrt.indices[1] ? at(wrt.indices[1], assign) : 1]
      : isScalar(pCell) ? [1, 1] : [r, c];
    return q === undefined ? { p } : { q, p };
  };
  return { info, of, wrt, update, free, cell, form, assignments, sampled, element };
}

/** Every assignment of the free indices, or a seeded sample of them when there are too many. */
function enumerate(free: readonly FreeIndex[]): { assignments: Assignment[]; sampled: boolean } {
  const total = free.reduce((n, f) => n * f.range, 1);
  const build = (k: number): Assignment => {
    const out: Record<string, number> = {};
    for (const f of [...free].reverse()) { out[f.name] = (k % f.range) + 1; k = Math.floor(k / f.range); }
    return out;
  };
  if (total <= MAX_ASSIGNMENTS) return { assignments: Array.from({ length: total }, (_, k) => build(k)), sampled: false };
  const rand = seededRandom(7);
  const picks = new Set([0, total - 1]);
  while (picks.size < MAX_ASSIGNMENTS) picks.add(Math.floor(rand() * total));
  return { assignments: [...picks].sort((a, b) => a - b).map(build), sampled: true };
}
