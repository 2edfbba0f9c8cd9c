// One interpreter for a resolved, shape-checked formula, over any scalar
// algebra: numbers (values at a random point) or our Expr IR (for the
// symbolic proof). Values are small dense matrices of scalars.
import { children, type Base, type FNode, type Idx } from './ast.ts';
import type { NetInfo } from './context.ts';

export interface Algebra<S> {
  num(v: number): S;
  add(a: S, b: S): S;
  sub(a: S, b: S): S;
  mul(a: S, b: S): S;
  div(a: S, b: S): S;
  pow(a: S, b: S): S;
  neg(a: S): S;
  /** exp, log, sigmoid, … applied to one scalar. */
  fn(name: string, a: S): S;
  /** Layer l's (elementwise) activation and its derivative at a. */
  act(layer: number, a: S): S;
  dact(layer: number, a: S): S;
  /** σ'(z^(l)_i) when the argument is exactly z^(l)_i (the derivation's own form). */
  dactAt(layer: number, i: number): S;
  softmax(v: readonly S[]): S[];
  /** Element (i, j), 1-based, of a named quantity. */
  ref(base: Base, layer: number | undefined, i: number, j: number): S;
}

export interface Tensor<S> { readonly rows: number; readonly cols: number; readonly data: readonly S[] }

const at = <S>(t: Tensor<S>, i: number, j: number): S => t.data[i * t.cols + j]!;

export function interpret<S>(tree: FNode, alg: Algebra<S>, info: NetInfo, assign: Readonly<Record<string, number>>): Tensor<S> {
  const scope = new Map<string, number>(Object.entries(assign));

  const idx = (ix: Idx): number => (ix.kind === 'lit' ? ix.value : scope.get(ix.name) ?? 1);

  const zip = (a: Tensor<S>, b: Tensor<S>, f: (x: S, y: S) => S): Tensor<S> => {
    if (a.rows === b.rows && a.cols === b.cols) return { rows: a.rows, cols: a.cols, data: a.data.map((x, k) => f(x, b.data[k]!)) };
    if (b.data.length === 1) return { rows: a.rows, cols: a.cols, data: a.data.map((x) => f(x, b.data[0]!)) };
    if (a.data.length === 1) return { rows: b.rows, cols: b.cols, data: b.data.map((y) => f(a.data[0]!, y)) };
    throw new Error(`internal: unchecked shapes ${a.rows}×${a.cols} and ${b.rows}×${b.cols}`);
  };
  const map = (a: Tensor<S>, f: (x: S) => S): Tensor<S> => ({ rows: a.rows, cols: a.cols, data: a.data.map(f) });

  const matmul = (a: Tensor<S>, b: Tensor<S>): Tensor<S> => {
    if (a.data.length === 1 || b.data.length === 1) return zip(a, b, (x, y) => alg.mul(x, y));
    const data: S[] = [];
    for (let i = 0; i < a.rows; i++) {
      for (let j = 0; j < b.cols; j++) {
        let s = alg.mul(at(a, i, 0), at(b, 0, j));
        for (let k = 1; k < a.cols; k++) s = alg.add(s, alg.mul(at(a, i, k), at(b, k, j)));
        data.push(s);
      }
    }
    return { rows: a.rows, cols: b.cols, data };
  };

  const refValue = (n: Extract<FNode, { kind: 'ref' }>): Tensor<S> => {
    const full = info.shape(n.base, n.layer);
    if (n.indices.length > 0) {
      const i = idx(n.indices[0]!);
      const j = n.indices[1] ? idx(n.indices[1]) : 1;
      return { rows: 1, cols: 1, data: [alg.ref(n.base, n.layer, i, j)] };
    }
    const data: S[] = [];
    for (let i = 1; i <= full.rows; i++) for (let j = 1; j <= full.cols; j++) data.push(alg.ref(n.base, n.layer, i, j));
    return { rows: full.rows, cols: full.cols, data };
  };

  const go = (n: FNode): Tensor<S> => {
    switch (n.kind) {
      case 'num': return { rows: 1, cols: 1, data: [alg.num(n.value)] };
      case 'ref': return refValue(n);
      case 'neg': return map(go(n.arg), (x) => alg.neg(x));
      case 'transpose': {
        const a = go(n.arg);
        const data: S[] = [];
        for (let j = 0; j < a.cols; j++) for (let i = 0; i < a.rows; i++) data.push(at(a, i, j));
        return { rows: a.cols, cols: a.rows, data };
      }
      case 'bin': {
        const a = go(n.left);
        const b = go(n.right);
        switch (n.op) {
          case '+': return zip(a, b, (x, y) => alg.add(x, y));
          case '-': return zip(a, b, (x, y) => alg.sub(x, y));
          case '*': return matmul(a, b);
          case '.*': return zip(a, b, (x, y) => alg.mul(x, y));
          case '/': case './': return zip(a, b, (x, y) => alg.div(x, y));
          case '^': case '.^': return zip(a, b, (x, y) => alg.pow(x, y));
        }
        break;
      }
      case 'call': {
        const arg = n.args[0]!;
        if (n.fn === 'sigma' && info.activation(n.layer!).kind === 'softmax') {
          const v = go(arg);
          return { rows: v.rows, cols: v.cols, data: alg.softmax(v.data) };
        }
        if (n.fn === 'dsigma' && info.activation(n.layer!).kind === 'softmax') {
          // the diagonal of the softmax Jacobian, s ⊙ (1 − s), as the resolver notes
          const v = go(arg);
          const s = alg.softmax(v.data);
          return { rows: v.rows, cols: v.cols, data: s.map((x) => alg.mul(x, alg.sub(alg.num(1), x))) };
        }
        if (n.fn === 'dsigma' && arg.kind === 'ref' && arg.base === 'z' && arg.layer === n.layer) {
          const rows = arg.indices.length ? [idx(arg.indices[0]!)] : Array.from({ length: info.units(arg.layer!) }, (_, i) => i + 1);
          return { rows: rows.length, cols: 1, data: rows.map((i) => alg.dactAt(n.layer!, i)) };
        }
        const v = go(arg);
        if (n.fn === 'sigma') return map(v, (x) => alg.act(n.layer!, x));
        if (n.fn === 'dsigma') return map(v, (x) => alg.dact(n.layer!, x));
        // A mask written with ≥: 1 at 0 too, 1 − step(−x) (step(0) = 0).
        if (n.inclusive) return map(v, (x) => alg.sub(alg.num(1), alg.fn('step', alg.sub(alg.num(0), x))));
        return map(v, (x) => alg.fn(n.fn, x));
      }
      case 'sum': {
        const range = sumRange(n.body, n.index, info);
        const saved = scope.get(n.index);
        let total: Tensor<S> | undefined;
        for (let k = 1; k <= range; k++) {
          scope.set(n.index, k);
          const term = go(n.body);
          total = total ? zip(total, term, (x, y) => alg.add(x, y)) : term;
        }
        if (saved === undefined) scope.delete(n.index); else scope.set(n.index, saved);
        return total!;
      }
      case 'matrix':
        return { rows: n.rows.length, cols: n.rows[0]!.length, data: n.rows.flat().map((c) => go(c).data[0]!) };
    }
    throw new Error('internal: unknown node');
  };
  return go(tree);
}

/** The dimension a summation index runs over: the first place it indexes (shapes agree, as checked). */
export function sumRange(body: FNode, index: string, info: NetInfo): number {
  const find = (n: FNode): number | undefined => {
    if (n.kind === 'sum' && n.index === index) return undefined;
    if (n.kind === 'ref') {
      const full = info.shape(n.base, n.layer);
      const d = n.indices.findIndex((ix) => ix.kind === 'var' && ix.name === index);
      return d < 0 ? undefined : d === 0 ? full.rows : full.cols;
    }
    for (const c of children(n)) {
      const r = find(c);
      if (r !== undefined) return r;
    }
    return undefined;
  };
  return find(body) ?? 1;
}
