// deltagen verify for networks with nodes (the graph form): a hand-derived
// formula against the true gradient, computed numerically at seeded random
// points by graph-values.ts (its own forward and backward pass through time).
// A formula equal at every point is then compared with the derivation's right
// formula as a polynomial in the named quantities (see "The proof" below):
// "equivalent" when they are the same, else "numerically-equal". A formula
// that differs gets a counterexample, what differs (the usual mistakes tried
// as fixes) and the right formula, printed in both syntaxes from the
// derivation's gradient uses (deriveGraph(net).gradients).
//
// Names in a graph formula (T = the number of steps; without `sequence:` T = 1):
//   parameters   by layout name: W_h (one input), W_h_x, W_h_h (several inputs), b_h;
//                LaTeX W_{hh}, W_{hx}, W_{h,x}, W_{h_x}, W_{out}, b_h, b_{out}
//   node values  by node name: h, c, out (LaTeX a_{h} also reads as h); a concat's
//                value also as its parts stacked, [h[t-1]; x[t]] (LaTeX [h_{t-1}; x_t],
//                [h_{t-1}, x_t], \begin{bmatrix} h_{t-1} \\ x_t \end{bmatrix})
//   z_N          a dense node's pre-activation (LaTeX z_{h})
//   delta_N      δ_N = ∂C/∂z_N for a dense node, ∂C/∂N for any other node;
//                LaTeX \delta_N, \delta_{N}, \delta^{(N)}; plain delta / \delta (and z)
//                mean the network's one dense recurrent node (else its one dense node)
//   x, y         the input and the target; lambda / \lambda the l2 coefficient
// Steps (sequence models): mathjs h[t], h[t-1], delta_h[t], x[t], h[T], h[2];
//   LaTeX h_t, h_{t-1}, \delta_{h,t}, \delta_t, z_{h,t}, x_t, h_T. Values at a step
//   before the first (t = 0) or after the last are zero.
//   A sum over the steps t = 1..T: mathjs sum_t(…) or sum(…, t); LaTeX \sum_t,
//   \sum_{t}, \sum_{t=1}^{T}, whose term runs to the next + or − outside brackets.
//   Inside a sum a name written without a step is read at t; outside every sum a
//   name without a step, or with t, is read at the last step T (and said so).
// Operators: * (juxtaposition in LaTeX, \cdot, \times) is the matrix product,
//   except that two column vectors of one size juxtaposed multiply elementwise;
//   .* \odot \circ elementwise; ./ \oslash; / \frac; ^ a power (elementwise);
//   ' ^T ^\top ^{\mathsf{T}} transpose; functions exp log sqrt tanh sigmoid (\sigma)
//   relu softplus step diag, primes tanh' sigmoid' (dtanh, dsigmoid), f(z_N) and
//   f'(z_N) for node N's own activation and its derivative.
// --wrt: any parameter of the layout, or one element (W_h_h[j,k], b_h[j]).
// --of: C (default), or a node N or z_N (in a sequence model its value at the
//   last step T, through every step before it), or one element N[i]. Without
//   indices ∂N/∂P must be a matrix: P a bias (the Jacobian ∂N_i/∂b_j) or N of
//   size 1 (the shape of P); else name the indices (--of h[i] --wrt W_h[j,k]).
//   For --of N no right formula is printed and no proof is tried.
//
// Index form: --wrt W_h_h[j,k] (or b_h[j], W_h[1,2]) judges one element for every
//   value of the free indices; a formula then indexes names: W_h[j,k]; in a
//   network without time delta_h[j], x[k]; in a sequence model the step comes
//   first, delta_h[t][j], h[t-1][k]; LaTeX (\delta_{h,t})_j, (W_{hh})_{jk};
//   sum(…, i) / \sum_i over an index letter (its range from what it indexes).
// The proof: the formula and the derivation's right formula are expanded, per
//   element, into polynomials in the named quantities (each element of δ, node
//   values, z, parameters, x, y at each step a variable; values outside steps
//   1..T, and δs that receive nothing, zero; functions kept whole). The same
//   polynomial: "equivalent". Equal at the points but not the same polynomial
//   (δ written out by its recursion, say): "numerically-equal".
import { deriveGraph } from '../derive/graph.ts';
import { UserError } from '../errors.ts';
import { seededRandom } from '../check/random.ts';
import type { GraphNetwork } from '../spec/graph-types.ts';
import { close, type Counterexample } from './compare.ts';
import { shapeText, type Shape } from './context.ts';
import { splitEquation } from './equation.ts';
import { ShapeError, SyntaxProblem, asFormulaError } from './errors.ts';
import { Evaluator, indexRange, numericAlgebra, polyAlgebra, samePoly, TooLarge, type Mat, type Poly } from './graph-eval.ts';
import {
  children, gbin, gidx, gnum, gref, gsum, gT, mapTree, nodesOf, parseGraphLatex, parseGraphMathjs, printGraphLatex, printGraphMathjs,
  replaceNode, resolveSymbol, type GNode, type Idx, type Step,
} from './graph-formula.ts';
import { GraphNames, L2, RATE } from './graph-names.ts';
import { graphTangent, randomGraphPoints, roundedPoint, type GraphPoint, type Rows, type Vec } from './graph-values.ts';
import { DEFAULT_POINTS } from './points.ts';
import type { Assignment } from './task.ts';
import type { VerifyOptions, VerifyResult } from './verify.ts';

type Flag = '--formula' | '--latex';

const DEFAULT_TIME_LIMIT_MS = 5000;
const MAX_ASSIGNMENTS = 200;
/** Most formula elements the proof expands. */
const MAX_PROOF_ELEMENTS = 400;

interface FreeIndex { readonly name: string; readonly range: number }

/** What is differentiated with respect to what, in which form, with the true value of one cell at a point. */
interface Target {
  readonly of: string;
  readonly wrt: string;
  /** --wrt as written back: W_h_h or W_h_h[j,k]. */
  readonly wrtText: string;
  /** The parameter's indices, in index form. */
  readonly index?: readonly Idx[];
  readonly free: readonly FreeIndex[];
  /** The shape of the formula's value for one assignment of the free indices. */
  readonly cell: Shape;
  readonly assignments: readonly Assignment[];
  readonly sampled: boolean;
  /** Said with the verdict: how --of was read. */
  readonly note?: string;
  truth(p: GraphPoint, at: Assignment): Mat<number>;
}

export function verifyGraph(net: GraphNetwork, options: VerifyOptions): VerifyResult {
  const started = Date.now();
  const deadline = started + (options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS);
  if ((options.formula === undefined) === (options.latex === undefined)) throw new UserError('give the formula with exactly one of --formula or --latex');
  const flag: Flag = options.formula !== undefined ? '--formula' : '--latex';
  const text = (options.formula ?? options.latex)!;
  const update = options.update ?? false;
  // --update: the formula is the parameter after one SGD step, P − R·∂C/∂P, with the rate R (or eta) a
  // symbol; the numbers compared take R = UPDATE_RATE, and the proof keeps R a symbol.
  const names = new GraphNames(net, update ? UPDATE_RATE : undefined);
  const gradient = makeTarget(net, names, options.wrt, options.of);
  if (update && gradient.of !== 'C') throw new UserError('--update: the update of a parameter follows ∂C/∂P; leave --of out');
  const target = update ? updateTarget(gradient, names) : gradient;
  const notes: string[] = target.note ? [target.note] : [];

  const tree = asFormulaError(flag, text, () => {
    const eq = splitEquation(text);
    if (eq.lhsIsUpdate && !update) throw new SyntaxProblem('the left-hand side is the next iterate, as in W(k+1): add --update', 0);
    if (eq.rhs.trim() === '') throw new SyntaxProblem('the formula is empty', eq.offset);
    if (eq.lhs !== undefined && !(update && eq.lhsIsUpdate)) notes.push(`the left-hand side "${eq.lhs.trim()}" was read as a label and not checked`);
    const t = flag === '--latex' ? parseGraphLatex(eq.rhs, names, eq.offset) : parseGraphMathjs(eq.rhs, names, eq.offset);
    checkTree(t, names, target, notes);
    return t;
  });
  if (update && !nodesOf(tree).some((n) => n.kind === 'ref' && n.name === RATE)) {
    throw new UserError(`--update: the formula does not use the rate; write it as R or eta (${flag === '--latex' ? '\\eta' : 'eta'}), as in ${gradient.wrt} - R * (…)`);
  }

  const count = Math.max(DEFAULT_POINTS, options.points ?? DEFAULT_POINTS);
  const points = randomGraphPoints(net, count, options.seed ?? 1);
  const judge = new Judge(names, target);
  const show = (n: GNode): string => (flag === '--latex' ? printGraphLatex(n) : printGraphMathjs(n));
  if (target.sampled) notes.push(`${target.assignments.length} of the index values are checked (a seeded sample)`);

  const base = {
    form: (target.free.length ? 'index' : target.cell.rows === 1 && target.cell.cols === 1 ? 'scalar' : 'matrix') as VerifyResult['form'],
    of: target.of,
    wrt: target.wrtText,
    update,
    read: { formula: printGraphMathjs(tree), latex: printGraphLatex(tree) },
    points: points.length,
    elements: target.assignments.length * target.cell.rows * target.cell.cols,
  };
  let right: Expected | undefined | null = null;
  const rightFormula = (): Expected | undefined => {
    if (right === null) {
      try {
        const grad = expectedTree(net, names, gradient);
        right = grad && update ? { ...grad, tree: gbin('-', currentValue(gradient), gbin('*', gref(RATE), grad.tree)) } : grad;
      } catch (err) {
        if (err instanceof UserError) throw err;
        notes.push(`no printed form of the right formula: ${(err as Error).message}`);
        right = undefined;
      }
    }
    return right;
  };
  const expected = (): VerifyResult['expected'] => {
    const e = rightFormula();
    if (!e) return null;
    if (e.lambda) notes.push(`λ = ${names.l2} (regularization: l2)`);
    return { formula: printGraphMathjs(e.tree), latex: printGraphLatex(e.tree) };
  };
  // An update written P − R·G: the hints look at G against the gradient (what differs is said of the gradient part).
  const gradientPart = update ? gradientOfUpdate(tree, gradient) : tree;
  const hintsFor = (): string[] => (gradientPart === undefined ? []
    : findGraphHints(gradientPart, { judge: update ? new Judge(names, gradient) : judge, target: gradient, points, deadline, names, show, expected: () => expectedTree(net, names, gradient) }));

  const shapes = judge.shapeProblem(tree, points[0]!);
  notes.push(...judge.takeNotes());
  if (shapes) {
    return { verdict: 'different', ...base, counterexample: null, shapes, expected: expected(), differs: hintsFor(), proof: 'not attempted: the shapes do not fit', notes };
  }
  const mismatch = judge.firstMismatch(tree, points);
  if (mismatch) {
    const counterexample = describeMismatch(net, judge, tree, target, mismatch, names.rate);
    return { verdict: 'different', ...base, counterexample, expected: expected(), differs: hintsFor(), proof: 'not attempted: the values differ', notes };
  }
  const proof = prove(tree, rightFormula(), names, target, deadline);
  return { verdict: proof.proved ? 'equivalent' : 'numerically-equal', ...base, counterexample: null, expected: expected(), differs: [], proof: proof.detail, notes };
}


/** The rate the numbers of an update are compared at (a symbol R in the proof). */
const UPDATE_RATE = 0.37;

/** The parameter --wrt names, as a tree: P, or its element P[j,k]. */
function currentValue(t: Target): GNode {
  return t.index ? gidx(t.wrt, undefined, t.index) : gref(t.wrt);
}

/** The target of an update: P − R·∂C/∂P at each point (R = UPDATE_RATE). */
function updateTarget(g: Target, names: GraphNames): Target {
  const current = currentValue(g);
  return {
    ...g,
    wrtText: g.wrtText,
    truth: (p, at) => {
      const grad = g.truth(p, at);
      const ev = new Evaluator(names, numericAlgebra(names, p));
      const value = ev.eval(current, { idx: at });
      return { ...grad, data: grad.data.map((d, i) => value.data[i]! - UPDATE_RATE * d) };
    },
  };
}

/** G when the update is written P − R·G (or P − G·R), else undefined. */
function gradientOfUpdate(tree: GNode, g: Target): GNode | undefined {
  if (tree.kind !== 'bin' || tree.op !== '-') return undefined;
  const same = (n: GNode): boolean => n.kind === 'ref' && n.name === g.wrt && !n.step;
  if (!same(tree.left)) return undefined;
  // The factors of the product, in order (R δ_T h_{T−1}ᵀ reads as (R δ_T) h_{T−1}ᵀ); R is a scalar, so taking it out keeps the rest.
  const factors = (n: GNode): GNode[] => (n.kind === 'bin' && n.op === '*' ? [...factors(n.left), ...factors(n.right)] : [n]);
  const all = factors(tree.right);
  const rates = all.filter((n) => n.kind === 'ref' && n.name === RATE);
  if (rates.length !== 1 || all.length < 2) return undefined;
  return all.filter((n) => n !== rates[0]).reduce((a, b) => gbin('*', a, b));
}

// ---------------------------------------------------------------- the target
// ---------------------------------------------------------------- the target

function makeTarget(net: GraphNetwork, names: GraphNames, wrtText: string, ofText: string | undefined): Target {
  const paramList = [...names.params.keys()].join(', ');
  const m = /^\s*([^[\]]+?)\s*(?:\[([^\]]*)\])?\s*$/.exec(wrtText);
  const wrt = m ? readName(m[1]!, names) : undefined;
  if (!wrt || !names.isParam(wrt)) throw new UserError(`--wrt "${wrtText}": expected a parameter of ${net.name}: ${paramList} (or one element, as in ${[...names.params.keys()][0]}[j,k])`);
  const p = names.params.get(wrt)!;
  let index: Idx[] | undefined;
  if (m![2] !== undefined) {
    const parts = m![2].split(',').map((x) => x.trim());
    const want = p.kind === 'W' ? 2 : 1;
    if (parts.length !== want) throw new UserError(`--wrt "${wrtText}": ${wrt} takes ${want} ind${want === 1 ? 'ex' : 'ices'}`);
    index = parts.map((x, d) => {
      const dim = d === 0 ? p.rows : p.cols;
      if (/^\d+$/.test(x)) {
        const v = Number(x);
        if (v < 1 || v > dim) throw new UserError(`--wrt "${wrtText}": index ${v} is out of range 1..${dim}`);
        return { kind: 'lit', value: v } as Idx;
      }
      if (!/^[a-su-z]$/.test(x)) throw new UserError(`--wrt "${wrtText}": an index is a number or one letter other than t`);
      return { kind: 'var', name: x } as Idx;
    });
    const letters = index.flatMap((i) => (i.kind === 'var' ? [i.name] : []));
    if (new Set(letters).size !== letters.length) throw new UserError(`--wrt "${wrtText}": use two different index letters`);
  }
  const free: FreeIndex[] = (index ?? []).flatMap((ix, d) => (ix.kind === 'var' ? [{ name: ix.name, range: d === 0 ? p.rows : p.cols }] : []));
  const { assignments, sampled } = enumerate(free);
  const pick = (at: Assignment): [number, number] => {
    const v = (ix: Idx): number => (ix.kind === 'lit' ? ix.value : at[ix.name]!);
    return [v(index![0]!) - 1, index![1] ? v(index![1]) - 1 : 0];
  };
  const wrtShown = index ? `${wrt}[${index.map((i) => (i.kind === 'lit' ? i.value : i.name)).join(',')}]` : wrt;
  if (ofText === undefined || ofText.trim() === 'C') {
    const cell = index ? { rows: 1, cols: 1 } : { rows: p.rows, cols: p.cols };
    return {
      of: 'C', wrt, wrtText: wrtShown, ...(index ? { index } : {}), free, cell, assignments, sampled,
      truth: (pt, at) => {
        const g = pt.grad.get(wrt)!;
        if (!index) return { rows: p.rows, cols: p.cols, data: g.flat() };
        const [r, c] = pick(at);
        return { rows: 1, cols: 1, data: [g[r]![c]!] };
      },
    };
  }
  const ofChoices = `C, or a node or pre-activation: ${[...names.nodes.keys()].join(', ')}, ${[...names.nodes.values()].filter((n) => n.kind === 'dense').map((n) => `z_${n.name}`).join(', ')} (one element: ${[...names.nodes.keys()][0]}[i])`;
  const om = /^\s*([^[\]]+?)\s*(?:\[\s*([^\]]*?)\s*\])?\s*$/.exec(ofText);
  const ofName = om ? readName(om[1]!, names) : undefined;
  if (!ofName || names.isParam(ofName) || ofName === 'x' || ofName === 'y' || ofName === L2 || ofName.startsWith('delta_')) throw new UserError(`--of "${ofText}": expected ${ofChoices}`);
  const size = names.shapeOf(ofName)!.rows;
  let ofIndex: Idx | undefined;
  if (om![2] !== undefined) {
    const x = om![2];
    if (/^\d+$/.test(x)) {
      if (Number(x) < 1 || Number(x) > size) throw new UserError(`--of "${ofText}": index ${x} is out of range 1..${size}`);
      ofIndex = { kind: 'lit', value: Number(x) };
    } else if (/^[a-su-z]$/.test(x)) ofIndex = { kind: 'var', name: x };
    else throw new UserError(`--of "${ofText}": one index, a number or one letter other than t`);
  }
  const allFree = [...free];
  if (ofIndex?.kind === 'var') {
    const seen = allFree.find((f) => f.name === ofIndex.name);
    if (seen && seen.range !== size) throw new UserError(`index ${ofIndex.name} runs over ${seen.range} values in --wrt and ${size} in --of`);
    if (!seen) allFree.push({ name: ofIndex.name, range: size });
  }
  const ofShown = ofIndex ? `${ofName}[${ofIndex.kind === 'lit' ? ofIndex.value : ofIndex.name}]` : ofName;
  if (!ofIndex && !index && p.kind === 'W' && size !== 1) {
    throw new UserError(`∂${ofName}/∂${wrt} has one index per element of each: name them, as in --of ${ofName}[i] --wrt ${wrt}[j,k]`);
  }
  const T = names.T;
  // ∂N_T/∂P_rc for every element of N: one forward-mode pass per parameter element, kept per point.
  const cache = new WeakMap<GraphPoint, Map<number, Vec>>();
  const dN = (pt: GraphPoint, r: number, c: number): Vec => {
    let m = cache.get(pt);
    if (!m) cache.set(pt, (m = new Map()));
    const k = r * p.cols + c;
    let hit = m.get(k);
    if (!hit) {
      const d: Rows = Array.from({ length: p.rows }, (_, i) => Array.from({ length: p.cols }, (_, j) => (i === r && j === c ? 1 : 0)));
      hit = graphTangent(net, pt, new Map([[wrt, d]])).get(ofName)![T - 1]!;
      m.set(k, hit);
    }
    return hit;
  };
  const { assignments: ofAssignments, sampled: ofSampled } = enumerate(allFree);
  const base = { of: ofShown, wrt, wrtText: wrtShown, ...(index ? { index } : {}), free: allFree, assignments: ofAssignments, sampled: ofSampled,
    ...(names.sequence ? { note: `∂${ofName}/∂${wrt} is the derivative of ${ofName} at the last step (T = ${T}), through every step before it` } : {}) };
  const at1 = (at: Assignment): number => (ofIndex!.kind === 'lit' ? ofIndex!.value : at[ofIndex!.name]!) - 1;
  if (index && ofIndex) return { ...base, cell: { rows: 1, cols: 1 }, truth: (pt, at) => { const [r, c] = pick(at); return { rows: 1, cols: 1, data: [dN(pt, r, c)[at1(at)]!] }; } };
  if (index) return { ...base, cell: { rows: size, cols: 1 }, truth: (pt, at) => { const [r, c] = pick(at); return { rows: size, cols: 1, data: [...dN(pt, r, c)] }; } };
  const whole = (i: (at: Assignment) => number) => (pt: GraphPoint, at: Assignment): Mat<number> => {
    const data: number[] = [];
    for (let r = 0; r < p.rows; r++) for (let c = 0; c < p.cols; c++) data.push(dN(pt, r, c)[i(at)]!);
    return { rows: p.rows, cols: p.cols, data };
  };
  if (ofIndex) return { ...base, cell: { rows: p.rows, cols: p.cols }, truth: whole(at1) };
  if (size === 1) return { ...base, cell: { rows: p.rows, cols: p.cols }, truth: whole(() => 0) };
  // A bias: the Jacobian ∂N_i/∂b_j.
  return {
    ...base, cell: { rows: size, cols: p.rows },
    truth: (pt) => {
      const data = new Array<number>(size * p.rows).fill(0);
      for (let j = 0; j < p.rows; j++) dN(pt, j, 0).forEach((v, i) => { data[i * p.rows + j] = v; });
      return { rows: size, cols: p.rows, data };
    },
  };
}

/** Every assignment of the free indices, or a seeded sample when there are too many. */
function enumerate(free: readonly FreeIndex[]): { assignments: Assignment[]; sampled: boolean } {
  const total = free.reduce((n, f) => n * f.range, 1);
  const build = (k: number): Assignment => {
    const values: number[] = [];
    for (const f of [...free].reverse()) { values.unshift((k % f.range) + 1); k = Math.floor(k / f.range); }
    return Object.fromEntries(free.map((f, i) => [f.name, values[i]!]));
  };
  if (total <= MAX_ASSIGNMENTS) return { assignments: Array.from({ length: total }, (_, k) => build(k)), sampled: false };
  const rand = seededRandom(7);
  const picks = new Set([0, total - 1]);
  while (picks.size < MAX_ASSIGNMENTS) picks.add(Math.floor(rand() * total));
  return { assignments: [...picks].sort((a, b) => a - b).map(build), sampled: true };
}

/** A --wrt or --of name: canonical, a mathjs spelling, or a LaTeX one (W_{hh}). */
function readName(text: string, names: GraphNames): string | undefined {
  const t = text.trim();
  const direct = resolveSymbol(t, names);
  if (direct) return direct;
  try {
    const n = parseGraphLatex(t, names);
    if (n.kind === 'ref' && !n.step && !n.index) return n.name;
  } catch (err) {
    if (!(err instanceof SyntaxProblem)) throw err;
  }
  return undefined;
}

// ---------------------------------------------------------------- steps and indices

/** Steps where they belong, index letters that are free or summed; notes for names read at T. */
function checkTree(tree: GNode, names: GraphNames, target: Target, notes: string[]): void {
  const stepped = new Set<string>();
  let freeT = false;
  const free = new Set(target.free.map((f) => f.name));
  const walk = (n: GNode, inSum: boolean, bound: ReadonlySet<string>): void => {
    if (n.kind === 'sum') {
      if (n.index === 't') {
        if (inSum) throw new SyntaxProblem('a sum over t inside another sum over t', n.pos);
        walk(n.body, true, bound);
      } else {
        if (free.has(n.index) || bound.has(n.index)) throw new SyntaxProblem(`the sum's index ${n.index} is already in use: choose another letter`, n.pos);
        indexRange(n.body, n.index, names, n.pos);
        walk(n.body, inSum, new Set([...bound, n.index]));
      }
      return;
    }
    if (n.kind === 'ref') {
      const paramLike = names.isParam(n.name) || n.name === L2 || n.name === RATE;
      if (paramLike && n.step) throw new SyntaxProblem(`${n.name} is the same at every step: it takes no step`, n.pos);
      if (!paramLike && names.sequence) {
        if (!n.step && inSum) stepped.add(n.name);
        if (!inSum && (!n.step || n.step.base === 't')) freeT = true;
      }
      if (n.step && !names.sequence && n.step.base === 'lit' && n.step.value > 1) throw new SyntaxProblem(`step ${n.step.value}: ${names.network.name} has no steps (no sequence:)`, n.pos);
      for (const ix of n.index ?? []) {
        if (ix.kind === 'var' && !free.has(ix.name) && !bound.has(ix.name)) {
          throw new SyntaxProblem(`index ${ix.name} is neither an index of --wrt (${target.wrtText}) nor a sum's`, n.pos);
        }
      }
      return;
    }
    for (const c of children(n)) walk(c, inSum, bound);
  };
  walk(tree, false, new Set());
  if (stepped.size) notes.push(`inside the sum, ${[...stepped].join(', ')} without a step ${stepped.size === 1 ? 'was' : 'were'} read at step t`);
  if (freeT) notes.push(`outside a sum over t, a value without a step or at step t was read at the last step, T = ${names.T}`);
}

// ---------------------------------------------------------------- judging

interface Mismatch { readonly point: GraphPoint; readonly at: Assignment; readonly index: number; readonly formula: number; readonly expected: number }

class Judge {
  private readonly notes = new Set<string>();
  private readonly algebras = new WeakMap<GraphPoint, Evaluator<number>>();
  constructor(readonly names: GraphNames, readonly target: Target) {}

  evaluator(p: GraphPoint): Evaluator<number> {
    let ev = this.algebras.get(p);
    if (!ev) { ev = new Evaluator(this.names, numericAlgebra(this.names, p)); this.algebras.set(p, ev); }
    return ev;
  }

  value(tree: GNode, p: GraphPoint, at: Assignment): Mat<number> {
    const ev = this.evaluator(p);
    const v = ev.eval(tree, { idx: at });
    for (const n of ev.takeNotes()) this.notes.add(n);
    return v;
  }

  takeNotes(): string[] {
    const out = [...this.notes];
    this.notes.clear();
    return out;
  }

  shapeProblem(tree: GNode, p: GraphPoint): string | undefined {
    try {
      const v = this.value(tree, p, this.target.assignments[0]!);
      const want = this.target.cell;
      if (v.rows !== want.rows || v.cols !== want.cols) return `the formula is ${shapeText(v)} but ${describeTarget(this.target)} is ${shapeText(want)}`;
      return undefined;
    } catch (err) {
      if (err instanceof ShapeError) return err.message;
      throw err;
    }
  }

  firstMismatch(tree: GNode, points: readonly GraphPoint[]): Mismatch | undefined {
    for (const p of points) {
      for (const at of this.target.assignments) {
        const v = this.value(tree, p, at);
        const truth = this.target.truth(p, at);
        for (let i = 0; i < truth.data.length; i++) {
          if (!close(v.data[i]!, truth.data[i]!)) return { point: p, at, index: i, formula: v.data[i]!, expected: truth.data[i]! };
        }
      }
    }
    return undefined;
  }

  /** Equal to the truth at the points, its shapes fitting. */
  agrees(tree: GNode, points: readonly GraphPoint[]): boolean {
    try {
      return this.shapeProblem(tree, points[0]!) === undefined && this.firstMismatch(tree, points) === undefined;
    } catch (err) {
      if (err instanceof ShapeError) return false;
      throw err;
    }
  }
}

function describeTarget(t: Target): string {
  return `∂${t.of}/∂${t.wrtText}`;
}

/** The counterexample, at the point rounded to few significant digits when the values still differ there. */
function describeMismatch(net: GraphNetwork, judge: Judge, tree: GNode, target: Target, m: Mismatch, rate?: number): Counterexample {
  let at = m;
  for (const digits of [2, 3, 4]) {
    const p = roundedPoint(net, m.point, digits);
    const v = judge.value(tree, p, m.at).data[m.index]!;
    const e = target.truth(p, m.at).data[m.index]!;
    if (Number.isFinite(v) && Number.isFinite(e) && Math.abs(v - e) > 1e-6 * Math.max(1, Math.abs(e))) { at = { ...m, point: p, formula: v, expected: e }; break; }
  }
  judge.takeNotes();
  const cols = target.cell.cols;
  const params: Record<string, number[][] | number[]> = {};
  for (const [k, v] of at.point.params) params[k] = k.startsWith('b_') ? v.map((r) => r[0]!) : v.map((r) => [...r]);
  const sequence = judge.names.sequence;
  const point = {
    params,
    x: sequence ? at.point.x.map((v) => [...v]) : [...at.point.x[0]!],
    y: sequence && net.target !== 'last-step' ? at.point.y.map((v) => [...v]) : [...at.point.y[0]!],
    ...(rate !== undefined ? { rate } : {}),
  };
  const where = target.free.length ? { at: at.at } : target.cell.rows * target.cell.cols > 1 ? { element: [Math.floor(at.index / cols) + 1, (at.index % cols) + 1] as const } : {};
  // Every parameter is shown (a graph's values at a step depend on all of them), so the point can be reproduced.
  return { point, relevant: [...Object.keys(params), 'x', 'y', ...(rate !== undefined ? ['R'] : [])], ...where, formula: at.formula, expected: at.expected };
}

// ---------------------------------------------------------------- the proof

function prove(tree: GNode, right: Expected | undefined, names: GraphNames, target: Target, deadline: number): { proved: boolean; detail: string } {
  if (!right) return { proved: false, detail: `not attempted: no right formula is printed for ∂${target.of}/∂${target.wrt}` };
  if (nodesOf(tree).some((n) => n.kind === 'call' && n.inclusive)) return { proved: false, detail: 'not attempted: a mask written with ≥ or ≤ is 1 where its argument is 0, where relu′ and [z > 0] are 0' };
  const elements = target.assignments.length * target.cell.rows * target.cell.cols;
  if (target.sampled || elements > MAX_PROOF_ELEMENTS) return { proved: false, detail: `skipped: ${elements} elements (the proof expands at most ${MAX_PROOF_ELEMENTS})` };
  const ev = new Evaluator<Poly>(names, polyAlgebra(names));
  try {
    for (const at of target.assignments) {
      if (Date.now() > deadline) return { proved: false, detail: 'stopped: the time limit was reached' };
      const a = ev.eval(tree, { idx: at });
      const b = ev.eval(right.tree, { idx: at });
      if (a.rows !== b.rows || a.cols !== b.cols) return { proved: false, detail: 'not proved: the shapes of the two sides differ symbolically' };
      for (let i = 0; i < a.data.length; i++) {
        if (!samePoly(a.data[i]!, b.data[i]!)) {
          return { proved: false, detail: 'not proved: the formula is not the derivation\'s term by term in δ, the node values and the parameters (it may write a δ out by its recursion); it is equal at every point' };
        }
      }
    }
  } catch (err) {
    if (err instanceof TooLarge) return { proved: false, detail: 'skipped: the expansion grew too large' };
    if (err instanceof ShapeError) return { proved: false, detail: `not proved: ${err.message}` };
    throw err;
  }
  return { proved: true, detail: 'the same polynomial as the derivation\'s formula in δ, the node values, the parameters, x and y (each per step; values before the first step zero)' };
}

// ---------------------------------------------------------------- the right formula

interface Expected { readonly tree: GNode; readonly lambda: boolean; readonly uses: readonly GNode[] }

/** The right formula for ∂C/∂P (or one element) from the derivation's gradient uses; undefined for --of N. */
function expectedTree(net: GraphNetwork, names: GraphNames, target: Target): Expected | undefined {
  if (target.of !== 'C') return undefined;
  const d = deriveGraph(net);
  const g = d.gradients.find((e) => e.entry.name === target.wrt)!;
  const seq = names.sequence;
  const [j, k] = target.index ?? [];
  const uses = g.uses.map((use) => {
    // The output, read only by the loss at the last step, has δ zero before T.
    const onlyLast = seq && net.target === 'last-step' && d.adjoints.find((a) => a.node.name === use.node.name)!.terms.every((t) => t.rule === 'loss');
    const stepAt = (prev: boolean): Step | undefined => (!seq ? undefined : onlyLast ? { base: 'T', shift: prev ? -1 : 0 } : { base: 't', shift: prev ? -1 : 0 });
    const deltaName = `delta_${use.node.name}`;
    const source = use.source.node;
    let body: GNode;
    if (!target.index) {
      const delta = gref(deltaName, stepAt(false));
      const src = gref(source, stepAt(use.source.prev));
      body = g.entry.kind === 'b' ? delta : use.tied ? gbin('*', src, gT(delta)) : gbin('*', delta, gT(src));
    } else if (g.entry.kind === 'b') {
      body = gidx(deltaName, stepAt(false), [j!]);
    } else {
      body = use.tied
        ? gbin('*', gidx(source, stepAt(use.source.prev), [j!]), gidx(deltaName, stepAt(false), [k!]))
        : gbin('*', gidx(deltaName, stepAt(false), [j!]), gidx(source, stepAt(use.source.prev), [k!]));
    }
    return seq && !onlyLast ? gsum(body) : body;
  });
  let tree = uses.reduce((acc, u) => gbin('+', acc, u));
  const lambda = g.l2 !== undefined;
  if (lambda) tree = gbin('+', tree, gbin('*', gref(L2), target.index ? gidx(target.wrt, undefined, target.index) : gref(target.wrt)));
  return { tree, lambda, uses };
}

// ---------------------------------------------------------------- what differs

interface HintContext {
  readonly judge: Judge;
  readonly target: Target;
  readonly points: readonly GraphPoint[];
  readonly deadline: number;
  readonly names: GraphNames;
  readonly show: (n: GNode) => string;
  readonly expected: () => Expected | undefined;
}

/** `kind`: at most one hint of a kind is said (a step shift, the order of a product). */
interface Candidate { readonly tree: GNode; readonly message: string; readonly kind?: string }

const MAX_HINTS = 3;
const HINT_POINTS = 6;

/** Single changes that make the formula right, each said as what differs. */
function findGraphHints(tree: GNode, ctx: HintContext): string[] {
  const pts = ctx.points.slice(0, HINT_POINTS);
  const out: string[] = [];
  const kinds = new Set<string>();
  for (const c of candidates(tree, ctx)) {
    if (Date.now() > ctx.deadline || out.length >= MAX_HINTS) break;
    if (out.includes(c.message) || (c.kind && kinds.has(c.kind))) continue;
    if (ctx.judge.agrees(c.tree, pts)) {
      out.push(c.message);
      if (c.kind) kinds.add(c.kind);
    }
  }
  ctx.judge.takeNotes();
  return out;
}

const shiftStep = (s: Step, by: number): Step => (s.base === 'lit' ? { base: 'lit', value: s.value + by } : { base: s.base, shift: s.shift + by });
const unT = (n: GNode): GNode => (n.kind === 'transpose' ? n.arg : gT(n));

function* candidates(tree: GNode, ctx: HintContext): Generator<Candidate> {
  const { names, show } = ctx;
  const all = nodesOf(tree);
  const seq = names.sequence;
  const withStep = (n: Extract<GNode, { kind: 'ref' }>, s: Step | undefined): GNode => ({ ...n, ...(s ? { step: s } : {}) });

  // The sum over t: left out, or only the last step's term written.
  if (seq && !all.some((n) => n.kind === 'sum' && n.index === 't')) {
    const bound = mapTree(tree, (n) => (n.kind === 'ref' && n.step?.base === 'T' ? { ...n, step: { base: 't', shift: n.step.shift } } : n));
    yield { tree: gsum(bound), message: `the sum over t is missing: the formula has one step's term only, and ${describeTarget(ctx.target)} is Σ_t of it (${show(gsum(bound))})` };
  }
  // A sum over the steps that leaves some out (\sum_{t=1}^{T-1}): over every step instead.
  for (const n of all) {
    if (n.kind !== 'sum' || !n.steps) continue;
    const { steps: _steps, ...whole } = n;
    yield { tree: replaceNode(tree, n, whole), message: `the sum over t runs over every step, t = 1, …, T (this one runs from ${n.steps.from} to T${n.steps.toShift === 0 ? '' : n.steps.toShift})` };
  }
  // A step off by one (t−1 first: δ_{t+1} h_tᵀ is the same sum as δ_t h_{t−1}ᵀ, but not how it is written).
  for (const by of [-1, 1]) {
    for (const n of all) {
      if (n.kind !== 'ref' || !seq || names.isParam(n.name) || n.name === L2 || n.name === RATE) continue;
      const s = n.step ?? { base: 't', shift: 0 };
      const fixed = withStep(n, shiftStep(s, by));
      yield { tree: replaceNode(tree, n, fixed), message: `${show(withStep(n, s))} where ${show(fixed)} belongs`, kind: 'step' };
    }
  }
  // Index letters swapped.
  if (ctx.target.free.length === 2) {
    const [a, b] = ctx.target.free.map((f) => f.name);
    const swap = (ix: Idx): Idx => (ix.kind === 'var' && ix.name === a ? { kind: 'var', name: b! } : ix.kind === 'var' && ix.name === b ? { kind: 'var', name: a! } : ix);
    yield { tree: mapTree(tree, (n) => (n.kind === 'ref' && n.index ? { ...n, index: n.index.map(swap) } : n)), message: `the indices ${a} and ${b} are swapped` };
  }
  // Transposes of a name; factors swapped (δ hᵀ written as h δᵀ); a transposed product.
  // A name already under a transpose is not offered a second one (Wᵀᵀ is W: the "too many" fix says it).
  const transposed = new Set(all.flatMap((n) => (n.kind === 'transpose' ? [n.arg] : [])));
  for (const n of all) {
    if (n.kind === 'transpose' && n.arg.kind === 'ref') yield { tree: replaceNode(tree, n, n.arg), message: `a transpose too many: ${show(n)} should be ${show(n.arg)}` };
    else if (n.kind === 'ref' && !n.index && !transposed.has(n)) yield { tree: replaceNode(tree, n, gT(n)), message: `a transpose is missing: ${show(n)} should be ${show(gT(n))}` };
  }
  for (const n of all) {
    if (n.kind !== 'bin' || n.op !== '*') continue;
    const swapped = gbin('*', unT(n.right), unT(n.left));
    yield { tree: replaceNode(tree, n, swapped), message: `the factors are the wrong way round: ${show(n)} should be ${show(swapped)}`, kind: 'order' };
    yield { tree: replaceNode(tree, n, gT(n)), message: `a transpose is missing: ${show(n)} should be ${show(gT(n))}`, kind: 'order' };
  }
  for (const n of all) {
    if (n.kind === 'transpose' && n.arg.kind !== 'ref') yield { tree: replaceNode(tree, n, n.arg), message: `a transpose too many: ${show(n)} should be ${show(n.arg)}` };
  }
  // Stacked parts in another order than the concat's: [x_t; h_{t-1}] for [h_{t-1}; x_t].
  for (const n of all) {
    if (n.kind !== 'stack' || n.parts.length !== 2) continue;
    const swapped: GNode = { ...n, parts: [n.parts[1]!, n.parts[0]!] };
    yield { tree: replaceNode(tree, n, swapped), message: `the parts are stacked in the wrong order: ${show(n)} should be ${show(swapped)}, as the concat lists its inputs` };
  }
  // A summand of the gradient left out or added: another use of a shared or tied weight, the regularization.
  const e = ctx.expected();
  if (e) {
    const l2 = e.lambda ? [gbin('*', gref(L2), ctx.target.index ? gidx(ctx.target.wrt, undefined, ctx.target.index) : gref(ctx.target.wrt))] : [];
    for (const u of [...e.uses, ...l2]) {
      const isL2 = l2.includes(u);
      yield { tree: gbin('+', tree, u), message: isL2 ? `the regularization term ${show(u)} (from l2: ${names.l2}) is missing` : `the term ${show(u)} is missing${e.uses.length > 1 ? ` (${ctx.target.wrt} is used ${e.uses.length} times)` : ''}` };
      yield { tree: gbin('-', tree, u), message: `an extra term ${show(u)}` };
    }
  }
  yield { tree: { kind: 'neg', arg: tree, pos: tree.pos }, message: 'the sign is flipped' };
  yield { tree: gbin('*', gnum(2), tree), message: 'a factor 2 is missing' };
  yield { tree: gbin('*', gnum(0.5), tree), message: 'a factor 2 too many' };
  // ⊙ against the matrix product.
  for (const n of all) {
    if (n.kind !== 'bin') continue;
    if (n.op === '.*') yield { tree: replaceNode(tree, n, { ...n, op: '*', implicit: false }), message: `${show(n)} is a matrix product, not elementwise` };
    if (n.op === '*' && !n.implicit) yield { tree: replaceNode(tree, n, { ...n, op: '.*' }), message: `${show(n)} is elementwise (⊙), not a matrix product` };
  }
  // A name where another of the same shape belongs (δ of another node, h for z_h, x for h).
  for (const n of all) {
    if (n.kind !== 'ref' || n.name === L2 || n.name === RATE) continue;
    const shape = names.shapeOf(n.name)!;
    for (const other of names.all()) {
      if (other === n.name || names.isParam(other) !== names.isParam(n.name)) continue;
      const s = names.shapeOf(other)!;
      if (s.rows !== shape.rows || s.cols !== shape.cols) continue;
      const fixed: GNode = { ...n, name: other };
      yield { tree: replaceNode(tree, n, fixed), message: `${show(n)} where ${show(fixed)} belongs` };
    }
  }
}
