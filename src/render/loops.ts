// The loop form of the trainer, for networks too large to unroll whole: the
// derivation's matrix expressions printed element-wise over module-level
// buffers (z1, a1, d1), sizes baked in as constants. The form is chosen per
// loop nest from its sizes: a small layer is printed straight-line (every
// index a literal), a short reduction is summed inline, a long one is a loop
// unrolled by 4 (measured 1.37× on 784-30-10). Bodies longer than V8's
// optimization limit are split into helper functions (see chunk()).
import type { Compiled } from '../pipeline.ts';
import type { GraphLayer } from '../graph/build.ts';
import { layoutOf, type Layout, type LayoutEntry } from '../graph/layout.ts';
import { lossExpression } from '../lower/routine.ts';
import { applyActivation, applyDerivative } from '../symbolic/activations.ts';
import { substitute, sym, symKey, type Expr, type Sym } from '../symbolic/expr.ts';
import type { MExpr } from '../symbolic/matrix.ts';
import { annotation, readElement, TsPrinter, TYPESCRIPT, type Dialect } from './ts-printer.ts';

export interface Bodies {
  readonly scratch: string[];
  /** Helper functions the bodies call (parts of bodies too long for one function). */
  readonly helpers?: string[];
  readonly predict: string[];
  readonly loss: string[];
  readonly lossAndGradient: string[];
  /** lossAndGradient adding into grad instead of writing it: a batch's sum without a second pass per example. */
  readonly addLossAndGradient: string[];
  readonly sgdStep: string[];
  readonly used: Expr[];
}

/** A layer with at most this many weights is printed straight-line. */
export const SMALL_LAYER = 64;
/** A reduction this long or shorter is summed inline; longer ones loop, unrolled by 4. */
export const INLINE_SUM = 16;
/** Statements per generated function; V8 stops optimizing at about 950. */
export const FUNCTION_STATEMENT_LIMIT = 600;

/** Buffer names: z1, a1, d1 (δ); a0 is the input x. */
const buffer = (base: string, layer: number): string => (base === 'a' && layer === 0 ? 'x' : `${base === 'delta' ? 'd' : base}${layer}`);

const isLiteral = (ix: string): boolean => /^\d+$/.test(ix);
const paren = (ix: string): string => (/^[\w.]+$/.test(ix) ? ix : `(${ix})`);

/** offset + i·cols + j with the constant parts folded (i and j are index code). */
export function linear(offset: number, i: string, cols: number, j: string): string {
  let c = offset;
  const parts: string[] = [];
  if (isLiteral(i)) c += Number(i) * cols;
  else parts.push(cols === 1 ? i : `${paren(i)} * ${cols}`);
  if (isLiteral(j)) c += Number(j);
  else parts.push(j);
  if (c !== 0 || parts.length === 0) parts.push(String(c));
  return parts.join(' + ');
}

/** i + o as index code, folded when i is a literal. */
const shift = (i: string, o: number): string => (o === 0 ? i : isLiteral(i) ? String(Number(i) + o) : `${i} + ${o}`);

/** Straight-line everywhere (forced --unroll full on a network too large for the scalar routine). */
let unrollAll = false;

class LoopPrinter {
  private counter = 0;
  private readonly codes = new Map<string, string>();
  private readonly printer = new TsPrinter((s) => this.spell(s));
  private readonly entries = new Map<string, LayoutEntry>();
  constructor(layout: Layout, readonly dialect: Dialect) {
    for (const e of layout.entries) this.entries.set(`${e.kind}${e.layer}`, e);
  }

  /** An element read (or compound-assignment target); see readElement. */
  read(array: string, index: string): string {
    return readElement(this.dialect, array, index);
  }

  entry(kind: 'W' | 'b', l: number): LayoutEntry {
    const e = this.entries.get(`${kind}${l}`);
    if (!e) throw new Error(`internal: no ${kind}${l}`);
    return e;
  }

  fresh(): number {
    return ++this.counter;
  }

  private spell(s: Sym): string {
    const code = this.codes.get(symKey(s));
    if (code !== undefined) return code;
    if (s.base === 'y') return this.read('y', String(s.index[0]! - 1));
    if (s.base === 'm' || s.base === 's') return `${s.base}${s.layer}`;
    if (s.base === 'x') return this.read('x', String(s.index[0]! - 1));
    if (s.base === 'a' || s.base === 'z') return this.read(buffer(s.base, s.layer!), String(s.index[0]! - 1));
    throw new Error(`internal: no loop name for ${symKey(s)}`);
  }

  /** Print a scalar formula whose placeholder symbols stand for already-printed code. */
  formula(e: Expr, places: Record<string, string>): string {
    for (const [name, code] of Object.entries(places)) this.codes.set(symKey({ base: name, index: [] }), atom(code));
    return this.printer.print(e);
  }

  scalar(e: Expr): string {
    return this.printer.print(e);
  }

  /** Code for element (i, j) of m; statements it needs first go to `pre`. Indices are 0-based code. */
  element(m: MExpr, i: string, j: string, pre: string[]): string {
    switch (m.kind) {
      case 'mvar': {
        const l = m.layer ?? 0;
        if (m.base === 'W') { const e = this.entry('W', l); return this.read('params', linear(e.offset, i, e.cols, j)); }
        if (m.base === 'b') return this.read('params', linear(this.entry('b', l).offset, i, 1, '0'));
        if (m.base === 'y') return this.read('y', i);
        return this.read(buffer(m.base, l), i);
      }
      case 'transpose': return this.element(m.arg, j, i, pre);
      case 'matmul': return this.matmul(m, i, j, pre);
      case 'hadamard': return `${atom(this.element(m.left, i, j, pre))} * ${atom(this.element(m.right, i, j, pre))}`;
      case 'plus': return `${this.element(m.left, i, j, pre)} + ${this.element(m.right, i, j, pre)}`;
      case 'apply': return this.formula(applyActivation(m.act, sym('p0')), { p0: this.element(m.arg, i, j, pre) });
      case 'applyDeriv':
        return this.formula(applyDerivative(m.act, sym('p0'), sym('p1')), { p0: this.element(m.arg, i, j, pre), p1: this.element(m.output, i, j, pre) });
      case 'ewise': {
        const places: Record<string, string> = {};
        const renamed = substitute(m.expr, (s) => {
          if (s.index.length !== 0 || s.layer !== undefined) return undefined;
          if (Object.hasOwn(m.args, s.base)) { places[`q_${s.base}`] = this.element(m.args[s.base]!, i, j, pre); return sym(`q_${s.base}`); }
          if (s.base === 'n') return { kind: 'num', value: m.rows };
          return undefined;
        });
        return this.formula(renamed, places);
      }
      case 'softmaxJacobian': throw new Error('internal: the softmax Jacobian is simplified away before code');
    }
  }

  /** Σ_k left(i,k)·right(k,j): inline when short, else a loop unrolled by 4 with the remainder inline. */
  private matmul(m: Extract<MExpr, { kind: 'matmul' }>, i: string, j: string, pre: string[]): string {
    const K = m.left.cols;
    const term = (k: string, into: string[]): string => `${atom(this.element(m.left, i, k, into))} * ${atom(this.element(m.right, k, j, into))}`;
    if (K <= INLINE_SUM || unrollAll) {
      const terms = Array.from({ length: K }, (_, k) => term(String(k), pre));
      return terms.join(' + ');
    }
    const n = this.fresh();
    const acc = `acc${n}`;
    const k = `k${n}`;
    const inner: string[] = [];
    const first = term(k, inner);
    if (inner.length > 0) { // a nested reduction: keep the plain loop
      pre.push(`let ${acc} = 0;`, ...loop(K, k, [...inner, `${acc} += ${first};`]));
      return acc;
    }
    const main = K - (K % 4);
    const four = [first, ...[1, 2, 3].map((o) => term(shift(k, o), inner))];
    const rest = Array.from({ length: K - main }, (_, r) => term(String(main + r), inner));
    pre.push(`let ${acc} = 0;`, `for (let ${k} = 0; ${k} < ${main}; ${k} += 4) {`, `  ${acc} += ${four.join(' + ')};`, '}');
    if (rest.length > 0) pre.push(`${acc} += ${rest.join(' + ')};`);
    return acc;
  }
}

/** Parenthesize code unless it is a name or an element access (`a[i]!` in TypeScript). */
const atom = (code: string): string => (/^[A-Za-z_][\w.]*(\[[^\]]*\]!?)?$/.test(code) ? code : `(${code})`);

const loop = (n: number, index: string, body: string[]): string[] =>
  [`for (let ${index} = 0; ${index} < ${n}; ${index}++) {`, ...body.map((s) => `  ${s}`), '}'];

/** for j < n of body(j): straight-line with literal j when the nest is small, else a loop. */
function rows(n: number, small: boolean, body: (j: string) => string[]): string[] {
  if (small || unrollAll) return Array.from({ length: n }, (_, j) => body(String(j))).flat();
  return loop(n, 'j', body('j'));
}

const isSmall = (layer: GraphLayer): boolean => layer.units * layer.fanIn <= SMALL_LAYER;

/** A run of statements; glued blocks stay in one function with the block before them. */
interface Block { readonly lines: string[]; readonly glue?: boolean }

export function loopBodies(c: Compiled, options: { unrollAll?: boolean; dialect?: Dialect } = {}): Bodies {
  unrollAll = options.unrollAll ?? false;
  try {
    return bodies(c, options.dialect ?? TYPESCRIPT);
  } finally {
    unrollAll = false;
  }
}

function bodies(c: Compiled, dialect: Dialect): Bodies {
  const graph = c.derivation.graph;
  const lp = new LoopPrinter(layoutOf(c.network), dialect);
  const scratch: string[] = [];
  const forward: Block[] = [];
  for (const layer of graph.layers) {
    scratch.push(`const z${layer.l} = new Float64Array(${layer.units});`, `const a${layer.l} = new Float64Array(${layer.units});`, `const d${layer.l} = new Float64Array(${layer.units});`);
    forward.push({ lines: [`// layer ${layer.l}: z = W a + b, a = ${layer.act.name}(z)`, ...forwardLayer(lp, layer)] });
  }
  const last = graph.layers[graph.layers.length - 1]!;
  // The loss reads m, s of a softmax output layer: it stays with that layer's block.
  const lossBlock: Block = { lines: [`const C = ${lp.scalar(lossExpression(graph))};`], glue: true };
  const backward: Block[] = [];
  for (const g of [...c.derivation.gradients].reverse()) {
    const small = g.layer.units * (g.layer.l < graph.layers.length ? graph.layers[g.layer.l]!.units : 1) <= SMALL_LAYER;
    backward.push({ lines: [`// δ^(${g.layer.l})`, ...rows(g.layer.units, small, (j) => {
      const pre: string[] = [];
      const code = lp.element(g.delta, j, '0', pre);
      return [...pre, `d${g.layer.l}[${j}] = ${code};`];
    })] });
  }
  /** ∂C/∂W, ∂C/∂b per layer; `scale` multiplies the gradient (the rate, for the fused update). */
  const gradient = (write: (index: string, value: string) => string, scale: string): Block[] => c.derivation.gradients.map((g) => {
    const w = lp.entry('W', g.layer.l);
    const body = (j: string): string[] => {
      const out: string[] = [];
      const outer = g.dW.kind === 'matmul' && g.dW.left.cols === 1;
      if (outer) { // δ_j a_kᵀ: the row factor times the rate once per row
        const pre: string[] = [];
        const left = lp.element(g.dW.left, j, '0', pre);
        const r = `r${lp.fresh()}`;
        out.push(...pre, `const ${r} = ${scale ? `${scale} * ` : ''}${atom(left)};`);
        out.push(...columns(w.cols, (k) => {
          const p: string[] = [];
          const right = lp.element((g.dW as Extract<MExpr, { kind: 'matmul' }>).right, '0', k, p);
          return [...p, write(linear(w.offset, j, w.cols, k), `${r} * ${atom(right)}`)];
        }));
        if (g.db) out.push(write(linear(lp.entry('b', g.layer.l).offset, j, 1, '0'), r));
        return out;
      }
      out.push(...columns(w.cols, (k) => {
        const p: string[] = [];
        const v = lp.element(g.dW, j, k, p);
        return [...p, write(linear(w.offset, j, w.cols, k), scale ? `${scale} * ${atom(v)}` : v)];
      }));
      if (g.db) {
        const p: string[] = [];
        const v = lp.element(g.db, j, '0', p);
        out.push(...p, write(linear(lp.entry('b', g.layer.l).offset, j, 1, '0'), scale ? `${scale} * ${atom(v)}` : v));
      }
      return out;
    };
    return { lines: [`// ∂C/∂W^(${g.layer.l})${g.db ? ` and ∂C/∂b^(${g.layer.l})` : ''}`, ...rows(w.rows, isSmall(g.layer), body)] };
  });
  const helpers: string[] = [];
  const predictOut: Block = { lines: rows(last.units, last.units <= INLINE_SUM, (j) => [`out[${j}] = ${lp.read(`a${last.l}`, j)};`]) };
  return {
    scratch,
    helpers,
    predict: [...chunk('predict', [...forward, predictOut], helpers, dialect), 'return out;'],
    loss: [...chunk('loss', [...forward, lossBlock], helpers, dialect), 'return C;'],
    lossAndGradient: [...chunk('lossAndGradient', [...forward, lossBlock, ...backward, ...gradient((i, v) => `grad[${i}] = ${v};`, '')], helpers, dialect), 'return C;'],
    addLossAndGradient: [...chunk('addLossAndGradient', [...forward, lossBlock, ...backward, ...gradient((i, v) => `${lp.read('grad', i)} += ${v};`, '')], helpers, dialect), 'return C;'],
    // δ never reads the parameters it updates, so each update can happen in place.
    sgdStep: [...chunk('sgdStep', [...forward, lossBlock, ...backward, ...gradient((i, v) => `${lp.read('params', i)} -= ${v};`, 'rate')], helpers, dialect), 'return C;'],
    used: [lossExpression(graph), graph.loss.gradient, ...graph.layers.map((l) => l.act.formula), ...graph.layers.map((l) => l.act.fromOutput ?? l.act.derivative)],
  };
}

/** for k < n of body(k): inline up to INLINE_SUM, else a loop unrolled by 4. */
function columns(n: number, body: (k: string) => string[]): string[] {
  if (n <= INLINE_SUM || unrollAll) return Array.from({ length: n }, (_, k) => body(String(k))).flat();
  const main = n - (n % 4);
  const out = [`for (let k = 0; k < ${main}; k += 4) {`, ...[0, 1, 2, 3].flatMap((o) => body(shift('k', o))).map((s) => `  ${s}`), '}'];
  for (let k = main; k < n; k++) out.push(...body(String(k)));
  return out;
}

const statements = (lines: readonly string[]): number => lines.filter((l) => !l.trimStart().startsWith('//')).length;

/**
 * The blocks as one body when it fits under FUNCTION_STATEMENT_LIMIT; else
 * consecutive blocks go into helper functions (state is in the module-level
 * buffers, so nothing passes between them but C).
 */
function chunk(name: string, blocks: readonly Block[], helpers: string[], dialect: Dialect): string[] {
  const all = blocks.flatMap((b) => b.lines);
  if (statements(all) <= FUNCTION_STATEMENT_LIMIT) return all;
  // Sizes are kept as running totals: recounting a group per block was quadratic in depth.
  const groups: { blocks: Block[]; size: number }[] = [];
  for (const b of blocks) {
    const size = statements(b.lines);
    const group = groups[groups.length - 1];
    // Two statements are kept free: the glued loss line and the `return C;` of the part that computes C.
    if (group && (b.glue || group.size + size <= FUNCTION_STATEMENT_LIMIT - 2)) { group.blocks.push(b); group.size += size; }
    else groups.push({ blocks: [b], size });
  }
  type Param = readonly [name: string, type: string];
  const vector = 'ArrayLike<number>';
  const extra: Param[] = name === 'sgdStep' ? [['rate', 'number']] : name === 'lossAndGradient' || name === 'addLossAndGradient' ? [['grad', 'Float64Array']] : [];
  const signature: Param[] = name === 'predict' ? [['x', vector], ['out', 'Float64Array']] : [['x', vector], ['y', vector], ...extra];
  return groups.map((group, n) => {
    const fn = `${name}Part${n + 1}`;
    const lines = group.blocks.flatMap((g) => g.lines);
    const hasC = group.blocks.some((g) => g.glue);
    const text = lines.join('\n');
    const uses = (v: string): boolean => new RegExp(`\\b${v}\\b`).test(text);
    const params = signature.filter(([p]) => uses(p));
    const declared = [['params', 'Float64Array'] as const, ...params].map(([p, t]) => `${p}${annotation(dialect, t)}`).join(', ');
    helpers.push(`function ${fn}(${declared})${annotation(dialect, hasC ? 'number' : 'void')} {\n${
      [...lines, ...(hasC ? ['return C;'] : [])].map((l) => `  ${l}`).join('\n')}\n}`);
    const callArgs = ['params', ...params.map(([p]) => p)].join(', ');
    return hasC ? `const C = ${fn}(${callArgs});` : `${fn}(${callArgs});`;
  });
}

function forwardLayer(lp: LoopPrinter, layer: GraphLayer): string[] {
  const l = layer.l;
  const small = isSmall(layer);
  if (layer.act.elementwise) {
    return rows(layer.units, small, (j) => {
      const pre: string[] = [];
      const z = lp.element(layer.zDef, j, '0', pre);
      const a = lp.formula(applyActivation(layer.act, sym('p0')), { p0: lp.read(`z${l}`, j) });
      return [...pre, `z${l}[${j}] = ${z};`, `a${l}[${j}] = ${a};`];
    });
  }
  return [
    ...rows(layer.units, small, (j) => {
      const pre: string[] = [];
      const z = lp.element(layer.zDef, j, '0', pre);
      return [...pre, `z${l}[${j}] = ${z};`];
    }),
    `let m${l} = -Infinity;`,
    ...loop(layer.units, 'j', [`if (${lp.read(`z${l}`, 'j')} > m${l}) m${l} = ${lp.read(`z${l}`, 'j')};`]),
    `let s${l} = 0;`,
    ...loop(layer.units, 'j', [`a${l}[j] = Math.exp(${lp.read(`z${l}`, 'j')} - m${l});`, `s${l} += ${lp.read(`a${l}`, 'j')};`]),
    ...loop(layer.units, 'j', [`${lp.read(`a${l}`, 'j')} /= s${l};`]),
  ];
}
