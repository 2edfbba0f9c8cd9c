// GraphDerivation → the MATLAB/Octave and NumPy trainers of a graph network
// (`nodes:`), printed into the same templates as the chain form's
// (templates/octave/module.hbs, templates/numpy/module.hbs), so the functions,
// the file names and the calling conventions are the chain form's.
//
// The structure is graph-code.ts's (the TypeScript trainer of the same
// derivation): a forward pass over the steps t = 1 … T, the loss, and a
// backward pass over t from T down to 1 in which each node's adjoint g_N is the
// sum of its terms (a term of a reader through N@prev comes from step t + 1),
// its δ follows from the node's local rule, and each parameter's gradient is
// summed over t. The arithmetic is vectorized over the examples: every array
// holds one example per column (x of one example is a column of T·n_x numbers,
// step t in rows (t−1)·n_x + 1 … t·n_x), so a batch is one call. A node's value
// at step t is the cell v_N{t} (Octave) or the list item v_N[t] (NumPy); a
// value read through N@prev is prev_N, zero at the first step (h_0 = 0).
import type { GraphDerivation, NodeAdjoint, Term } from '../derive/graph.ts';
import { lossSteps } from '../derive/graph.ts';
import { biasName, sourceSize, weightName } from '../graph/graph-layout.ts';
import { applyDerivative, sigmoidArgument, type Activation } from '../symbolic/activations.ts';
import { add, call, mul, neg, num, sub, substitute, sym, type Expr, type Sym } from '../symbolic/expr.ts';
import type { GraphNetwork, NodeSpec, SourceRef } from '../spec/graph-types.ts';
import { exampleSizes, outputNode } from '../spec/graph-types.ts';
import { UserError } from '../errors.ts';
import { renderTemplate } from './emit.ts';
import { ArrayPrinter, type ArraySpelling, type Printed } from './matrix-printer.ts';
import { PREC } from './precedence.ts';
import { printNumber } from './ts-printer.ts';
import { describeGraph } from './graph-code.ts';
import { NUMPY, NUMPY_HELPERS, numpyName } from './numpy.ts';
import { OCTAVE, OCTAVE_HELPERS, octaveName } from './octave.ts';

/** What an array language needs beyond ArraySpelling: steps, slices, blocks. */
interface Lang {
  readonly spelling: ArraySpelling;
  readonly helpers: Readonly<Record<string, string>>;
  /** The flat parameter vector's name. */
  readonly params: string;
  readonly tab: string;
  /** The number of examples, the columns of x. */
  readonly columns: string;
  /** The first step is 1 (Octave) or 0 (NumPy). */
  readonly base: 0 | 1;
  /** One item of a per-step array: v_h{t}, v_h[t]. */
  readonly item: (array: string, t: string) => string;
  /** An empty per-step array of T items. */
  readonly cells: (T: number) => string;
  /** Rows first … first + count − 1 (counted from 0) of an atom. */
  readonly rows: (atom: string, first: Ix, count: number) => string;
  readonly zeros: (rows: number, cols: string) => string;
  /** Arrays stacked vertically. */
  readonly stack: (parts: readonly string[]) => string;
  /** The per-step items stacked vertically. */
  readonly stackItems: (array: string) => string;
  readonly forSteps: (T: number, down: boolean) => string;
  readonly ifThen: (cond: string) => string;
  readonly orElse: string;
  /** The line that closes a loop or an if (none in Python). */
  readonly close?: string;
  readonly eq: string;
}

const OCTAVE_LANG: Lang = {
  spelling: OCTAVE,
  helpers: OCTAVE_HELPERS,
  params: 'p',
  tab: '  ',
  columns: 'size(x, 2)',
  base: 1,
  item: (a, t) => `${a}{${t}}`,
  cells: (T) => `cell(1, ${T})`,
  rows: (a, first, count) => (count === 1 ? `${a}(${first.plus(1)}, :)` : `${a}(${first.plus(1)}:${first.plus(count)}, :)`),
  zeros: (rows, cols) => `zeros(${rows}, ${cols})`,
  stack: (parts) => `[${parts.join('; ')}]`,
  stackItems: (a) => `vertcat(${a}{:})`,
  forSteps: (T, down) => (down ? `for t = ${T}:-1:1` : `for t = 1:${T}`),
  ifThen: (cond) => `if ${cond}`,
  orElse: 'else',
  close: 'end',
  eq: '==',
};

const NUMPY_LANG: Lang = {
  spelling: NUMPY,
  helpers: NUMPY_HELPERS,
  params: 'params',
  tab: '    ',
  columns: 'x.shape[1]',
  base: 0,
  item: (a, t) => `${a}[${t}]`,
  cells: (T) => `[None] * ${T}`,
  rows: (a, first, count) => `${a}[${first}:${first.plus(count)}, :]`,
  zeros: (rows, cols) => `np.zeros((${rows}, ${cols}))`,
  stack: (parts) => `np.concatenate([${parts.join(', ')}], axis=0)`,
  stackItems: (a) => `np.concatenate(${a}, axis=0)`,
  forSteps: (T, down) => (down ? `for t in range(${T - 1}, -1, -1):` : `for t in range(${T}):`),
  ifThen: (cond) => `if ${cond}:`,
  orElse: 'else:',
  eq: '==',
};

/** Index code: a constant plus a multiple of the step variable t, folded as it is built. */
class Ix {
  constructor(readonly c: number, readonly k = 0) {}
  plus(n: number): Ix { return new Ix(this.c + n, this.k); }
  times(n: number): Ix { return new Ix(this.c * n, this.k * n); }
  toString(): string {
    if (this.k === 0) return String(this.c);
    const v = this.k === 1 ? 't' : `t * ${this.k}`;
    return this.c === 0 ? v : this.c > 0 ? `${v} + ${this.c}` : `${v} - ${-this.c}`;
  }
}

const atom = (text: string): Printed => ({ text, prec: PREC.atom });
const wrap = (p: Printed, min: number): string => (p.prec < min ? `(${p.text})` : p.text);

/** Lines with nested blocks: an `if` body is indented and, in Octave, closed with `end`. */
type Lines = string[];

interface Ctx {
  readonly lang: Lang;
  readonly net: GraphNetwork;
  readonly der: GraphDerivation;
  readonly T: number;
  readonly printer: ArrayPrinter;
  /** The current step: the loop variable, or a literal step. */
  t: Ix;
}

const isAct = (n: NodeSpec): n is Extract<NodeSpec, { kind: 'dense' | 'of' }> => n.kind === 'dense' || n.kind === 'of';
const actOf = (c: Ctx, n: NodeSpec): Activation | undefined => (isAct(n) ? c.der.activations.get(n.name) : undefined);

/** Whether a dense node keeps z apart from its value (as graph-code.ts: not for an elementwise identity). */
function keepsZ(c: Ctx, node: NodeSpec): boolean {
  const act = actOf(c, node);
  if (node.kind === 'dense') return !(act!.identityJacobian && act!.elementwise);
  return act !== undefined && !act.elementwise;
}

// ---------------------------------------------------------------- names

/** The step variable t, counted from 0. */
const step0 = (c: Ctx): Ix => new Ix(-c.lang.base, 1);
/** An array of the node at the current step (or `offset` steps later). */
function at(c: Ctx, array: string, offset = 0): string {
  if (c.T === 1) return array;
  return c.lang.item(array, String(c.t.plus(offset)));
}
const value = (c: Ctx, node: string, offset = 0): string => at(c, `v_${node}`, offset);
const delta = (c: Ctx, node: string, offset = 0): string => at(c, `d_${node}`, offset);

/** The value of a source at the current step (or `offset` steps later): x_t, N(t), or the prev_ variable. */
function source(c: Ctx, s: SourceRef, offset = 0): string {
  const shift = offset - (s.prev ? 1 : 0);
  if (s.prev && shift === -1) return `prev_${s.node}`;
  if (s.node === 'x') return c.T === 1 ? 'x' : shift === 0 ? 'xt' : stepRows(c, 'x', step0(c).plus(shift), c.net.input);
  return value(c, s.node, shift);
}

/** y at the current step: the whole of y when the loss is at one step only. */
const target = (c: Ctx): string => (c.T > 1 && lossSteps(c.der) === 'every' ? 'yt' : 'y');

/** The rows of x (or y) for step t (0-based index code), n a step. */
const stepRows = (c: Ctx, array: string, t0: Ix, n: number): string => c.lang.rows(array, t0.times(n), n);

// ---------------------------------------------------------------- blocks

function block(c: Ctx, head: string, body: Lines, otherwise?: Lines): Lines {
  const ind = (ls: Lines): Lines => ls.map((l) => `${c.lang.tab}${l}`);
  return [head, ...ind(body), ...(otherwise ? [c.lang.orElse, ...ind(otherwise)] : []), ...(c.lang.close ? [c.lang.close] : [])];
}

const set = (c: Ctx, target: string, code: string): string => c.lang.spelling.assign(target, code);
const comment = (c: Ctx, text: string): string => c.lang.spelling.comment(text);

/** At the start of a step: x_t, y_t and the values read through @prev (zero at the first step). */
function stepInputs(c: Ctx, needY: boolean): Lines {
  const out: Lines = [];
  if (c.T > 1 && c.net.nodes.some((n) => n.inputs.some((s) => s.node === 'x'))) out.push(set(c, 'xt', stepRows(c, 'x', step0(c), c.net.input)));
  if (needY && target(c) === 'yt') out.push(set(c, 'yt', stepRows(c, 'y', step0(c), outputNode(c.net).size)));
  const prev = new Map<string, number>();
  for (const n of c.net.nodes) for (const s of n.inputs) if (s.prev) prev.set(s.node, sourceSize(c.net, s));
  const zeros = [...prev].map(([name, n]) => set(c, `prev_${name}`, c.lang.zeros(n, 'm')));
  if (c.T === 1) return [...out, ...zeros];
  const before = [...prev].map(([name, n]) => set(c, `prev_${name}`, name === 'x' ? stepRows(c, 'x', step0(c).plus(-1), n) : value(c, name, -1)));
  if (prev.size > 0) out.push(...block(c, c.lang.ifThen(`t > ${c.lang.base}`), before, zeros));
  return out;
}

/** A scalar formula applied elementwise, its symbols (by base name) standing for arrays. */
function scalar(c: Ctx, e: Expr, names: Readonly<Record<string, string>>): Printed {
  return c.printer.scalar(e, (s: Sym) => {
    const code = s.index.length === 0 && s.layer === undefined ? names[s.base] : undefined;
    if (code === undefined) throw new Error(`internal: no array for ${s.base}`);
    return atom(code);
  });
}

const withN = (e: Expr, n: number): Expr => substitute(e, (s) => (s.base === 'n' && s.index.length === 0 && s.layer === undefined ? num(n) : undefined));

// ---------------------------------------------------------------- forward

function forwardNode(c: Ctx, node: NodeSpec): Lines {
  const sp = c.lang.spelling;
  const v = value(c, node.name);
  const z = at(c, `z_${node.name}`);
  switch (node.kind) {
    case 'dense': {
      const act = actOf(c, node)!;
      // z = Σ_k W_k in_k + b (tied to M: W_Mᵀ in + b)
      const products = node.inputs.map((s) => {
        const w = weightName(c.net, node, s);
        return `${node.tied !== undefined ? sp.transpose(w) : w}${sp.matmul}${source(c, s)}`;
      });
      const sum = [...products, ...(node.bias ? [biasName(c.net, node)] : [])].join(' + ');
      const ins = node.inputs.map((s) => (s.prev ? `${s.node}@prev` : s.node)).join(', ');
      const weight = node.tied !== undefined ? `${weightName(c.net, node, node.inputs[0]!)}^T` : 'W';
      const lines = [comment(c, `${node.name} = ${act.name}(${weight} ${node.inputs.length === 1 ? ins : `[${ins}]`}${node.bias ? ' + b' : ''})`)];
      if (!keepsZ(c, node)) return [...lines, set(c, v, sum)];
      lines.push(set(c, z, sum));
      if (!act.elementwise) return [...lines, ...softmax(c, node.name)];
      return [...lines, set(c, v, scalar(c, act.formula, { u: z }).text)];
    }
    case 'of': {
      const act = actOf(c, node)!;
      const input = source(c, node.inputs[0]!);
      const head = comment(c, `${node.name} = ${act.name}(${node.inputs[0]!.prev ? `${node.inputs[0]!.node}@prev` : node.inputs[0]!.node})`);
      if (!act.elementwise) return [head, set(c, z, input), ...softmax(c, node.name)];
      return [head, set(c, v, scalar(c, act.formula, { u: input }).text)];
    }
    case 'add': return [set(c, v, node.inputs.map((s) => source(c, s)).join(' + '))];
    case 'multiply': return [set(c, v, node.inputs.map((s) => source(c, s)).join(sp.times))];
    case 'concat': return [set(c, v, c.lang.stack(node.inputs.map((s) => source(c, s))))];
  }
}

/** a = softmax(z) over each column, the maximum subtracted first; the maximum and the sum kept for the stable loss. */
function softmax(c: Ctx, name: string): Lines {
  const sp = c.lang.spelling;
  const [z, mx, se, v] = [at(c, `z_${name}`), at(c, `mx_${name}`), at(c, `se_${name}`), value(c, name)];
  return [
    set(c, mx, sp.maxOverUnits(z)),
    set(c, `e_${name}`, `${sp.functions.exp}(${z} - ${mx})`),
    set(c, se, sp.sumOverUnits(`e_${name}`)),
    set(c, v, `e_${name}${sp.divide}${se}`),
  ];
}

/** The per-step arrays of the forward pass, before its loop. */
function forwardCells(c: Ctx): Lines {
  if (c.T === 1) return [];
  return c.net.nodes.flatMap((node) => {
    const names = [`v_${node.name}`];
    if (keepsZ(c, node)) names.push(`z_${node.name}`);
    if (actOf(c, node) && !actOf(c, node)!.elementwise) names.push(`mx_${node.name}`, `se_${node.name}`);
    return names.map((n) => set(c, n, c.lang.cells(c.T)));
  });
}

function forward(c: Ctx): Lines {
  const body = [...stepInputs(c, false), ...c.net.nodes.flatMap((n) => forwardNode(c, n))];
  const head = [set(c, 'm', c.lang.columns), ...forwardCells(c)];
  if (c.T === 1) return [...head, ...body];
  return [...head, comment(c, `forward, steps 1 to ${c.T}`), ...block(c, c.lang.forSteps(c.T, false), body)];
}

// ---------------------------------------------------------------- loss

/** ℓ summed over the output's elements and the examples at the current step, in the stable forms graph-code.ts uses. */
function lossAtStep(c: Ctx): string {
  const out = outputNode(c.net);
  const n = out.size;
  const act = actOf(c, out);
  const names = { a: value(c, out.name), y: target(c), z: at(c, `z_${out.name}`), m: at(c, `mx_${out.name}`), s: at(c, `se_${out.name}`) };
  const Y = sym('y');
  let e: Expr;
  if (act && !act.elementwise) e = mul(Y, add(sym('m'), call('log', sym('s')), neg(sym('z'))));
  else if (c.der.loss.name === 'cross-entropy') {
    const w = act && out.kind === 'dense' ? sigmoidArgument(act, sym('z')) : undefined;
    e = w ? add(mul(Y, call('softplus', neg(w))), mul(sub(num(1), Y), call('softplus', w))) : neg(add(call('xlogy', Y, sym('a')), call('xlogy', sub(num(1), Y), sub(num(1), sym('a')))));
  } else e = withN(c.der.loss.element, n);
  return c.lang.spelling.total(scalar(c, e, names).text);
}

function lossLines(c: Ctx): Lines {
  const lines: Lines = [];
  if (c.T > 1 && lossSteps(c.der) === 'every') {
    lines.push(set(c, 'C', '0'), ...block(c, c.lang.forSteps(c.T, false), [set(c, 'yt', stepRows(c, 'y', step0(c), outputNode(c.net).size)), set(c, 'C', `C + ${lossAtStep(c)}`)]));
  } else {
    // the loss at the last step only (or without steps)
    c.t = new Ix(c.T - 1 + c.lang.base);
    lines.push(set(c, 'C', lossAtStep(c)));
    c.t = new Ix(0, 1);
  }
  const l2 = c.net.regularization?.l2 ?? 0;
  if (l2 > 0) {
    const weights = c.der.layout.entries.filter((e) => e.kind === 'W');
    const squares = weights.map((e) => c.lang.spelling.total(`${e.name}${c.lang.spelling.times}${e.name}`));
    lines.push(comment(c, `(lambda/2) ||W||^2 for each example`), set(c, 'C', `C + m * ${printNumber(l2 / 2)} * (${squares.join(' + ')})`));
  }
  return lines;
}

// ---------------------------------------------------------------- backward

/** A term of g_N at the current step (its consumer's δ at step t, or t + 1 when `later`). */
function termCode(c: Ctx, term: Term, node: NodeSpec): Printed {
  const sp = c.lang.spelling;
  if (term.rule === 'loss') {
    return scalar(c, withN(c.der.loss.gradient, node.size), { a: value(c, node.name), y: target(c) });
  }
  const d = delta(c, term.consumer.name, term.later ? 1 : 0);
  const product = (text: string): Printed => ({ text, prec: PREC.mul });
  switch (term.rule) {
    // W_{c,N}ᵀ d_c; tied to M, W_M d_c
    case 'dense': return product(term.tied ? `${term.weight}${sp.matmul}${d}` : `${sp.transpose(term.weight)}${sp.matmul}${d}`);
    case 'add': case 'of': return atom(d);
    // the other factor at the consumer's step
    case 'multiply': return product(`${d}${sp.times}${source(c, term.other, term.later ? 1 : 0)}`);
    case 'concat': return atom(c.lang.rows(d, new Ix(term.offset), node.size));
  }
}

function termText(term: Term): string {
  if (term.rule === 'loss') return 'dl/da';
  const from = `${term.consumer.name}${term.later ? '(t+1)' : ''}`;
  switch (term.rule) {
    case 'dense': return term.tied ? `${term.weight} d_${from}` : `${term.weight}^T d_${from}`;
    case 'add': case 'of': return `d_${from}`;
    case 'multiply': return `d_${from} o ${term.other.prev ? `${term.other.node}@prev` : term.other.node}`;
    case 'concat': return `rows of d_${from}`;
  }
}

function backwardNode(c: Ctx, a: NodeAdjoint): Lines {
  const { node } = a;
  const n = node.size;
  const d = delta(c, node.name);
  const lastOnly = lossSteps(c.der) === 'last' && c.T > 1;
  const isLast = `t ${c.lang.eq} ${c.T - 1 + c.lang.base}`;
  const out: Lines = [];
  const cancel = a.local.kind === 'cancel';
  const readerTerms = a.terms.filter((term) => term.rule !== 'loss');
  if (cancel && readerTerms.length === 0) {
    out.push(comment(c, `d_${node.name} = a - y`));
    const diff = set(c, d, `${value(c, node.name)} - ${target(c)}`);
    out.push(...(lastOnly ? block(c, c.lang.ifThen(isLast), [diff], [set(c, d, c.lang.zeros(n, 'm'))]) : [diff]));
  } else {
    // A cancelling output read by other nodes too: their terms through σ′, then a − y (never ∞ · 0 where σ saturates).
    const terms = cancel ? readerTerms : a.terms;
    out.push(comment(c, `g_${node.name} = ${terms.length ? terms.map(termText).join(' + ') : '0'}${a.local.kind !== 'identity' ? `; d_${node.name} = g_${node.name} o ${a.local.act.name}'` : ''}${cancel ? ' + (a - y)' : ''}`));
    // The terms in order, those of one guard together: the loss at the last step only, a reader through @prev while t + 1 <= T.
    const groups: { guard?: string; codes: Printed[] }[] = [];
    for (const term of terms) {
      const later = term.rule !== 'loss' && term.later;
      if (later && c.T === 1) continue;
      const guard = term.rule === 'loss' && lastOnly ? isLast : later ? `t < ${c.T - 1 + c.lang.base}` : undefined;
      const code = termCode(c, term, node);
      const group = groups[groups.length - 1];
      if (group && group.guard === guard) group.codes.push(code);
      else groups.push({ ...(guard !== undefined ? { guard } : {}), codes: [code] });
    }
    const zeros = set(c, d, c.lang.zeros(n, 'm'));
    if (groups.length === 0) out.push(zeros);
    groups.forEach((group, k) => {
      const lines = group.codes.map((code, i) => (k === 0 && i === 0 ? set(c, d, code.text) : set(c, d, `${d} + ${wrap(code, PREC.add + 1)}`)));
      if (group.guard === undefined) out.push(...lines);
      else out.push(...block(c, c.lang.ifThen(group.guard), lines, k === 0 ? [zeros] : undefined));
    });
    const local = a.local;
    if (local.kind !== 'identity') out.push(set(c, d, `${d}${c.lang.spelling.times}${wrap(derivative(c, local.act, node), PREC.mul + 1)}`));
    if (cancel) {
      const plus = set(c, d, `${d} + (${value(c, node.name)} - ${target(c)})`);
      out.push(...(lastOnly ? block(c, c.lang.ifThen(isLast), [plus]) : [plus]));
    }
  }
  if (node.kind === 'dense') out.push(...gradientOf(c, node));
  return out;
}

/** σ'(z_N) (dense) or σ'(input) (of), from the forward value where the activation allows. */
function derivative(c: Ctx, act: Activation, node: NodeSpec): Printed {
  const z = node.kind === 'dense' ? at(c, `z_${node.name}`) : source(c, node.inputs[0]!);
  return scalar(c, applyDerivative(act, sym('z'), sym('a')), { z, a: value(c, node.name) });
}

/** ∂C/∂W += d_N in^T for each input (tied: in d_N^T into the partner's W), ∂C/∂b += d_N summed over the examples. */
function gradientOf(c: Ctx, node: Extract<NodeSpec, { kind: 'dense' }>): Lines {
  const sp = c.lang.spelling;
  const d = delta(c, node.name);
  const out = node.inputs.map((s) => {
    const w = weightName(c.net, node, s);
    const product = node.tied !== undefined ? `${source(c, s)}${sp.matmul}${sp.transpose(d)}` : `${d}${sp.matmul}${sp.transpose(source(c, s))}`;
    return set(c, `d${w}`, `d${w} + ${product}`);
  });
  if (node.bias) {
    const b = biasName(c.net, node);
    out.push(set(c, `d${b}`, `d${b} + ${sp.sumOverExamples(d)}`));
  }
  return out;
}

function backward(c: Ctx): Lines {
  const sp = c.lang.spelling;
  const entries = c.der.layout.entries;
  const lines: Lines = [
    comment(c, c.T > 1 ? `backward, steps ${c.T} down to 1: g_N = dC/dN, d_N its delta; the gradients summed over the steps` : 'backward: g_N = dC/dN, d_N its delta'),
    ...entries.map((e) => set(c, `d${e.name}`, c.lang.zeros(e.rows, String(e.cols)))),
  ];
  const body = [...stepInputs(c, true), ...c.der.adjoints.flatMap((a) => backwardNode(c, a))];
  if (c.T === 1) lines.push(...body);
  else lines.push(...c.net.nodes.map((n) => set(c, `d_${n.name}`, c.lang.cells(c.T))), ...block(c, c.lang.forSteps(c.T, true), body));
  const l2 = c.net.regularization?.l2 ?? 0;
  if (l2 > 0) {
    for (const e of entries.filter((x) => x.kind === 'W')) lines.push(set(c, `d${e.name}`, `d${e.name} + m * ${printNumber(l2)} * ${e.name}`));
  }
  lines.push(set(c, 'g', sp.pack(entries.map((entry) => ({ name: `d${entry.name}`, entry })))));
  return lines;
}

// ---------------------------------------------------------------- module

interface GraphArrayBodies {
  readonly predict: Lines;
  readonly output: string;
  readonly loss: Lines;
  readonly lossAndGradient: Lines;
  readonly used: ReadonlySet<string>;
}

function graphArrayBodies(der: GraphDerivation, lang: Lang): GraphArrayBodies {
  const c: Ctx = { lang, net: der.network, der, T: der.steps, printer: new ArrayPrinter(lang.spelling), t: new Ix(0, 1) };
  const loads = der.layout.entries.map((e) => set(c, e.name, lang.spelling.load(e, lang.params)));
  const fwd = forward(c);
  const loss = lossLines(c);
  const out = outputNode(c.net);
  const sizes = exampleSizes(c.net);
  const output = c.T === 1 ? `v_${out.name}` : sizes.y === out.size * c.T ? lang.stackItems(`v_${out.name}`) : lang.item(`v_${out.name}`, String(c.T - 1 + lang.base));
  const bwd = backward(c);
  return {
    predict: [...loads, ...fwd],
    output,
    loss: [...loads, ...fwd, ...loss],
    lossAndGradient: [...loads, ...fwd, ...loss, ...bwd],
    used: c.printer.used,
  };
}

/** Names an Octave graph trainer calls beyond the chain form's: a file of that name would shadow them. */
const OCTAVE_GRAPH_RESERVED = new Set(['cell', 'vertcat']);

const ORIGIN = 'the graph derivation (each node\'s adjoint terms, through time)';

/** The trainer of a graph network as a MATLAB / GNU Octave function file, <name>.m. */
export function generateGraphOctave(der: GraphDerivation): string {
  const net = der.network;
  const ident = octaveName(net);
  if (OCTAVE_GRAPH_RESERVED.has(ident)) {
    throw new UserError(`${net.source}: name: "${net.name}" cannot name a MATLAB/Octave function file (it is a keyword or a function the file uses); choose another name`);
  }
  const b = graphArrayBodies(der, OCTAVE_LANG);
  const entries = der.layout.entries;
  const sizes = exampleSizes(net);
  const cell = (values: readonly (string | number)[]): string => `{${values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}}`;
  const indent = (lines: readonly string[]): string => lines.map((l) => `  ${l}`).join('\n');
  const steps = der.steps;
  const xDoc = steps > 1
    ? [`%   x is a column of T*n_x = ${sizes.x} numbers, step t in rows (t-1)*${net.input}+1 : t*${net.input}; y is a column of`,
      net.target === 'last-step' ? `%   n_out = ${sizes.y} numbers, the target of the last step. Several columns are several`
        : `%   T*n_out = ${sizes.y} numbers, step t in rows (t-1)*${outputNode(net).size}+1 : t*${outputNode(net).size}. Several columns are several`,
      '%   examples, whose losses and gradients loss and loss_and_gradient sum.']
    : ['%   x and y are columns; several columns are several examples, whose losses',
      '%   and gradients loss and loss_and_gradient sum.'];
  return renderTemplate('octave/module', {
    ident,
    upper: ident.toUpperCase(),
    origin: ORIGIN,
    outputDoc: 'the output',
    layoutDoc: [
      '%   p is a column of net.param_count parameters: in node order, W_N (W_N_<input>',
      '%   for several inputs) row-major, then b_N (net.layout; offsets count from 0).',
      ...xDoc,
    ].join('\n'),
    name: net.name,
    summary: describeGraph(net),
    inputSize: sizes.x,
    outputSize: sizes.y,
    paramCount: der.layout.paramCount,
    layout: `struct('name', ${cell(entries.map((e) => e.name))}, 'offset', ${cell(entries.map((e) => e.offset))}, 'rows', ${cell(entries.map((e) => e.rows))}, 'cols', ${cell(entries.map((e) => e.cols))})`,
    predict: indent([...b.predict, `a = ${b.output};`]),
    loss: indent(b.loss),
    lossAndGradient: indent(b.lossAndGradient),
    helpers: Object.entries(OCTAVE_HELPERS).filter(([fn]) => b.used.has(fn)).map(([, s]) => s).join('\n\n'),
  });
}

/** The trainer of a graph network as a Python module using NumPy, <name>.py. */
export function generateGraphNumPy(der: GraphDerivation): string {
  const net = der.network;
  numpyName(net);
  const b = graphArrayBodies(der, NUMPY_LANG);
  const sizes = exampleSizes(net);
  const indent = (lines: readonly string[]): string => lines.map((l) => `    ${l}`).join('\n');
  const xDoc = der.steps > 1
    ? [`An input x is a 1-D array of input_size = T*n_x = ${sizes.x} values (step t, from 0, in`,
      `x[t*${net.input}:(t+1)*${net.input}]), y one of output_size = ${sizes.y} values (${net.target === 'last-step' ? 'the target of the last step' : 'step after step'}); or`,
      '2-D arrays with one example per row.']
    : ['An input x is a 1-D array of input_size values, or a 2-D array with one',
      'example per row (and y likewise).'];
  return renderTemplate('numpy/module', {
    name: net.name,
    origin: ORIGIN,
    outputDoc: 'The output',
    layoutDoc: [
      'params is a 1-D float64 array of param_count values: in node order, W_N',
      '(W_N_<input> for several inputs) row-major, then b_N (see layout).',
      ...xDoc,
    ].join('\n'),
    summary: describeGraph(net),
    inputSize: sizes.x,
    outputSize: sizes.y,
    paramCount: der.layout.paramCount,
    layout: der.layout.entries.map((e) => `    {"name": "${e.name}", "offset": ${e.offset}, "rows": ${e.rows}, "cols": ${e.cols}},`).join('\n'),
    predict: indent([...b.predict, `return ${b.output}`]),
    loss: indent([...b.loss, 'return C']),
    lossAndGradient: indent([...b.lossAndGradient, 'return C, g']),
    helpers: Object.entries(NUMPY_HELPERS).filter(([fn]) => b.used.has(fn)).map(([, s]) => s).join('\n\n\n'),
  });
}
