// What differs, found by trying the usual fixes one at a time and keeping those
// that make the formula right at the random points: a constant factor (the 2
// of the squared loss), a missing σ', a missing or extra transpose, swapped
// indices, a layer off by one, an extra factor.
import { bin, callOf, ivar, nodesOf, num, ref, replaceNode, transposeOf, type FNode, type Idx } from './ast.ts';
import type { NetInfo } from './context.ts';
import { interpret } from './interp.ts';
import { numericAlgebra } from './algebra.ts';
import type { PointState } from './points.ts';
import { printMathjs, type PrintStyle } from './print.ts';
import type { Task } from './task.ts';
import type { Truth } from './truth.ts';
import { compareAtPoints, shapeMismatch } from './compare.ts';

export interface HintContext {
  readonly tree: FNode;
  readonly task: Task;
  readonly truth: Truth;
  readonly points: readonly PointState[];
  readonly deadline: number;
  readonly info: NetInfo;
  readonly style: PrintStyle;
}

/** `kind` groups candidates that say the same thing (σ' of layer 1 left out, wherever it is put back). */
interface Candidate { readonly tree: FNode; readonly message: string; readonly kind: string }

const MAX_CANDIDATES = 400;
const MAX_HINTS = 3;

export function findHints(ctx: HintContext): string[] {
  const out: string[] = [];
  const factor = constantFactor(ctx);
  if (factor) out.push(factor);
  const seen = new Set<string>();
  let tried = 0;
  for (const c of candidates(ctx)) {
    if (out.length >= MAX_HINTS || tried++ >= MAX_CANDIDATES || Date.now() > ctx.deadline) break;
    if (seen.has(c.kind)) continue;
    if (shapeMismatch(c.tree, ctx.task)) continue;
    // A quick look at three points, then all of them.
    if (compareAtPoints(c.tree, ctx.task, ctx.truth, ctx.points, 3)) continue;
    if (compareAtPoints(c.tree, ctx.task, ctx.truth, ctx.points)) continue;
    seen.add(c.kind);
    if (!factor || c.kind !== 'factor 2') out.push(c.message);
  }
  return out;
}

/** The formula is c times the right value everywhere (for an update: its step is c times the gradient step). */
function constantFactor(ctx: HintContext): string | undefined {
  const { task, truth, points, tree } = ctx;
  if (shapeMismatch(tree, task)) return undefined;
  let ratio: number | undefined;
  for (const p of points.slice(0, 8)) {
    const alg = numericAlgebra(p, task.info);
    for (const assign of task.assignments.slice(0, 12)) {
      const v = interpret(tree, alg, task.info, assign);
      for (let r = 1; r <= v.rows; r++) {
        for (let c = 1; c <= v.cols; c++) {
          const e = task.element(assign, r, c);
          let f = v.data[(r - 1) * v.cols + (c - 1)]!;
          let t = truth.numeric(p, e);
          if (task.update) {
            // Compare the steps: (P − formula)/R against the gradient.
            const P = task.wrt.base === 'W' ? (p.named[`W${task.wrt.layer}`] as number[][])[e.p[0] - 1]![e.p[1] - 1]! : (p.named[`b${task.wrt.layer}`] as number[])[e.p[0] - 1]!;
            f = (P - f) / p.rate;
            t = (P - t) / p.rate;
          }
          if (!Number.isFinite(f) || !Number.isFinite(t)) return undefined;
          if (Math.abs(t) < 1e-9) {
            if (Math.abs(f) > 1e-9) return undefined;
            continue;
          }
          const q = f / t;
          if (ratio === undefined) ratio = q;
          else if (Math.abs(q - ratio) > 1e-7 * Math.max(1, Math.abs(ratio))) return undefined;
        }
      }
    }
  }
  if (ratio === undefined || Math.abs(ratio - 1) < 1e-7) return undefined;
  const what = task.update ? 'the step (formula − current value)/rate' : 'the formula';
  const near = (x: number): boolean => Math.abs(ratio! - x) < 1e-7 * Math.max(1, Math.abs(x));
  if (near(0.5)) return `${what} is half the right value: a factor 2 is missing (the derivative of the square in the loss gives 2(a − y))`;
  if (near(2)) return `${what} is twice the right value: an extra factor 2`;
  if (near(-1)) return `${what} has the wrong sign`;
  if (near(0)) return `${what} is 0 where the right value is not`;
  return `${what} is ${Number(ratio.toPrecision(6))} times the right value: a constant factor differs`;
}

function* candidates(ctx: HintContext): Generator<Candidate> {
  const { tree, task, info, style } = ctx;
  const show = (n: FNode): string => printMathjs(n, style);
  const nodes = nodesOf(tree);
  const replace = (target: FNode, by: FNode): FNode => replaceNode(tree, target, by);

  // σ' left out: multiply one subexpression by σ'(z^(l)).
  for (let l = 1; l <= info.L; l++) {
    const kind = info.activation(l).kind;
    if (kind === 'identity' || kind === 'softmax') continue;
    const zs = sigmaPrimeArgs(task, info, l);
    for (const n of nodes) {
      for (const z of zs) {
        const fixed = bin(task.form === 'matrix' ? '.*' : '*', n, callOf('dsigma', [z], n.pos, l), n.pos);
        yield { tree: replace(n, fixed), message: `σ'(z${l}) is left out: ${show(n)} should be ${show(fixed)}`, kind: `dsigma${l}` };
      }
    }
  }
  // A transpose left out, or one too many.
  for (const n of nodes) {
    if (n.kind === 'transpose') yield { tree: replace(n, n.arg), message: `an extra transpose: ${show(n)} should be ${show(n.arg)}`, kind: 'transpose' };
    else if (n.kind === 'ref' || n.kind === 'bin') yield { tree: replace(n, transposeOf(n)), message: `a transpose is left out: ${show(n)} should be ${show(transposeOf(n))}`, kind: 'transpose' };
  }
  // Indices swapped: everywhere, or in one name.
  const free = task.free.map((f) => f.name);
  for (let a = 0; a < free.length; a++) {
    for (let b = a + 1; b < free.length; b++) {
      const [x, y] = [free[a]!, free[b]!];
      yield { tree: renameIndices(tree, new Map([[x, y], [y, x]])), message: `indices ${x} and ${y} are swapped`, kind: 'swap' };
    }
  }
  for (const n of nodes) {
    if (n.kind === 'ref' && n.indices.length === 2) {
      const swapped = { ...n, indices: [n.indices[1]!, n.indices[0]!] };
      yield { tree: replace(n, swapped), message: `the indices of ${show(n)} are swapped: ${show(swapped)}`, kind: 'swap' };
    }
  }
  // A layer off by one, or a for z.
  for (const n of nodes) {
    if (n.kind !== 'ref' || n.layer === undefined) continue;
    for (const l of [n.layer - 1, n.layer + 1]) {
      const min = n.base === 'a' ? 0 : 1;
      if (l < min || l > info.L || (n.base === 'b' && !info.hasBias(l))) continue;
      const moved = ref(n.base, l, n.indices, n.spelled, n.pos);
      yield { tree: replace(n, moved), message: `${show(n)} should be ${show(moved)} (a layer off by one)`, kind: 'layer' };
    }
    if ((n.base === 'a' || n.base === 'z') && n.layer > 0) {
      const other = ref(n.base === 'a' ? 'z' : 'a', n.layer, n.indices, n.spelled, n.pos);
      yield { tree: replace(n, other), message: `${show(n)} should be ${show(other)}`, kind: 'layer' };
    }
  }
  // A weight left out of the chain rule: W^(l) (one unit) or W^(l)ᵀ times the rest.
  for (let l = 2; l <= info.L; l++) {
    const W = ref('W', l, [], `W${l}`);
    const scalar = info.units(l) === 1 && info.units(l - 1) === 1;
    for (const n of nodes) {
      if (n.kind !== 'bin' && n.kind !== 'ref') continue;
      const fixed = scalar ? bin('*', n, W) : bin('*', transposeOf(W), n);
      yield { tree: replace(n, fixed), message: `a factor ${show(scalar ? W : transposeOf(W))} is left out (the chain rule through layer ${l}): ${show(n)} should be ${show(fixed)}`, kind: `weight${l}` };
    }
  }
  // A factor 2 left out inside (an update rule, a product), or one too many.
  for (const n of nodes) {
    if (n.kind !== 'bin' && n.kind !== 'ref') continue;
    yield { tree: replace(n, bin('*', num(2), n)), message: `a factor 2 is left out: ${show(n)} should be ${show(bin('*', num(2), n))}`, kind: 'factor 2' };
    if (n.kind === 'bin' && n.op === '*' && n.left.kind === 'num' && n.left.value === 2) yield { tree: replace(n, n.right), message: `an extra factor 2 in ${show(n)}`, kind: 'factor 2' };
  }
  // An extra factor.
  for (const n of nodes) {
    if (n.kind !== 'bin' || (n.op !== '*' && n.op !== '.*')) continue;
    yield { tree: replace(n, n.left), message: `an extra factor ${show(n.right)} in ${show(n)}`, kind: 'extra' };
    yield { tree: replace(n, n.right), message: `an extra factor ${show(n.left)} in ${show(n)}`, kind: 'extra' };
  }
}

/** The arguments σ'(z^(l)) can take here: the whole vector (matrix form) or one element per fitting index. */
function sigmaPrimeArgs(task: Task, info: NetInfo, l: number): FNode[] {
  const units = info.units(l);
  if (task.form === 'matrix') return [ref('z', l, [], `z${l}`)];
  const out: FNode[] = [];
  if (units === 1) out.push(ref('z', l, [], `z${l}`));
  for (const f of task.free) if (f.range === units) out.push(ref('z', l, [ivar(f.name)], `z${l}`));
  return out;
}

function renameIndices(tree: FNode, swap: ReadonlyMap<string, string>): FNode {
  const re = (ix: Idx): Idx => (ix.kind === 'var' && swap.has(ix.name) ? ivar(swap.get(ix.name)!, ix.pos) : ix);
  const go = (n: FNode): FNode => {
    switch (n.kind) {
      case 'ref': return { ...n, indices: n.indices.map(re) };
      case 'num': return n;
      case 'neg': return { ...n, arg: go(n.arg) };
      case 'transpose': return { ...n, arg: go(n.arg) };
      case 'bin': return { ...n, left: go(n.left), right: go(n.right) };
      case 'call': return { ...n, args: n.args.map(go) };
      case 'sum': return { ...n, body: go(n.body) };
      case 'matrix': return { ...n, rows: n.rows.map((r) => r.map(go)) };
    }
  };
  return go(tree);
}

