// Evaluating a graph formula: over numbers at a point (the verdict), or over
// polynomials in the named quantities (the proof: the formula and the
// derivation's are the same polynomial in δ, the node values, the parameters,
// x and y, with values outside steps 1..T and δs that receive nothing zero).
import type { NodeSpec } from '../spec/graph-types.ts';
import { stepsOf } from '../spec/graph-types.ts';
import { shapeText } from './context.ts';
import { ShapeError, SyntaxProblem } from './errors.ts';
import { children, type GNode, type Idx, type Step } from './graph-formula.ts';
import { L2, RATE, type GraphNames } from './graph-names.ts';
import { hasLoss, type GraphPoint, type Vec } from './graph-values.ts';
import { referencePair, softmax } from './points.ts';

/** A value: rows × cols, row-major. */
export interface Mat<S> { readonly rows: number; readonly cols: number; readonly data: S[] }

/** The arithmetic of the scalars, and where the named quantities come from. */
export interface Algebra<S> {
  num(v: number): S;
  add(a: S, b: S): S;
  sub(a: S, b: S): S;
  mul(a: S, b: S): S;
  div(a: S, b: S): S;
  pow(a: S, b: S): S;
  neg(a: S): S;
  fn(name: string, a: S): S;
  /** Node `node`'s activation (or its derivative) of a vector. */
  act(node: NodeSpec, derivative: boolean, v: S[], pos: number): S[];
  /** A named quantity (canonical name) at step s (undefined for parameters and lambda). */
  quantity(name: string, s: number | undefined): Mat<S>;
}

export interface Env {
  readonly t?: number;
  readonly idx: Readonly<Record<string, number>>;
}

export class Evaluator<S> {
  private readonly notes = new Set<string>();
  constructor(readonly names: GraphNames, readonly alg: Algebra<S>) {}

  takeNotes(): string[] {
    const out = [...this.notes];
    this.notes.clear();
    return out;
  }

  eval(n: GNode, env: Env): Mat<S> {
    const A = this.alg;
    switch (n.kind) {
      case 'num': return scalarOf(A.num(n.value));
      case 'ref': return this.ref(n, env);
      case 'neg': return mapM(this.eval(n.arg, env), (v) => A.neg(v));
      case 'transpose': {
        const a = this.eval(n.arg, env);
        const data: S[] = [];
        for (let c = 0; c < a.cols; c++) for (let r = 0; r < a.rows; r++) data.push(a.data[r * a.cols + c]!);
        return { rows: a.cols, cols: a.rows, data };
      }
      case 'slice': {
        const a = this.eval(n.arg, env);
        if (a.cols !== 1) throw new ShapeError(`a part [${n.from}:${n.to}] is taken of a column vector, found ${shapeText(a)}`, n.pos);
        if (n.to > a.rows) throw new ShapeError(`rows ${n.from} to ${n.to} of a vector of ${a.rows}`, n.pos);
        return { rows: n.to - n.from + 1, cols: 1, data: a.data.slice(n.from - 1, n.to) };
      }
      case 'stack': {
        const parts = n.parts.map((p) => this.eval(p, env));
        const wide = parts.find((p) => p.cols !== 1);
        if (wide) throw new ShapeError(`stacked parts are column vectors, found ${shapeText(wide)}`, n.pos);
        return { rows: parts.reduce((r, p) => r + p.rows, 0), cols: 1, data: parts.flatMap((p) => p.data) };
      }
      case 'sum': {
        let acc: Mat<S> | undefined;
        const range = n.index === 't' ? this.names.T + (n.steps?.toShift ?? 0) : indexRange(n.body, n.index, this.names, n.pos);
        // Steps outside 1..T read zero values (before the first step) in the body.
        for (let s = n.steps?.from ?? 1; s <= range; s++) {
          const inner: Env = n.index === 't' ? { ...env, t: s } : { ...env, idx: { ...env.idx, [n.index]: s } };
          const v = this.eval(n.body, inner);
          acc = acc ? this.zip(acc, v, (a, b) => A.add(a, b), n.pos, '+', false) : v;
        }
        // An empty range (\sum_{t=5}^{T} with T = 4): zero, in the body's shape.
        if (!acc) return mapM(this.eval(n.body, n.index === 't' ? { ...env, t: n.steps?.from ?? 1 } : env), () => A.num(0));
        return acc;
      }
      case 'call': {
        const a = this.eval(n.args[0]!, env);
        if (n.fn === 'diag') {
          if (a.cols !== 1) throw new ShapeError(`diag takes a column vector, found ${shapeText(a)}`, n.pos);
          const data = Array.from({ length: a.rows * a.rows }, () => A.num(0));
          a.data.forEach((v, i) => { data[i * a.rows + i] = v; });
          return { rows: a.rows, cols: a.rows, data };
        }
        if (n.fn === 'f' || n.fn === 'df') {
          const node = this.names.nodes.get(n.node!)!;
          if (a.cols !== 1) throw new ShapeError(`f of ${node.name} takes a column vector, found ${shapeText(a)}`, n.pos);
          return { ...a, data: A.act(node, n.fn === 'df', a.data, n.pos) };
        }
        // A mask written with ≥: 1 at 0 too, 1 − step(−x) (step(0) = 0).
        if (n.inclusive) return mapM(a, (v) => A.sub(A.num(1), A.fn('step', A.neg(v))));
        return mapM(a, (v) => A.fn(n.fn, v));
      }
      case 'bin': return this.bin(n, env);
    }
  }

  private ref(n: Extract<GNode, { kind: 'ref' }>, env: Env): Mat<S> {
    const T = this.names.T;
    const paramLike = this.names.isParam(n.name) || n.name === L2 || n.name === RATE;
    const step = n.step;
    const s = paramLike ? undefined : !step ? (env.t ?? T) : step.base === 'lit' ? step.value : (step.base === 't' ? (env.t ?? T) : T) + step.shift;
    const m = this.alg.quantity(n.name, s);
    if (!n.index) return m;
    const dims = m.cols === 1 ? [m.rows] : [m.rows, m.cols];
    if (n.index.length !== dims.length) throw new ShapeError(`${n.name} takes ${dims.length} ind${dims.length === 1 ? 'ex' : 'ices'}, found ${n.index.length}`, n.pos);
    const at = n.index.map((ix, d) => {
      const v = ix.kind === 'lit' ? ix.value : env.idx[ix.name];
      if (v === undefined) throw new ShapeError(`index ${(ix as { name: string }).name} is neither an index of --wrt nor a sum's`, n.pos);
      if (v < 1 || v > dims[d]!) throw new ShapeError(`index ${v} of ${n.name} is out of its range 1..${dims[d]}`, n.pos);
      return v;
    });
    return scalarOf(m.data[(at[0]! - 1) * m.cols + ((at[1] ?? 1) - 1)]!);
  }

  private zip(a: Mat<S>, b: Mat<S>, f: (x: S, y: S) => S, pos: number, op: string, broadcast = true): Mat<S> {
    const sa = a.rows === 1 && a.cols === 1;
    const sb = b.rows === 1 && b.cols === 1;
    if (broadcast && sa && !sb) return mapM(b, (y) => f(a.data[0]!, y));
    if (broadcast && sb && !sa) return mapM(a, (x) => f(x, b.data[0]!));
    if (a.rows !== b.rows || a.cols !== b.cols) throw new ShapeError(`${shapeText(a)} ${op} ${shapeText(b)}: the shapes differ`, pos);
    return { rows: a.rows, cols: a.cols, data: a.data.map((x, i) => f(x, b.data[i]!)) };
  }

  private bin(n: Extract<GNode, { kind: 'bin' }>, env: Env): Mat<S> {
    const A = this.alg;
    const a = this.eval(n.left, env);
    const b = this.eval(n.right, env);
    const scalarA = a.rows === 1 && a.cols === 1;
    const scalarB = b.rows === 1 && b.cols === 1;
    switch (n.op) {
      case '+': return this.zip(a, b, (x, y) => A.add(x, y), n.pos, '+');
      case '-': return this.zip(a, b, (x, y) => A.sub(x, y), n.pos, '−');
      case '.*': return this.zip(a, b, (x, y) => A.mul(x, y), n.pos, '⊙');
      case './': return this.zip(a, b, (x, y) => A.div(x, y), n.pos, '⊘');
      case '/':
        if (scalarB || (a.rows === b.rows && a.cols === b.cols)) return this.zip(a, b, (x, y) => A.div(x, y), n.pos, '/');
        throw new ShapeError(`a division of ${shapeText(a)} by ${shapeText(b)}`, n.pos);
      case '^':
        if (!scalarB) throw new ShapeError(`a power ${shapeText(b)}: the exponent is a number`, n.pos);
        return mapM(a, (v) => A.pow(v, b.data[0]!));
      case '*': {
        if (scalarA || scalarB) return this.zip(a, b, (x, y) => A.mul(x, y), n.pos, '·');
        if (n.implicit && a.cols === 1 && b.cols === 1 && a.rows === b.rows) {
          this.notes.add('two column vectors of one size written side by side were multiplied elementwise (⊙)');
          return this.zip(a, b, (x, y) => A.mul(x, y), n.pos, '⊙', false);
        }
        if (a.cols !== b.rows) throw new ShapeError(`a product of ${shapeText(a)} by ${shapeText(b)}: the columns of the left (${a.cols}) are not the rows of the right (${b.rows})`, n.pos);
        const data: S[] = [];
        for (let i = 0; i < a.rows; i++) {
          for (let j = 0; j < b.cols; j++) {
            let acc = A.mul(a.data[i * a.cols]!, b.data[j]!);
            for (let k = 1; k < a.cols; k++) acc = A.add(acc, A.mul(a.data[i * a.cols + k]!, b.data[k * b.cols + j]!));
            data.push(acc);
          }
        }
        return { rows: a.rows, cols: b.cols, data };
      }
    }
  }
}

const scalarOf = <S>(v: S): Mat<S> => ({ rows: 1, cols: 1, data: [v] });
const mapM = <S>(m: Mat<S>, f: (v: S) => S): Mat<S> => ({ rows: m.rows, cols: m.cols, data: m.data.map(f) });

/** The range of a sum's index letter: the size of the first dimension it indexes in the body. */
export function indexRange(body: GNode, letter: string, names: GraphNames, pos: number): number {
  const stack = [body];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.kind === 'ref' && n.index) {
      const d = n.index.findIndex((i: Idx) => i.kind === 'var' && i.name === letter);
      if (d >= 0) {
        const s = names.shapeOf(n.name)!;
        return d === 0 ? s.rows : s.cols;
      }
    }
    stack.push(...children(n));
  }
  throw new SyntaxProblem(`the sum over ${letter}: ${letter} indexes nothing inside it, so its range is unknown`, pos);
}

// ---------------------------------------------------------------- numbers

const sig = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const ELEMENTWISE: Record<string, (x: number) => number> = {
  exp: Math.exp, log: Math.log, sqrt: Math.sqrt, abs: Math.abs, tanh: Math.tanh, sinh: Math.sinh, cosh: Math.cosh,
  sech: (x) => 1 / Math.cosh(x), sin: Math.sin, cos: Math.cos, sign: Math.sign, sigmoid: sig,
  dsigmoid: (x) => sig(x) * (1 - sig(x)), dtanh: (x) => 1 - Math.tanh(x) ** 2,
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), relu: (x) => (x > 0 ? x : 0), step: (x) => (x > 0 ? 1 : 0),
};

/** The numbers of one point. */
export function numericAlgebra(names: GraphNames, p: GraphPoint): Algebra<number> {
  const T = names.T;
  const net = names.network;
  return {
    num: (v) => v,
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    div: (a, b) => a / b,
    pow: (a, b) => a ** b,
    neg: (a) => -a,
    fn: (name, a) => ELEMENTWISE[name]!(a),
    act: (node, derivative, v, pos) => {
      const spec = node.kind === 'dense' || node.kind === 'of' ? node.activation : { kind: 'identity' as const };
      if (spec.kind === 'softmax') {
        if (derivative) throw new ShapeError(`f' of ${node.name}: softmax has a Jacobian, not an elementwise derivative`, pos);
        return softmax(v);
      }
      const pair = referencePair(spec);
      return v.map(derivative ? pair.df : pair.f);
    },
    quantity: (name, s) => {
      const param = p.params.get(name);
      if (param) return { rows: param.length, cols: param[0]!.length, data: param.flat() };
      if (name === L2) return scalarOf(names.l2 ?? 0);
      if (name === RATE) return scalarOf(names.rate ?? 0);
      const size = names.shapeOf(name)!.rows;
      const col = (v: Vec | undefined): Mat<number> => ({ rows: size, cols: 1, data: v ? [...v] : new Array<number>(size).fill(0) });
      if (s === undefined || s < 1 || s > T) return col(undefined);
      if (name === 'x') return col(p.x[s - 1]);
      if (name === 'y') return col(net.target === 'last-step' ? (s === T ? p.y[0] : undefined) : p.y[s - 1]);
      const m = /^(z|delta)_(.+)$/.exec(name);
      if (m) return col((m[1] === 'z' ? p.z : p.delta).get(m[2]!)![s - 1]);
      return col(p.value.get(name)![s - 1]);
    },
  };
}

// ---------------------------------------------------------------- polynomials

interface Term { readonly coef: number; readonly vars: readonly (readonly [string, number])[] }
/** A polynomial: monomial key → term. Functions and quotients of non-constants are atoms. */
export type Poly = ReadonlyMap<string, Term>;

export class TooLarge extends Error {}

const MAX_TERMS = 4000;
const monoKey = (vars: Term['vars']): string => vars.map(([v, p]) => (p === 1 ? v : `${v}^${p}`)).join('*');
const constant = (c: number): Poly => (c === 0 ? new Map() : new Map([['', { coef: c, vars: [] }]]));
const variable = (v: string): Poly => new Map([[v, { coef: 1, vars: [[v, 1]] }]]);
const asConstant = (p: Poly): number | undefined => (p.size === 0 ? 0 : p.size === 1 && p.has('') ? p.get('')!.coef : undefined);

export function polyKey(p: Poly): string {
  return [...p.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, t]) => `${Number(t.coef.toPrecision(12))}${k ? `*${k}` : ''}`).join('+') || '0';
}

function addP(a: Poly, b: Poly, sign = 1): Poly {
  const out = new Map(a);
  for (const [k, t] of b) {
    const c = (out.get(k)?.coef ?? 0) + sign * t.coef;
    if (c === 0) out.delete(k);
    else out.set(k, { coef: c, vars: t.vars });
  }
  return out;
}

function mulP(a: Poly, b: Poly): Poly {
  const out = new Map<string, Term>();
  for (const ta of a.values()) {
    for (const tb of b.values()) {
      const vars = new Map(ta.vars);
      for (const [v, p] of tb.vars) vars.set(v, (vars.get(v) ?? 0) + p);
      const sorted = [...vars.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
      const k = monoKey(sorted);
      const c = (out.get(k)?.coef ?? 0) + ta.coef * tb.coef;
      if (c === 0) out.delete(k);
      else out.set(k, { coef: c, vars: sorted });
    }
  }
  if (out.size > MAX_TERMS) throw new TooLarge();
  return out;
}

/** Which δ_N(t) receive anything: false where ∂C/∂N at step t is zero by the network's structure. */
function liveDeltas(names: GraphNames): Map<string, boolean[]> {
  const net = names.network;
  const T = stepsOf(net);
  const live = new Map(net.nodes.map((n) => [n.name, new Array<boolean>(T + 2).fill(false)]));
  for (let t = T; t >= 1; t--) {
    if (hasLoss(net, t)) live.get(net.output)![t] = true;
    for (const node of [...net.nodes].reverse()) {
      if (!live.get(node.name)![t]) continue;
      for (const s of node.inputs) {
        if (s.node === 'x') continue;
        const at = s.prev ? t - 1 : t;
        if (at >= 1) live.get(s.node)![at] = true;
      }
    }
  }
  return live;
}

/** Polynomials in the named quantities: one variable per element of each, per step. */
export function polyAlgebra(names: GraphNames): Algebra<Poly> {
  const T = names.T;
  const net = names.network;
  const live = liveDeltas(names);
  const atom = (name: string, ...args: Poly[]): Poly => variable(`${name}(${args.map(polyKey).join(';')})`);
  const alg: Algebra<Poly> = {
    num: constant,
    add: (a, b) => addP(a, b),
    sub: (a, b) => addP(a, b, -1),
    mul: mulP,
    div: (a, b) => {
      const c = asConstant(b);
      return c !== undefined && c !== 0 ? mulP(a, constant(1 / c)) : mulP(a, atom('1/', b));
    },
    pow: (a, b) => {
      const c = asConstant(b);
      if (c !== undefined && Number.isInteger(c) && c >= 0 && c <= 6) {
        let out = constant(1);
        for (let k = 0; k < c; k++) out = mulP(out, a);
        return out;
      }
      const ca = asConstant(a);
      if (ca !== undefined && c !== undefined) return constant(ca ** c);
      return atom('pow', a, b);
    },
    neg: (a) => addP(constant(0), a, -1),
    fn: (name, a) => {
      const c = asConstant(a);
      return c !== undefined ? constant(ELEMENTWISE[name]!(c)) : atom(name, a);
    },
    act: (node, derivative, v) => {
      const spec = node.kind === 'dense' || node.kind === 'of' ? node.activation : { kind: 'identity' as const };
      const tag = `${derivative ? 'df' : 'f'}_${node.name}`;
      return spec.kind === 'softmax' ? v.map((_, i) => atom(`${tag}#${i}`, ...v)) : v.map((e) => atom(tag, e));
    },
    quantity: (name, s) => {
      const shape = names.shapeOf(name)!;
      const cells = (prefix: string, zero: boolean): Mat<Poly> => ({
        rows: shape.rows, cols: shape.cols,
        data: Array.from({ length: shape.rows * shape.cols }, (_, k) => (zero ? constant(0) : variable(`${prefix}#${k}`))),
      });
      if (names.isParam(name)) return cells(name, false);
      if (name === L2) return scalarOf(constant(names.l2 ?? 0));
      // The rate stays a symbol in a proof: a formula right at one rate only is not proved.
      if (name === RATE) return scalarOf(variable(RATE));
      if (s === undefined || s < 1 || s > T) return cells(name, true);
      // A concat's value is its inputs stacked: expanded, [h_{t-1}; x_t] and hx_t are one polynomial.
      const node = names.nodes.get(name);
      if (node?.kind === 'concat') return { rows: shape.rows, cols: 1, data: node.inputs.flatMap((r) => alg.quantity(r.node, r.prev ? s - 1 : s).data) };
      if (name === 'y' && net.target === 'last-step') return cells('y', s !== T);
      const d = /^delta_(.+)$/.exec(name);
      if (d && !live.get(d[1]!)![s]) return cells(name, true);
      return cells(`${name}@${s}`, false);
    },
  };
  return alg;
}

/** Whether two polynomials are equal (coefficients to 1e-9 relative). */
export function samePoly(a: Poly, b: Poly): boolean {
  const diff = addP(a, b, -1);
  let scale = 1;
  for (const t of a.values()) scale = Math.max(scale, Math.abs(t.coef));
  for (const t of b.values()) scale = Math.max(scale, Math.abs(t.coef));
  for (const t of diff.values()) if (Math.abs(t.coef) > 1e-9 * scale) return false;
  return true;
}

export type { Step };
