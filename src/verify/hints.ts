// What differs, found by trying the usual fixes one at a time and keeping those
// that make the formula right at the random points: a constant factor (the 2
// of the squared loss, the 1/n of mse), an activation derivative that is not
// the layer's (named: σ(1 + σ), 1 − tanh, the sigmoid's on a tanh layer), a
// missing σ', a σ' too many (softmax and cross-entropy), a missing or extra
// transpose, swapped indices, a layer off by one (δ from the wrong layer's
// W), a weight left out, an extra factor.
import { bin, callOf, ivar, nodesOf, num, ref, replaceNode, transposeOf, type FNode, type Idx } from './ast.ts';
import type { NetInfo } from './context.ts';
import { interpret } from './interp.ts';
import { activationOf, numericAlgebra } from './algebra.ts';
import { exprToNode } from './expected.ts';
import type { PointState } from './points.ts';
import { printMathjs, type PrintStyle } from './print.ts';
import type { Task } from './task.ts';
import type { Truth } from './truth.ts';
import { firstMismatch, shapeMismatch } from './compare.ts';
import { ShapeError } from './errors.ts';
import { shapeOf } from './shape.ts';

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
interface Candidate { readonly tree: FNode; readonly message: string | (() => string); readonly kind: string }

const MAX_CANDIDATES = 600;
const MAX_HINTS = 3;

export function findHints(ctx: HintContext): string[] {
  const out: string[] = [];
  const factor = constantFactor(ctx);
  if (factor) out.push(factor);
  const seen = new Set<string>();
  // The same fix found by two searches (an extra σ′ is also an extra factor) is said once.
  const fixes = new Set<string>();
  let tried = 0;
  for (const c of candidates(ctx)) {
    if (out.length >= MAX_HINTS || tried++ >= MAX_CANDIDATES || Date.now() > ctx.deadline) break;
    if (seen.has(c.kind)) continue;
    const fix = printMathjs(c.tree);
    if (fixes.has(fix)) continue;
    if (shapeMismatch(c.tree, ctx.task)) continue;
    // A quick look at three points, then all of them.
    if (firstMismatch(c.tree, ctx.task, ctx.truth, ctx.points, 3)) continue;
    if (firstMismatch(c.tree, ctx.task, ctx.truth, ctx.points)) continue;
    seen.add(c.kind);
    fixes.add(fix);
    if (!factor || c.kind !== 'factor 2') out.push(typeof c.message === 'string' ? c.message : c.message());
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
  const { loss } = task.info.network;
  const n = task.info.units(task.info.L);
  // mse is a mean: its 1/n is what is most often left out, and 2 outputs make it look like a stray 2.
  if (loss === 'mse' && n > 1 && near(n)) return `${what} is ${n} times the right value: the 1/n of the mean is left out (mse = (1/n) Σ (a − y)², the mean over the n = ${n} outputs, so ∇_a C = (2/n)(a − y))`;
  if (loss === 'mse' && n > 1 && near(n / 2)) return `${what} is ${n / 2} times the right value: the mean's 1/n is left out and the 2 of the square too (mse = (1/n) Σ (a − y)² gives (2/n)(a − y))`;
  const squared = loss === 'squared' || loss === 'mse';
  if (near(0.5)) return `${what} is half the right value: a factor 2 is missing${squared ? ' (the derivative of the square in the loss gives 2(a − y))' : ''}`;
  if (near(2)) return `${what} is twice the right value: an extra factor 2${loss === 'half-squared' ? ' (the loss is ½ Σ (a − y)², whose derivative is a − y)' : ''}`;
  if (near(-1)) return `${what} has the wrong sign`;
  if (near(0)) return `${what} is 0 where the right value is not`;
  // Off by a rounding: 0.66667 for 2/3.
  if (Math.abs(ratio - 1) < 1e-2) return `${what} is ${Number(ratio.toPrecision(8))} times the right value: a number written rounded? (write fractions exactly, as 2/3)`;
  return `${what} is ${Number(ratio.toPrecision(6))} times the right value: a constant factor differs`;
}

// ---- Sub-products: a ⊙ b ⊙ c holds a ⊙ c, which is no node of the tree. ----

/** A part of the formula that can be replaced or removed: a node, or some factors of a product chain. */
interface Part {
  readonly node: FNode;
  /** The tree with the part replaced (`by`), or removed (`by` undefined; only for factors of a chain). */
  with(by: FNode | undefined): FNode | undefined;
}

function flatten(n: FNode, op: string): FNode[] {
  return n.kind === 'bin' && n.op === op ? [...flatten(n.left, op), ...flatten(n.right, op)] : [n];
}

const product = (factors: readonly FNode[], op: '*' | '.*'): FNode => factors.reduce((a, b) => bin(op, a, b));

/** Every node, and every set of one to `most` factors of each product chain. */
function parts(tree: FNode, most: number): Part[] {
  const out: Part[] = nodesOf(tree).map((n) => ({ node: n, with: (by) => (by ? replaceNode(tree, n, by) : undefined) }));
  for (const n of nodesOf(tree)) {
    if (n.kind !== 'bin' || (n.op !== '*' && n.op !== '.*')) continue;
    const op = n.op;
    const factors = flatten(n, op);
    if (factors.length < 2 || factors.length > 10) continue;
    const choose = (from: number, picked: number[]): void => {
      if (picked.length > 0 && picked.length < factors.length) {
        const rest = factors.filter((_, k) => !picked.includes(k));
        out.push({
          node: product(picked.map((k) => factors[k]!), op),
          // replaced where its first factor stood, or removed
          with: (by) => replaceNode(tree, n, product(by ? [...rest.slice(0, picked[0]), by, ...rest.slice(picked[0])] : rest, op)),
        });
      }
      if (picked.length === most) return;
      for (let k = from; k < factors.length; k++) choose(k + 1, [...picked, k]);
    };
    choose(0, []);
  }
  return out;
}

// ---- What an activation derivative is, by its values. ----

const sig = (z: number): number => 1 / (1 + Math.exp(-z));

/** Functions people write for σ′: the right one of each activation, and the usual slips. */
const DERIVATIVE_FORMS: readonly { readonly is: string; readonly of?: string; readonly f: (z: number, a: number) => number }[] = [
  { is: "the sigmoid's derivative σ(1 − σ)", of: 'sigmoid', f: (z) => sig(z) * (1 - sig(z)) },
  { is: "tanh's derivative 1 − tanh²", of: 'tanh', f: (z) => 1 - Math.tanh(z) ** 2 },
  { is: "relu's derivative (a step)", of: 'relu', f: (z) => (z > 0 ? 1 : 0) },
  // Before softplus′ = σ: σ(z) on a sigmoid layer is the activation itself.
  { is: 'the activation itself, not its derivative', f: (_z, a) => a },
  { is: "softplus's derivative σ", of: 'softplus', f: sig },
  { is: "the identity's derivative 1", of: 'identity', f: () => 1 },
  { is: 'σ(1 + σ), with a plus where the derivative has a minus', f: (z) => sig(z) * (1 + sig(z)) },
  { is: '1 − tanh without the square', f: (z) => 1 - Math.tanh(z) },
  { is: '1 − σ without the factor σ', f: (z) => 1 - sig(z) },
  { is: "a(1 − a), the sigmoid's derivative σ(1 − σ) written in the output", of: 'sigmoid', f: (_z, a) => a * (1 - a) },
];

const DERIVATIVE_OF: Readonly<Record<string, string>> = {
  sigmoid: "σ′ = σ(1 − σ)", tanh: "tanh′ = 1 − tanh²", relu: 'relu′ = step, 1 where z > 0', softplus: 'softplus′ = σ', 'leaky-relu': 'its slope, 1 or α', formula: "the CAS's derivative of its formula",
};

/** Which of DERIVATIVE_FORMS `part` computes at z (layer l), by value at a few points; undefined when none. */
function whatDerivative(ctx: HintContext, part: FNode, z: FNode, l: number, includeOwn = false): (typeof DERIVATIVE_FORMS)[number] | undefined {
  const { task } = ctx;
  const a: FNode = z.kind === 'ref' ? ref('a', l, z.indices, `a${l}`) : callOf('sigma', [z], 0, l);
  // a part of a formula whose shapes do not fit has no values to compare
  try { shapeOf(part, task); } catch (err) { if (err instanceof ShapeError) return undefined; throw err; }
  const samples: [number, number, number][] = [];
  for (const p of ctx.points.slice(0, 3)) {
    const alg = numericAlgebra(p, task.info);
    for (const assign of task.assignments.slice(0, 4)) {
      const [pv, zv, av] = [part, z, a].map((n) => interpret(n, alg, task.info, assign).data);
      if (pv!.length !== zv!.length) return undefined;
      pv!.forEach((v, k) => samples.push([v, zv![k]!, av![k]!]));
    }
  }
  const own = task.info.activation(l).kind;
  const form = DERIVATIVE_FORMS.find((d) => (includeOwn || d.of !== own) && samples.every(([v, zz, aa]) => Math.abs(v - d.f(zz, aa)) <= 1e-9 * Math.max(1, Math.abs(v))));
  return form;
}

/** The layer's derivative as one writes it: in the output when it can be (a .* (1 - a), 1 - a.^2), else σ′ (printed as relu's step, …). */
function rightDerivative(info: NetInfo, l: number, z: FNode, elementwise: boolean): FNode {
  const fromOutput = activationOf(info, l).fromOutput;
  if (!fromOutput || z.kind !== 'ref') return callOf('dsigma', [z], 0, l);
  return exprToNode(fromOutput, (s) => (s.base === 'v' ? { node: ref('a', l, z.indices, `a${l}`), matrix: elementwise } : undefined), elementwise);
}

function* candidates(ctx: HintContext): Generator<Candidate> {
  const { tree, task, info, style } = ctx;
  const show = (n: FNode): string => printMathjs(n, style);
  const nodes = nodesOf(tree);
  const replace = (target: FNode, by: FNode): FNode => replaceNode(tree, target, by);
  const elementwise = task.form === 'matrix' ? '.*' : '*';
  const pieces = parts(tree, 2);
  const { loss } = info.network;
  const L = info.L;
  const crossEntropy = loss === 'softmax-cross-entropy' || (loss === 'cross-entropy' && info.activation(L).kind === 'sigmoid');

  // An activation derivative that is not the layer's: which one it is, and the right one.
  for (let l = 1; l <= L; l++) {
    const kind = info.activation(l).kind;
    if (kind === 'identity' || kind === 'softmax') continue;
    for (const z of sigmaPrimeArgs(task, info, l)) {
      const right = rightDerivative(info, l, z, task.form === 'matrix');
      for (const part of pieces) {
        if (part.node.kind === 'num' || (part.node.kind === 'call' && part.node.fn === 'dsigma' && part.node.layer === l)) continue;
        const fixed = part.with(right);
        if (!fixed) continue;
        yield {
          tree: fixed,
          kind: `dact${l}`,
          message: () => {
            const form = whatDerivative(ctx, part.node, z, l);
            const use = `${show(right)} (${DERIVATIVE_OF[kind] ?? "the layer's derivative"})`;
            if (!form) return `${show(part.node)} should be the derivative of layer ${l}'s ${kind}, ${use}`;
            // another activation's derivative names the layer's; a slip in the layer's own is named by itself
            return form.of ? `${show(part.node)} is ${form.is}, but layer ${l} is ${kind}: use ${use}` : `${show(part.node)} is ${form.is}: use ${use}`;
          },
        };
      }
    }
  }
  // σ' left out: multiply one subexpression by σ'(z^(l)).
  for (let l = 1; l <= L; l++) {
    const kind = info.activation(l).kind;
    if (kind === 'identity' || kind === 'softmax') continue;
    for (const n of nodes) {
      for (const z of sigmaPrimeArgs(task, info, l)) {
        const fixed = bin(elementwise, n, callOf('dsigma', [z], n.pos, l), n.pos);
        yield { tree: replace(n, fixed), message: `σ'(z${l}) is left out: ${show(n)} should be ${show(fixed)}`, kind: `dsigma${l}` };
      }
    }
  }
  // A σ' too many: with cross-entropy on softmax (or sigmoid) the output's δ is a − y.
  if (crossEntropy) {
    for (const part of pieces) {
      const fixed = part.with(undefined);
      if (!fixed) continue;
      yield {
        tree: fixed,
        kind: 'extra dsigma',
        message: () => {
          const extra = show(part.node);
          const like = sigmaPrimeArgs(task, info, L).concat(task.form === 'matrix' ? [] : [ref('z', L, [], `z${L}`)]).some((z) => whatDerivative(ctx, part.node, z, L, true) !== undefined);
          const why = loss === 'softmax-cross-entropy' ? 'softmax with cross-entropy gives δ' : 'cross-entropy on a sigmoid output gives δ';
          return like
            ? `${extra} is a σ′ that does not belong: ${why}${L} = a${L} − y, the loss's 1/a already cancels the activation's derivative`
            : `an extra factor ${extra} (${why}${L} = a${L} − y)`;
        },
      };
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
  // A layer off by one, or a for z. δ^(l) from W^(l) instead of W^(l+1) is the usual one.
  const hasDelta = nodes.some((n) => n.kind === 'ref' && n.base === 'delta');
  for (const n of nodes) {
    if (n.kind !== 'ref' || n.layer === undefined) continue;
    for (const l of [n.layer - 1, n.layer + 1]) {
      const min = n.base === 'a' ? 0 : 1;
      if (l < min || l > L || (n.base === 'b' && !info.hasBias(l))) continue;
      const moved = ref(n.base, l, n.indices, n.spelled, n.pos);
      const wrongW = n.base === 'W' && l === n.layer + 1 && (hasDelta || task.wrt.layer < L);
      yield {
        tree: replace(n, moved),
        message: wrongW
          ? `${show(n)} should be ${show(moved)}: δ from the wrong layer's W — the error of layer ${n.layer} comes back through the weights it feeds, W${l}ᵀ δ${l} (a layer off by one)`
          : `${show(n)} should be ${show(moved)} (a layer off by one)`,
        kind: 'layer',
      };
    }
    if ((n.base === 'a' || n.base === 'z') && n.layer > 0) {
      const other = ref(n.base === 'a' ? 'z' : 'a', n.layer, n.indices, n.spelled, n.pos);
      yield { tree: replace(n, other), message: `${show(n)} should be ${show(other)}`, kind: 'layer' };
    }
  }
  // A weight left out of the chain rule: W^(l) (one unit) or W^(l)ᵀ times the rest.
  for (let l = 2; l <= L; l++) {
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
  // An extra factor (or two), wherever it stands in a product.
  for (const part of pieces) {
    const fixed = part.with(undefined);
    if (fixed) yield { tree: fixed, message: `an extra factor ${show(part.node)}`, kind: 'extra' };
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
