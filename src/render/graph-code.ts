// GraphDerivation → the bodies of the trainer module (printed into the same
// template as the chain form's, so the API, the optimizers and the training
// loop are the same code). Values, δ's and adjoints live in module-level
// buffers with one row per step (sizes baked in as constants); the backward
// pass walks the steps from T down to 1 and, within a step, the nodes in
// reverse, printing each adjoint term of the derivation (one method per term
// rule). Small loops are printed straight-line, large ones as loops.
import type { GraphDerivation, NodeAdjoint, Term } from '../derive/graph.ts';
import { lossSteps } from '../derive/graph.ts';
import { biasName, entryNamed, sourceSize, weightName, type GraphLayoutEntry } from '../graph/graph-layout.ts';
import { applyDerivative, sigmoidArgument } from '../symbolic/activations.ts';
import { add, call, mul, neg, num, sub, sym, type Expr } from '../symbolic/expr.ts';
import type { Activation } from '../symbolic/activations.ts';
import type { GraphNetwork, NodeSpec, SourceRef } from '../spec/graph-types.ts';
import { exampleSizes, outputNode } from '../spec/graph-types.ts';
import { UserError } from '../errors.ts';
import type { Bodies } from './loops.ts';
import { annotation, JAVASCRIPT, readElement, TsPrinter, TYPESCRIPT, type Dialect } from './ts-printer.ts';
import { FULL_UNROLL_PARAMETER_LIMIT, printDeclarations, printModule, type UnrollMode } from './typescript.ts';

/** A loop with at most this many iterations (times the length of a sum inside) is printed straight-line under auto. */
const SMALL = 64;

/** Index code: a constant plus multiples of loop variables, folded as it is built. */
class Ix {
  constructor(readonly c: number, readonly vars: readonly (readonly [string, number])[] = []) {}
  static of(v: string | number): Ix { return typeof v === 'number' ? new Ix(v) : new Ix(0, [[v, 1]]); }
  plus(o: Ix | number): Ix {
    if (typeof o === 'number') return new Ix(this.c + o, this.vars);
    const vars = new Map(this.vars);
    for (const [v, k] of o.vars) vars.set(v, (vars.get(v) ?? 0) + k);
    return new Ix(this.c + o.c, [...vars].filter(([, k]) => k !== 0));
  }
  times(k: number): Ix { return new Ix(this.c * k, this.vars.map(([v, m]) => [v, m * k] as const)); }
  get literal(): boolean { return this.vars.length === 0; }
  toString(): string {
    const parts = this.vars.map(([v, k]) => (k === 1 ? v : `${v} * ${k}`));
    if (parts.length === 0) return String(this.c);
    const text = parts.join(' + ');
    return this.c === 0 ? text : this.c > 0 ? `${text} + ${this.c}` : `${text} - ${-this.c}`;
  }
}

interface Ctx {
  readonly d: Dialect;
  readonly net: GraphNetwork;
  readonly der: GraphDerivation;
  readonly T: number;
  readonly unroll: 'full' | 'loops' | 'auto';
  readonly used: Expr[];
}

const indent = (lines: string[]): string[] => lines.map((l) => `  ${l}`);

/** `for (let v = 0; v < n; v++)` or the body n times with v a literal. */
function each(c: Ctx, n: number, v: string, work: number, body: (i: Ix) => string[]): string[] {
  const straight = c.unroll === 'full' || (c.unroll === 'auto' && n * Math.max(1, work) <= SMALL);
  // A straight-line copy that declares a local gets a block of its own, so the copies do not clash.
  if (straight || n === 1) return Array.from({ length: n }, (_, k) => body(Ix.of(k))).flatMap((lines) => (lines.some((l) => /^(let|const) /.test(l)) ? ['{', ...indent(lines), '}'] : lines));
  return [`for (let ${v} = 0; ${v} < ${n}; ${v}++) {`, ...indent(body(Ix.of(v))), '}'];
}

/** Σ_{i<n} term(i): inline when short, else accumulated in a loop into `acc`, unrolled by 4 (the rest straight after it). */
function sum(c: Ctx, n: number, v: string, acc: string, term: (i: Ix) => string): { setup: string[]; value: string } {
  const straight = c.unroll === 'full' || (c.unroll === 'auto' && n <= 16);
  if (straight || n === 1) return { setup: [], value: Array.from({ length: n }, (_, k) => term(Ix.of(k))).join(' + ') };
  const whole = n - (n % 4);
  const four = [0, 1, 2, 3].map((k) => term(Ix.of(v).plus(k))).join(' + ');
  const rest = Array.from({ length: n - whole }, (_, k) => term(Ix.of(whole + k)));
  return { setup: [`let ${acc} = 0;`, `for (let ${v} = 0; ${v} < ${whole}; ${v} += 4) ${acc} += ${four};`, ...(rest.length ? [`${acc} += ${rest.join(' + ')};`] : [])], value: acc };
}

/**
 * W_{c,N}ᵀ d_c added to d_N as a sum of rows of W, d_c[i] times row i (so W is read in its
 * row-major order): the loop form of the dense term, for sizes too large to print straight.
 */
function transposedProduct(c: Ctx, term: Extract<Term, { rule: 'dense' }>, node: NodeSpec, t: Ix, row: Ix): string[] | undefined {
  const m = term.consumer.size;
  const n = node.size;
  if (term.tied || c.unroll === 'full' || (c.unroll === 'auto' && n * m <= SMALL)) return undefined;
  const e = entry(c, term.weight);
  const inner = each(c, n, 'j', 1, (j) => [`${R(c, `d_${node.name}`, row.plus(j))} += ${R(c, 'params', Ix.of('i').times(n).plus(j).plus(e.offset))} * di;`]);
  return [`for (let i = 0; i < ${m}; i++) {`, ...indent([`const di = ${R(c, `d_${term.consumer.name}`, t.times(m).plus(Ix.of('i')))};`, ...inner]), '}'];
}

const R = (c: Ctx, array: string, ix: Ix): string => readElement(c.d, array, ix.toString());
const W = (array: string, ix: Ix): string => `${array}[${ix}]`;

/** Print a scalar formula whose symbols (by base name) stand for code. */
function scalar(c: Ctx, e: Expr, names: Record<string, string>): string {
  c.used.push(e);
  return new TsPrinter((s) => {
    const code = names[s.base];
    if (code === undefined) throw new Error(`internal: no code for ${s.base}`);
    return code;
  }).print(e);
}

const isAct = (n: NodeSpec): n is Extract<NodeSpec, { kind: 'dense' | 'of' }> => n.kind === 'dense' || n.kind === 'of';
const size = (c: Ctx, s: SourceRef): number => sourceSize(c.net, s);
const entry = (c: Ctx, name: string): GraphLayoutEntry => entryNamed(c.der.layout, name);

/** The value of source s, element i, read at step `t` (a prev source at t − 1; callers guard t > 0). */
function read(c: Ctx, s: SourceRef, t: Ix, i: Ix): string {
  const step = s.prev ? t.plus(-1) : t;
  if (s.node === 'x') return R(c, 'x', step.times(c.net.input).plus(i));
  return R(c, `v_${s.node}`, step.times(size(c, s)).plus(i));
}

/** Whether step t has no step before it for sure: T = 1, or the first step written as a literal. */
const noPrevious = (c: Ctx, t: Ix): boolean => c.T === 1 || (t.literal && t.c === 0);

/** The value of source s, element i, at step t, or 0 where s reads the step before the first. */
function readOrZero(c: Ctx, s: SourceRef, t: Ix, i: Ix): string {
  if (!s.prev) return read(c, s, t, i);
  return noPrevious(c, t) ? '0' : `(${t} > 0 ? ${read(c, s, t, i)} : 0)`;
}

/** Code that runs only when a prev source exists at step t (t > 0); nothing when T = 1. */
function whenPrev(c: Ctx, prev: boolean, t: Ix, lines: () => string[]): string[] {
  if (!prev) return lines();
  if (noPrevious(c, t)) return [];
  return [`if (${t} > 0) {`, ...indent(lines()), '}'];
}

// ---------------------------------------------------------------- forward

function forwardNode(c: Ctx, node: NodeSpec, t: Ix): string[] {
  const n = node.size;
  const row = t.times(n);
  switch (node.kind) {
    case 'dense': {
      const act = c.der.activations.get(node.name)!;
      const out: string[] = [];
      const z = act.identityJacobian && act.elementwise ? `v_${node.name}` : `z_${node.name}`;
      // z = Σ_k W_k in_k + b, input by input, so that a prev input is added only when t > 0.
      out.push(...each(c, n, 'j', 1, (j) => [`${W(z, row.plus(j))} = ${node.bias ? R(c, 'params', new Ix(entry(c, biasName(c.net, node)).offset).plus(j)) : '0'};`]));
      node.inputs.forEach((s, k) => {
        const cols = size(c, s);
        const tied = node.tied !== undefined;
        const e = entry(c, weightName(c.net, node, s));
        out.push(...whenPrev(c, s.prev, t, () => each(c, n, 'j', cols, (j) => {
          // tied: (W_Mᵀ)[j, i] = W_M[i, j], W_M having n columns
          const weight = (i: Ix): Ix => (tied ? i.times(n).plus(j) : j.times(cols).plus(i)).plus(e.offset);
          const r = sum(c, cols, 'i', `s${k}`, (i) => `${R(c, 'params', weight(i))} * ${read(c, s, t, i)}`);
          return [...r.setup, `${R(c, z, row.plus(j))} += ${r.value};`];
        })));
      });
      if (!act.elementwise) out.push(...softmax(c, node.name, z, t, n));
      else if (z !== `v_${node.name}`) out.push(...each(c, n, 'j', 1, (j) => [`${W(`v_${node.name}`, row.plus(j))} = ${scalar(c, act.formula, { u: R(c, z, row.plus(j)) })};`]));
      return out;
    }
    case 'of': {
      const act = c.der.activations.get(node.name)!;
      const s = node.inputs[0]!;
      if (!act.elementwise) {
        // softmax of the input: copy it into z_N, then as for a dense node
        return [...each(c, n, 'j', 1, (j) => [`${W(`z_${node.name}`, row.plus(j))} = ${readOrZero(c, s, t, j)};`]),
          ...softmax(c, node.name, `z_${node.name}`, t, n)];
      }
      return each(c, n, 'j', 1, (j) => {
        return [`${W(`v_${node.name}`, row.plus(j))} = ${scalar(c, act.formula, { u: readOrZero(c, s, t, j) })};`];
      });
    }
    case 'add': case 'multiply': {
      const op = node.kind === 'add' ? ' + ' : ' * ';
      return each(c, n, 'j', node.inputs.length, (j) => {
        const parts = node.inputs.map((s) => readOrZero(c, s, t, j));
        return [`${W(`v_${node.name}`, row.plus(j))} = ${parts.join(op)};`];
      });
    }
    case 'concat': {
      let offset = 0;
      return node.inputs.flatMap((s) => {
        const m = size(c, s);
        const at = offset;
        offset += m;
        const copy = each(c, m, 'j', 1, (j) => [`${W(`v_${node.name}`, row.plus(j).plus(at))} = ${read(c, s, t, j)};`]);
        if (!s.prev) return copy;
        const zero = each(c, m, 'j', 1, (j) => [`${W(`v_${node.name}`, row.plus(j).plus(at))} = 0;`]);
        if (noPrevious(c, t)) return zero;
        return [`if (${t} > 0) {`, ...indent(copy), '} else {', ...indent(zero), '}'];
      });
    }
  }
}

/** a = softmax(z) at step t, minus the max for range; m and s kept for the stable loss. */
function softmax(c: Ctx, name: string, z: string, t: Ix, n: number): string[] {
  const row = t.times(n);
  return [
    `let mx = ${R(c, z, row)};`,
    ...each(c, n - 1, 'j', 1, (j) => [`if (${R(c, z, row.plus(j).plus(1))} > mx) mx = ${R(c, z, row.plus(j).plus(1))};`]),
    'let se = 0;',
    ...each(c, n, 'j', 1, (j) => [`${W(`v_${name}`, row.plus(j))} = Math.exp(${R(c, z, row.plus(j))} - mx);`, `se += ${R(c, `v_${name}`, row.plus(j))};`]),
    ...each(c, n, 'j', 1, (j) => [`${R(c, `v_${name}`, row.plus(j))} /= se;`]),
    `${W(`m_${name}`, t)} = mx;`,
    `${W(`s_${name}`, t)} = se;`,
  ];
}

function forwardBody(c: Ctx): string[] {
  const step = (t: Ix): string[] => c.net.nodes.flatMap((node) => forwardNode(c, node, t));
  if (c.T === 1) return step(Ix.of(0));
  return [`for (let t = 0; t < ${c.T}; t++) {`, ...indent(step(Ix.of('t'))), '}'];
}

// ---------------------------------------------------------------- loss

/** The steps with a loss: every step, or the last. */
function lossLoop(c: Ctx, body: (t: Ix, yRow: Ix) => string[]): string[] {
  const n = outputNode(c.net).size;
  if (lossSteps(c.der) === 'last') return body(Ix.of(c.T - 1), Ix.of(0));
  if (c.T === 1) return body(Ix.of(0), Ix.of(0));
  return [`for (let t = 0; t < ${c.T}; t++) {`, ...indent(body(Ix.of('t'), Ix.of('t').times(n))), '}'];
}

/** ℓ of output element j at step t, in its stable form where there is one. */
function lossElement(c: Ctx, t: Ix, yRow: Ix, j: Ix): string {
  const out = outputNode(c.net);
  const n = out.size;
  const a = R(c, `v_${out.name}`, t.times(n).plus(j));
  const y = R(c, 'y', yRow.plus(j));
  const act = isAct(out) ? c.der.activations.get(out.name) : undefined;
  const Y = sym('y');
  if (act && !act.elementwise) {
    const z = R(c, `z_${out.name}`, t.times(n).plus(j));
    return scalar(c, mul(Y, add(sym('m'), call('log', sym('s')), neg(sym('z')))), { y, m: R(c, `m_${out.name}`, t), s: R(c, `s_${out.name}`, t), z });
  }
  if (c.der.loss.name === 'cross-entropy') {
    const w = act && out.kind === 'dense' ? sigmoidArgument(act, sym('z')) : undefined;
    if (w) return scalar(c, add(mul(Y, call('softplus', neg(w))), mul(sub(num(1), Y), call('softplus', w))), { y, z: R(c, `z_${out.name}`, t.times(n).plus(j)) });
    return scalar(c, neg(add(call('xlogy', Y, sym('a')), call('xlogy', sub(num(1), Y), sub(num(1), sym('a'))))), { y, a });
  }
  return scalar(c, c.der.loss.element, { a, y, n: String(n) });
}

function lossBody(c: Ctx): string[] {
  const n = outputNode(c.net).size;
  const lines = ['let C = 0;', ...lossLoop(c, (t, yRow) => each(c, n, 'j', 1, (j) => [`C += ${lossElement(c, t, yRow, j)};`]))];
  const l2 = c.net.regularization?.l2 ?? 0;
  if (l2 > 0) {
    const weights = c.der.layout.entries.filter((e) => e.kind === 'W');
    lines.push('let ww = 0;');
    for (const e of weights) lines.push(`for (let i = ${e.offset}; i < ${e.offset + e.rows * e.cols}; i++) ww += ${R(c, 'params', Ix.of('i'))} * ${R(c, 'params', Ix.of('i'))};`);
    lines.push(`C += ${l2 / 2} * ww;`);
  }
  return [...lines, 'return C;'];
}

// ---------------------------------------------------------------- backward

/** The printer of each adjoint term: its contribution to g_N[j] at step t (the consumer's step is t or t + 1). */
const TERMS: { readonly [K in Term['rule']]: (c: Ctx, term: Extract<Term, { rule: K }>, node: NodeSpec, t: Ix, j: Ix) => { setup: string[]; value: string } } = {
  loss: (c, _term, node, t, j) => {
    const yRow = lossSteps(c.der) === 'last' ? Ix.of(0) : t.times(node.size);
    const a = R(c, `v_${node.name}`, t.times(node.size).plus(j));
    return { setup: [], value: scalar(c, c.der.loss.gradient, { a, y: R(c, 'y', yRow.plus(j)), n: String(node.size) }) };
  },
  dense: (c, term, node, t, j) => {
    const m = term.consumer.size;
    const e = entry(c, term.weight);
    // W_{c,N}ᵀ d_c: column j of W (m rows, |N| columns); tied, W_M d_c: row j of W_M (|N| rows, m columns)
    const w = (i: Ix): Ix => (term.tied ? j.times(m).plus(i) : i.times(node.size).plus(j)).plus(e.offset);
    return sum(c, m, 'i', 'acc', (i) => `${R(c, 'params', w(i))} * ${R(c, `d_${term.consumer.name}`, t.times(m).plus(i))}`);
  },
  add: (c, term, node, t, j) => ({ setup: [], value: R(c, `d_${term.consumer.name}`, t.times(node.size).plus(j)) }),
  of: (c, term, node, t, j) => ({ setup: [], value: R(c, `d_${term.consumer.name}`, t.times(node.size).plus(j)) }),
  multiply: (c, term, node, t, j) => ({ setup: [], value: `${R(c, `d_${term.consumer.name}`, t.times(node.size).plus(j))} * ${readOrZero(c, term.other, t, j)}` }),
  concat: (c, term, _node, t, j) => ({ setup: [], value: R(c, `d_${term.consumer.name}`, t.times(term.consumer.size).plus(j).plus(term.offset)) }),
};

/** g_N at step t: the sum of its terms; d_N from g_N by the node's local rule; then its parameters' gradients. */
function backwardNode(c: Ctx, a: NodeAdjoint, t: Ix): string[] {
  const { node } = a;
  const n = node.size;
  const row = t.times(n);
  const out: string[] = [];
  const d = `d_${node.name}`;
  const cancel = a.local.kind === 'cancel';
  const last = lossSteps(c.der) === 'last' && c.T > 1;
  const yRow = last ? Ix.of(0) : row;
  const delta = (j: Ix): string => `${R(c, `v_${node.name}`, row.plus(j))} - ${R(c, 'y', yRow.plus(j))}`;
  const readerTerms = a.terms.filter((term) => term.rule !== 'loss');
  if (cancel && readerTerms.length === 0) {
    // d = a − y where the step has a loss (a softmax or sigmoid output nobody else reads), else 0.
    out.push(...each(c, n, 'j', 1, (j) => [`${W(d, row.plus(j))} = ${!last ? delta(j) : t.literal ? (t.c === c.T - 1 ? delta(j) : '0') : `${t} === ${c.T - 1} ? ${delta(j)} : 0`};`]));
  } else {
    const lossOnlyLast = last;
    // One loop per term, each adding to the row (a later term only while t + 1 < T). A cancelling output
    // read by other nodes too takes its readers' terms through σ′, then a − y: never ∞ · 0 where σ saturates.
    out.push(...each(c, n, 'j', 1, (j) => [`${W(d, row.plus(j))} = 0;`]));
    for (const term of cancel ? readerTerms : a.terms) {
      const later = term.rule !== 'loss' && term.later;
      if (later && c.T === 1) continue;
      const at = later ? t.plus(1) : t;
      const lines = (term.rule === 'dense' ? transposedProduct(c, term, node, at, row) : undefined) ?? each(c, n, 'j', term.rule === 'dense' ? term.consumer.size : 1, (j) => {
        const r = (TERMS[term.rule] as (c: Ctx, term: Term, node: NodeSpec, t: Ix, j: Ix) => { setup: string[]; value: string })(c, term, node, at, j);
        return [...r.setup, `${R(c, d, row.plus(j))} += ${r.value};`];
      });
      if (term.rule === 'loss' && lossOnlyLast) out.push(...(t.literal ? (t.c === c.T - 1 ? lines : []) : [`if (${t} === ${c.T - 1}) {`, ...indent(lines), '}']));
      else if (later) out.push(...(t.literal ? (t.c + 1 < c.T ? lines : []) : [`if (${t} + 1 < ${c.T}) {`, ...indent(lines), '}']));
      else out.push(...lines);
    }
    const local = a.local;
    if (local.kind !== 'identity') out.push(...each(c, n, 'j', 1, (j) => [`${R(c, d, row.plus(j))} *= ${derivative(c, local.act, node, t, j)};`]));
    if (cancel) {
      const lines = each(c, n, 'j', 1, (j) => [`${R(c, d, row.plus(j))} += ${delta(j)};`]);
      out.push(...(!last ? lines : t.literal ? (t.c === c.T - 1 ? lines : []) : [`if (${t} === ${c.T - 1}) {`, ...indent(lines), '}']));
    }
  }
  if (node.kind === 'dense') out.push(...gradientOf(c, node, t));
  return out;
}

/** σ'(z_N) (dense) or σ'(input) (of) at element j, step t, from the forward value where the activation allows. */
function derivative(c: Ctx, act: Activation, node: NodeSpec, t: Ix, j: Ix): string {
  const row = t.times(node.size);
  if (node.kind === 'dense') return scalar(c, applyDerivative(act, sym('z'), sym('a')), { z: R(c, `z_${node.name}`, row.plus(j)), a: R(c, `v_${node.name}`, row.plus(j)) });
  const s = node.inputs[0]!;
  return scalar(c, applyDerivative(act, sym('z'), sym('a')), { z: readOrZero(c, s, t, j), a: R(c, `v_${node.name}`, row.plus(j)) });
}

/** ∂C/∂W += d_N(t) in(t)ᵀ for each input (tied: in(t) d_N(t)ᵀ into the partner's W), ∂C/∂b += d_N(t). */
function gradientOf(c: Ctx, node: Extract<NodeSpec, { kind: 'dense' }>, t: Ix): string[] {
  const n = node.size;
  const row = t.times(n);
  const out: string[] = [];
  node.inputs.forEach((s) => {
    const cols = size(c, s);
    const tied = node.tied !== undefined;
    const e = entry(c, weightName(c.net, node, s));
    // d_N[j] read once a row: the outer product's inner loop multiplies a local.
    out.push(...whenPrev(c, s.prev, t, () => each(c, n, 'j', cols, (j) => [`const dj = ${R(c, `d_${node.name}`, row.plus(j))};`, ...each(c, cols, 'i', 1, (i) => {
      const at = (tied ? i.times(n).plus(j) : j.times(cols).plus(i)).plus(e.offset);
      return [`${R(c, 'grad', at)} += dj * ${read(c, s, t, i)};`];
    })])));
  });
  if (node.bias) {
    const e = entry(c, biasName(c.net, node));
    out.push(...each(c, n, 'j', 1, (j) => [`${R(c, 'grad', j.plus(e.offset))} += ${R(c, `d_${node.name}`, row.plus(j))};`]));
  }
  return out;
}

function backwardBody(c: Ctx): string[] {
  const lines = ['grad.fill(0);'];
  const step = (t: Ix): string[] => c.der.adjoints.flatMap((a) => backwardNode(c, a, t));
  if (c.T === 1) lines.push(...step(Ix.of(0)));
  else lines.push(`for (let t = ${c.T - 1}; t >= 0; t--) {`, ...indent(step(Ix.of('t'))), '}');
  const l2 = c.net.regularization?.l2 ?? 0;
  if (l2 > 0) {
    for (const e of c.der.layout.entries.filter((x) => x.kind === 'W')) {
      lines.push(`for (let i = ${e.offset}; i < ${e.offset + e.rows * e.cols}; i++) ${R(c, 'grad', Ix.of('i'))} += ${l2} * ${R(c, 'params', Ix.of('i'))};`);
    }
  }
  return lines;
}

// ---------------------------------------------------------------- module

function scratch(c: Ctx): string[] {
  const T = c.T;
  const lines: string[] = [];
  for (const node of c.net.nodes) {
    const act = isAct(node) ? c.der.activations.get(node.name) : undefined;
    lines.push(`const v_${node.name} = new Float64Array(${T * node.size});`);
    if (node.kind === 'dense' ? !(act!.identityJacobian && act!.elementwise) : act !== undefined && !act.elementwise) lines.push(`const z_${node.name} = new Float64Array(${T * node.size});`);
    if (act && !act.elementwise) lines.push(`const m_${node.name} = new Float64Array(${T});`, `const s_${node.name} = new Float64Array(${T});`);
    lines.push(`const d_${node.name} = new Float64Array(${T * node.size});`);
  }
  lines.push(`const stepGrad = new Float64Array(${c.der.layout.paramCount});`);
  return lines;
}

export interface GraphCodeOptions {
  readonly unroll: UnrollMode;
}

function context(der: GraphDerivation, options: Partial<GraphCodeOptions>, d: Dialect): Ctx {
  const unroll = options.unroll ?? 'auto';
  if (unroll === 'full' && der.layout.paramCount > FULL_UNROLL_PARAMETER_LIMIT) {
    throw new UserError(`--unroll full: ${der.network.name} has ${der.layout.paramCount} parameters; straight-line code is limited to ${FULL_UNROLL_PARAMETER_LIMIT} (use --unroll loops or auto)`);
  }
  return { d, net: der.network, der, T: der.steps, unroll, used: [] };
}

export function graphBodies(der: GraphDerivation, options: Partial<GraphCodeOptions>, d: Dialect): Bodies {
  const c = context(der, options, d);
  const out = outputNode(c.net);
  const sizes = exampleSizes(c.net);
  const fn = (name: string, params: [string, string][], returns: string, body: string[]): string =>
    [`function ${name}(${params.map(([p, ty]) => `${p}${annotation(d, ty)}`).join(', ')})${annotation(d, returns)} {`, ...indent(body), '}'].join('\n');
  const P: [string, string] = ['params', 'Float64Array'];
  const X: [string, string] = ['x', 'ArrayLike<number>'];
  const Y: [string, string] = ['y', 'ArrayLike<number>'];
  const helpers = [
    `/** The forward pass: every node's value${c.T > 1 ? ` at steps 1 … ${c.T}` : ''}, into the buffers. */\n${fn('forwardPass', [P, X], 'void', forwardBody(c))}`,
    `/** C of the values the forward pass left in the buffers. */\n${fn('lossValue', [P, Y], 'number', lossBody(c))}`,
    `/** The backward pass after forwardPass: ∂C/∂params into grad${c.T > 1 ? ', through time (t from T down to 1)' : ''}. */\n${fn('backwardPass', [P, X, Y, ['grad', 'Float64Array']], 'void', backwardBody(c))}`,
  ];
  const first = lossSteps(der) === 'last' || c.T === 1 ? (c.T - 1) * out.size : 0;
  const copyOut = sizes.y === out.size * c.T && c.T > 1
    ? [`for (let j = 0; j < ${sizes.y}; j++) out[j] = ${R(c, `v_${out.name}`, Ix.of('j'))};`]
    : each(c, out.size, 'j', 1, (j) => [`out[${j}] = ${R(c, `v_${out.name}`, j.plus(first))};`]);
  return {
    scratch: scratch(c),
    helpers,
    predict: ['forwardPass(params, x);', ...copyOut, 'return out;'],
    loss: ['forwardPass(params, x);', 'return lossValue(params, y);'],
    lossAndGradient: ['forwardPass(params, x);', 'const C = lossValue(params, y);', 'backwardPass(params, x, y, grad);', 'return C;'],
    // The backward pass writes grad (a tied weight's two uses meet there), so a batch's sum goes through stepGrad.
    addLossAndGradient: ['forwardPass(params, x);', 'const C = lossValue(params, y);', 'backwardPass(params, x, y, stepGrad);',
      `for (let i = 0; i < ${der.layout.paramCount}; i++) ${R(c, 'grad', Ix.of('i'))} += ${R(c, 'stepGrad', Ix.of('i'))};`, 'return C;'],
    sgdStep: ['forwardPass(params, x);', 'const C = lossValue(params, y);', 'backwardPass(params, x, y, stepGrad);',
      `for (let i = 0; i < ${der.layout.paramCount}; i++) ${R(c, 'params', Ix.of('i'))} -= rate * ${R(c, 'stepGrad', Ix.of('i'))};`, 'return C;'],
    used: c.used,
  };
}

export function describeGraph(net: GraphNetwork): string {
  const kinds = net.nodes.map((n) => `${n.name}: ${n.kind}${n.kind === 'dense' && n.tied ? ` tied to ${n.tied}` : ''}`).join(', ');
  const loss = typeof net.loss === 'string' ? net.loss : 'formula';
  return `graph of ${net.nodes.length} nodes (${kinds})${net.sequence ? `, ${net.sequence} steps (${net.target})` : ''}, loss ${loss}${net.regularization ? `, l2 ${net.regularization.l2}` : ''}`;
}

function parts(der: GraphDerivation, options: Partial<GraphCodeOptions>, d: Dialect) {
  const net = der.network;
  const sizes = exampleSizes(net);
  const bodies = graphBodies(der, options, d);
  return {
    name: net.name, summary: describeGraph(net), inputSize: sizes.x, outputSize: sizes.y, paramCount: der.layout.paramCount,
    layoutNote: 'in node order, W_N (W_N_<input> for several inputs) row-major, then b_N',
    entries: der.layout.entries,
    mode: options.unroll === 'loops' ? 'loops with the sizes baked in' : options.unroll === 'full' ? 'straight-line within each step' : 'small loops straight-line, large ones as loops, sizes baked in',
    bodies,
  };
}

export function generateGraphModule(der: GraphDerivation, options: Partial<GraphCodeOptions>, d: Dialect = TYPESCRIPT): string {
  return printModule(parts(der, options, d), d);
}

export function generateGraphJavaScript(der: GraphDerivation, options: Partial<GraphCodeOptions> = {}): string {
  return printModule(parts(der, options, JAVASCRIPT), JAVASCRIPT);
}

export function generateGraphDeclarations(der: GraphDerivation): string {
  const net = der.network;
  const sizes = exampleSizes(net);
  return printDeclarations({ name: net.name, summary: describeGraph(net), inputSize: sizes.x, outputSize: sizes.y, paramCount: der.layout.paramCount, entries: der.layout.entries });
}

