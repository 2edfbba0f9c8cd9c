// Shapes of a resolved formula, before any value is computed. A mismatch is a
// ShapeError naming both shapes: the formula reads, but it is not the
// derivative (verdict "different").
//
// Rules: a 1×1 value combines with anything as a scalar (2 * (a2 - y), a0' in
// a one-unit layer); * is the matrix product otherwise; .* ./ need equal
// shapes; / and ^ need a scalar on the right (^ of a vector is elementwise,
// as in (a2 - y)^2); an index must run over exactly its dimension.
import { children, withChildren, type FNode, type Idx } from './ast.ts';
import { ShapeError } from './errors.ts';
import { SCALAR, isScalar, shapeText, type NetInfo, type Shape } from './context.ts';
import { printMathjs } from './print.ts';
import type { Task } from './task.ts';

/** An index in scope: its range and where the range comes from. */
interface Range { readonly range: number; readonly origin: string }

/** The ranges of --wrt's and --of's free indices, where a formula's shapes are read. */
const freeScope = (task: Task): Map<string, Range> => new Map(task.free.map((f) => [f.name, { range: f.range, origin: f.origin }]));

export function shapeOf(tree: FNode, task: Task): Shape {
  return new Shaper(task.info).shape(tree, freeScope(task));
}

const show = (n: FNode): string => printMathjs(n);

/**
 * Juxtaposition of two vectors of one shape, σ(z)(1 − σ(z)), has no matrix
 * meaning: a person who writes it means the elementwise product, so that is
 * how it is read (and the note says so). Matrix products that fit are kept.
 * A LaTeX fraction over a vector, \frac{y}{a}, is elementwise in the same way.
 */
export function readJuxtapositions(tree: FNode, task: Task): { tree: FNode; notes: string[] } {
  const shaper = new Shaper(task.info);
  const read = readWith(tree, task, shaper, true);
  if (!read.products) return read;
  // Vectors multiplied elementwise only where that gives what is asked for: delta2 * a1, or δ^{(2)} a^{(1)},
  // for a 2×2 ∂C/∂W2 stays a product that does not fit, so the hint can say a transpose is left out.
  let shape: Shape | undefined;
  try { shape = shapeOf(read.tree, task); } catch (err) { if (!(err instanceof ShapeError)) throw err; }
  return shape && shape.rows === task.cell.rows && shape.cols === task.cell.cols ? read : readWith(tree, task, shaper, false);
}

/** With `products` false, no product of two vectors is read elementwise (fractions over a vector still are). */
function readWith(tree: FNode, task: Task, shaper: Shaper, products: boolean): { tree: FNode; notes: string[]; products: boolean } {
  const notes: string[] = [];
  let converted = false;
  const shapeIn = (n: FNode, scope: ReadonlyMap<string, Range>): Shape | undefined => {
    try { return shaper.shape(n, scope); } catch (err) { if (err instanceof ShapeError) return undefined; throw err; }
  };
  const go = (n: FNode, scope: ReadonlyMap<string, Range>): FNode => {
    let inner = scope;
    if (n.kind === 'sum') {
      try { inner = new Map([...scope, [n.index, shaper.sumRange(n.body, n.index, scope, n)]]); } catch (err) { if (!(err instanceof ShapeError)) throw err; }
    }
    const cs = children(n);
    const m = cs.length ? withChildren(n, cs.map((c) => go(c, inner))) : n;
    if (m.kind !== 'bin' || (m.op !== '*' && m.op !== '/') || !m.implicit || (m.op === '*' && !products)) return m;
    const l = shapeIn(m.left, scope);
    const r = shapeIn(m.right, scope);
    if (!l || !r || isScalar(r)) return m;
    const vectors = l.rows === r.rows && l.cols === r.cols && (l.rows === 1 || l.cols === 1);
    const factor = (f: FNode): string => (f.kind === 'bin' || f.kind === 'neg' ? `(${show(f)})` : show(f));
    if (m.op === '*') {
      if (!vectors) return m;
      const ew: FNode = { kind: 'bin', op: '.*', left: m.left, right: m.right, pos: m.pos };
      converted = true;
      notes.push(`${factor(m.left)}${m.star ? ' * ' : ' '}${factor(m.right)}, two ${shapeText(l)} vectors ${m.star ? 'multiplied with *' : 'side by side'}, has no matrix product: read as elementwise, ${show(ew)}`);
      return ew;
    }
    // \frac{y}{a} of vectors: a fraction over a vector is meant elementwise (there is no division by a matrix)
    if (!vectors && !isScalar(l)) return m;
    return { kind: 'bin', op: './', left: m.left, right: m.right, pos: m.pos };
  };
  const out = go(tree, freeScope(task));
  return { tree: out, notes, products: converted };
}

class Shaper {
  constructor(private readonly info: NetInfo) {}

  shape(n: FNode, scope: ReadonlyMap<string, Range>): Shape {
    switch (n.kind) {
      case 'num': return SCALAR;
      case 'ref': {
        const full = this.info.shape(n.base, n.layer);
        if (n.indices.length === 0) return full;
        const name = this.info.name(n.base, n.layer);
        n.indices.forEach((ix, d) => this.index(ix, d === 0 ? full.rows : full.cols, d === 0 ? 'rows' : 'columns', name, scope));
        return SCALAR;
      }
      case 'neg': return this.shape(n.arg, scope);
      case 'transpose': { const s = this.shape(n.arg, scope); return { rows: s.cols, cols: s.rows }; }
      case 'bin': return this.binary(n, scope);
      case 'call': {
        const s = this.shape(n.args[0]!, scope);
        if (n.fn === 'sigma' && n.layer !== undefined && this.info.activation(n.layer).kind === 'softmax') {
          const want = { rows: this.info.units(n.layer), cols: 1 };
          if (s.rows !== want.rows || s.cols !== 1) throw new ShapeError(`softmax of layer ${n.layer} takes a ${shapeText(want)} vector, not ${show(n.args[0]!)} (${shapeText(s)})`, n.pos);
        }
        return s;
      }
      case 'sum': {
        const range = this.sumRange(n.body, n.index, scope, n);
        return this.shape(n.body, new Map([...scope, [n.index, range]]));
      }
      case 'matrix': {
        for (const cell of n.rows.flat()) {
          const s = this.shape(cell, scope);
          if (!isScalar(s)) throw new ShapeError(`an entry of a matrix literal must be a number, not ${show(cell)} (${shapeText(s)})`, cell.pos);
        }
        return { rows: n.rows.length, cols: n.rows[0]!.length };
      }
    }
  }

  private index(ix: Idx, dim: number, along: string, name: string, scope: ReadonlyMap<string, Range>): void {
    if (ix.kind === 'lit') {
      if (ix.value > dim) throw new ShapeError(`index ${ix.value} is out of range: ${name} has ${dim} ${along}`, ix.pos);
      return;
    }
    const r = scope.get(ix.name);
    // unbound only where the dimension is 1 (checked when resolving), or inside a sum whose range did not fit
    if (!r) {
      if (dim !== 1) throw new ShapeError(`index ${ix.name} has no range that fits ${name}`, ix.pos);
      return;
    }
    if (r.range !== dim) throw new ShapeError(`index ${ix.name} runs over the ${r.origin} (1..${r.range}) but ${name} has ${dim} ${along}`, ix.pos);
  }

  /** A summation index runs over the dimension it indexes; every use must agree. */
  sumRange(body: FNode, index: string, scope: ReadonlyMap<string, Range>, at: FNode): Range {
    const uses: { dim: number; origin: string; pos: number }[] = [];
    const visit = (n: FNode): void => {
      if (n.kind === 'sum' && n.index === index) return;
      if (n.kind === 'ref') {
        const full = this.info.shape(n.base, n.layer);
        n.indices.forEach((ix, d) => {
          if (ix.kind === 'var' && ix.name === index) {
            uses.push({ dim: d === 0 ? full.rows : full.cols, origin: `${d === 0 ? 'rows' : 'columns'} of ${this.info.name(n.base, n.layer)}`, pos: ix.pos });
          }
        });
        return;
      }
      for (const c of children(n)) visit(c);
    };
    visit(body);
    const first = uses[0];
    if (!first) throw new ShapeError(`the sum over ${index} does not use it`, at.pos);
    for (const u of uses) {
      if (u.dim !== first.dim) throw new ShapeError(`the sum over ${index} runs over the ${first.origin} (${first.dim}) and the ${u.origin} (${u.dim})`, u.pos);
    }
    void scope;
    return { range: first.dim, origin: first.origin };
  }

  private binary(n: Extract<FNode, { kind: 'bin' }>, scope: ReadonlyMap<string, Range>): Shape {
    const l = this.shape(n.left, scope);
    const r = this.shape(n.right, scope);
    const same = l.rows === r.rows && l.cols === r.cols;
    // printed only for the message: printing at every node would cost time quadratic in the formula
    const fail = (why: (what: string) => string): never => {
      throw new ShapeError(why(`${show(n.left)} (${shapeText(l)}) ${n.op} ${show(n.right)} (${shapeText(r)})`), n.pos);
    };
    switch (n.op) {
      case '+': case '-': case '.*': case './':
        if (same || isScalar(r)) return l;
        if (isScalar(l)) return r;
        return fail((what) => `shapes do not fit: ${what}`);
      case '*':
        if (isScalar(l)) return r;
        if (isScalar(r)) return l;
        if (l.cols === r.rows) return { rows: l.rows, cols: r.cols };
        return fail((what) => `matrix product does not fit: ${what}: ${l.cols} columns against ${r.rows} rows`);
      case '/':
        if (isScalar(r)) return l;
        return fail((what) => `division by a matrix: ${what} (use ./ to divide elementwise)`);
      case '^': case '.^':
        if (isScalar(r) || (n.op === '.^' && same)) {
          if (n.op === '^' && !isScalar(l) && l.cols !== 1 && l.rows !== 1) fail((what) => `power of a matrix: ${what} (use .^ for elementwise)`);
          return l;
        }
        return fail((what) => `the exponent must be a number: ${what}`);
    }
  }
}
