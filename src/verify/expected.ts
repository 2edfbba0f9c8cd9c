// The correct formula, in the form the user wrote (matrix, index or scalar), as
// a formula tree for the printers. For C it is read off the derivation (its
// matrix expressions, with δ inlined); for an intermediate it is the element
// expression of the forward-mode derivative.
import type { Derivation } from '../derive/derive.ts';
import type { Expr, Sym } from '../symbolic/expr.ts';
import type { MExpr } from '../symbolic/matrix.ts';
import { bin, callOf, ivar, lit, neg, num, ref, transposeOf, type Base, type FNode, type Idx } from './ast.ts';
import type { NetInfo } from './context.ts';

export class Unprintable extends Error {}

export interface ExpectedStyle {
  /** σ' as σ'(z) (for LaTeX) rather than in the forward value, a .* (1 - a) (for mathjs). */
  readonly sigmaPrime: boolean;
}

/** A leaf for the scalar-expression converter: the node a symbol stands for, and whether it is a matrix. */
type Leaf = (s: Sym) => { node: FNode; matrix: boolean } | undefined;

/** Our scalar IR → formula tree; `elementwise` prints products of matrices as .* (ewise formulas). */
export function exprToNode(e: Expr, leaf: Leaf, elementwise: boolean): FNode {
  return conv(e, leaf, elementwise).node;
}

interface Conv { node: FNode; matrix: boolean }

function conv(e: Expr, leaf: Leaf, ew: boolean): Conv {
  const times = (a: Conv, b: Conv): Conv => ({ node: bin(ew && a.matrix && b.matrix ? '.*' : '*', a.node, b.node), matrix: a.matrix || b.matrix });
  switch (e.kind) {
    case 'num': return { node: e.value < 0 ? neg(num(-e.value)) : num(e.value), matrix: false };
    case 'sym': {
      const l = leaf(e.sym);
      if (!l) throw new Unprintable(`no name for ${e.sym.base}`);
      return l;
    }
    case 'add': {
      let acc: Conv | undefined;
      // 1 - a rather than -a + 1: lead with a positive term.
      const isNeg = (t: Expr): boolean => (t.kind === 'num' && t.value < 0) || (t.kind === 'mul' && t.factors[0]?.kind === 'num' && t.factors[0].value < 0);
      const firstPositive = e.terms.findIndex((t) => !isNeg(t));
      const terms = firstPositive > 0 ? [e.terms[firstPositive]!, ...e.terms.filter((_, k) => k !== firstPositive)] : e.terms;
      for (const t of terms) {
        const negative = (t.kind === 'num' && t.value < 0) || (t.kind === 'mul' && t.factors[0]?.kind === 'num' && t.factors[0].value < 0);
        const c = conv(negative ? negate(t) : t, leaf, ew);
        if (!acc) acc = negative ? { node: neg(c.node), matrix: c.matrix } : c;
        else acc = { node: bin(negative ? '-' : '+', acc.node, c.node), matrix: acc.matrix || c.matrix };
      }
      return acc ?? { node: num(0), matrix: false };
    }
    case 'mul': {
      let coefficient = 1;
      const top: Conv[] = [];
      const bottom: Conv[] = [];
      for (const f of e.factors) {
        if (f.kind === 'num') coefficient *= f.value;
        else if (f.kind === 'pow' && f.exp.kind === 'num' && f.exp.value < 0) bottom.push(conv(f.exp.value === -1 ? f.base : { kind: 'pow', base: f.base, exp: { kind: 'num', value: -f.exp.value } }, leaf, ew));
        else top.push(conv(f, leaf, ew));
      }
      if (Math.abs(coefficient) !== 1 || top.length === 0) top.unshift({ node: num(Math.abs(coefficient)), matrix: false });
      let n = top.reduce((a, b) => times(a, b));
      if (bottom.length) {
        const d = bottom.reduce((a, b) => times(a, b));
        // The size n of a mean is a number here: over n = 1 nothing is divided.
        if (!(d.node.kind === 'num' && d.node.value === 1)) n = { node: bin(ew && d.matrix ? './' : '/', n.node, d.node), matrix: n.matrix || d.matrix };
      }
      return coefficient < 0 ? { node: neg(n.node), matrix: n.matrix } : n;
    }
    case 'pow': {
      const b = conv(e.base, leaf, ew);
      const x = conv(e.exp, leaf, ew);
      return { node: bin(ew && b.matrix ? '.^' : '^', b.node, x.node), matrix: b.matrix };
    }
    case 'call': {
      const args = e.args.map((a) => conv(a, leaf, ew));
      if (e.fn === 'exp' && e.args[0]?.kind === 'num' && e.args[0].value === 1) return { node: callOf('exp', [num(1)]), matrix: false };
      return { node: callOf(e.fn, args.map((a) => a.node)), matrix: args.some((a) => a.matrix) };
    }
  }
}

function negate(t: Expr): Expr {
  if (t.kind === 'num') return { kind: 'num', value: -t.value };
  if (t.kind !== 'mul') return t;
  const [c, ...rest] = t.factors;
  const v = -(c as { value: number }).value;
  if (v === 1 && rest.length === 1) return rest[0]!;
  return { kind: 'mul', factors: v === 1 ? rest : [{ kind: 'num', value: v }, ...rest] };
}

/** A concrete element symbol (W2[1,2], a1[3], x[1]) as a reference, indices dropped along dimensions of size 1. */
export function symLeaf(info: NetInfo): Leaf {
  return (s) => {
    if (s.base === 'R') return { node: ref('rate', undefined, [], 'R'), matrix: false };
    const base: Base | undefined = s.base === 'x' ? 'a' : (['W', 'b', 'a', 'z', 'y', 'delta'] as const).find((b) => b === s.base);
    if (!base) return undefined;
    const layer = s.base === 'x' ? 0 : s.layer;
    return { node: elementRef(info, base, layer, s.index.map((v) => lit(v))), matrix: false };
  };
}

/** A reference to one element; indices along dimensions of size 1 are left out. */
function elementRef(info: NetInfo, base: Base, layer: number | undefined, index: readonly Idx[]): FNode {
  const shape = info.shape(base, layer);
  let indices: Idx[];
  if (base === 'W') indices = shape.rows === 1 && shape.cols === 1 ? [] : [index[0]!, index[1] ?? lit(1)];
  else indices = shape.rows === 1 ? [] : [index[0]!];
  return ref(base, layer, indices, info.name(base, layer));
}

const INDEX_LETTERS = ['i', 'm', 'p', 'q', 'r', 's', 't', 'u', 'v', 'n'];

/** Print a matrix expression of the derivation in matrix form or element (r, c) in index form. */
export class MatrixPrinter {
  constructor(private readonly info: NetInfo, private readonly derivation: Derivation, private readonly style: ExpectedStyle) {}

  private deltaOf(l: number): MExpr {
    return this.derivation.gradients[l - 1]!.delta;
  }

  matrix(m: MExpr): FNode {
    switch (m.kind) {
      case 'mvar':
        if (m.base === 'delta') return this.matrix(this.deltaOf(m.layer!));
        return ref(this.base(m.base), m.layer, [], m.base);
      case 'matmul': return bin('*', this.matrix(m.left), this.matrix(m.right));
      case 'transpose': return transposeOf(this.matrix(m.arg));
      case 'hadamard': return bin('.*', this.matrix(m.left), this.matrix(m.right));
      case 'plus': return bin('+', this.matrix(m.left), this.matrix(m.right));
      case 'apply': return callOf('sigma', [this.matrix(m.arg)], 0, this.layerOf(m.arg));
      case 'applyDeriv':
        if (!this.style.sigmaPrime && m.act.fromOutput) return exprToNode(m.act.fromOutput, (s) => (s.base === 'v' ? { node: this.matrix(m.output), matrix: true } : undefined), true);
        return callOf('dsigma', [this.matrix(m.arg)], 0, this.layerOf(m.arg));
      case 'ewise':
        return exprToNode(m.expr, (s) => {
          if (s.index.length || s.layer !== undefined) return undefined;
          if (Object.hasOwn(m.args, s.base)) return { node: this.matrix(m.args[s.base]!), matrix: true };
          if (s.base === 'n') return { node: num(m.rows), matrix: false };
          return undefined;
        }, true);
      default:
        throw new Unprintable(`no matrix form for ${m.kind}`);
    }
  }

  /** Element (r, c) of m with symbolic indices; `used` are the index letters already taken. */
  element(m: MExpr, r: Idx, c: Idx, used: ReadonlySet<string>): FNode {
    switch (m.kind) {
      case 'mvar':
        if (m.base === 'delta') return this.element(this.deltaOf(m.layer!), r, c, used);
        return elementRef(this.info, this.base(m.base), m.layer, [r, c]);
      case 'matmul': {
        const inner = m.left.cols;
        if (inner === 1) return bin('*', this.element(m.left, r, lit(1), used), this.element(m.right, lit(1), c, used));
        const k = INDEX_LETTERS.find((x) => !used.has(x));
        if (!k) throw new Unprintable('sums nested too deep to name');
        const next = new Set([...used, k]);
        return { kind: 'sum', index: k, body: bin('*', this.element(m.left, r, ivar(k), next), this.element(m.right, ivar(k), c, next)), pos: 0 };
      }
      case 'transpose': return this.element(m.arg, c, r, used);
      case 'hadamard': return bin('*', this.element(m.left, r, c, used), this.element(m.right, r, c, used));
      case 'plus': return bin('+', this.element(m.left, r, c, used), this.element(m.right, r, c, used));
      case 'apply': return callOf('sigma', [this.element(m.arg, r, c, used)], 0, this.layerOf(m.arg));
      case 'applyDeriv':
        if (!this.style.sigmaPrime && m.act.fromOutput) return exprToNode(m.act.fromOutput, (s) => (s.base === 'v' ? { node: this.element(m.output, r, c, used), matrix: false } : undefined), false);
        return callOf('dsigma', [this.element(m.arg, r, c, used)], 0, this.layerOf(m.arg));
      case 'ewise':
        return exprToNode(m.expr, (s) => {
          if (s.index.length || s.layer !== undefined) return undefined;
          if (Object.hasOwn(m.args, s.base)) return { node: this.element(m.args[s.base]!, r, c, used), matrix: false };
          if (s.base === 'n') return { node: num(m.rows), matrix: false };
          return undefined;
        }, false);
      default:
        throw new Unprintable(`no index form for ${m.kind}`);
    }
  }

  private base(b: string): Base {
    if (b === 'W' || b === 'b' || b === 'a' || b === 'z' || b === 'y' || b === 'delta') return b;
    throw new Unprintable(`no name for ${b}`);
  }

  private layerOf(m: MExpr): number | undefined {
    return m.kind === 'mvar' ? m.layer : undefined;
  }
}
