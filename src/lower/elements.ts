// Element (i, j) of a matrix expression as a scalar expression: the bridge from
// the derivation's matrix form to scalar code. Indices are 1-based.
import { applyActivation, applyDerivative } from '../symbolic/activations.ts';
import { add, mul, num, substitute, sym, type Expr } from '../symbolic/expr.ts';
import type { MExpr } from '../symbolic/matrix.ts';

/** The scalar symbol for element (i, j) of a named matrix. a^(0) is the input x. */
export function elementSymbol(base: string, layer: number | undefined, i: number, j: number, cols: number): Expr {
  if (base === 'a' && layer === 0) return sym('x', undefined, [i]);
  if (base === 'W') return sym(base, layer, [i, j]);
  if (cols === 1) return sym(base, layer, [i]);
  return sym(base, layer, [i, j]);
}

export function lowerElement(m: MExpr, i: number, j: number): Expr {
  switch (m.kind) {
    case 'mvar': return elementSymbol(m.base, m.layer, i, j, m.cols);
    case 'matmul': {
      const terms: Expr[] = [];
      for (let k = 1; k <= m.left.cols; k++) terms.push(mul(lowerElement(m.left, i, k), lowerElement(m.right, k, j)));
      return add(...terms);
    }
    case 'transpose': return lowerElement(m.arg, j, i);
    case 'hadamard': return mul(lowerElement(m.left, i, j), lowerElement(m.right, i, j));
    case 'plus': return add(lowerElement(m.left, i, j), lowerElement(m.right, i, j));
    case 'apply':
      if (!m.act.elementwise) throw new Error('internal: softmax is lowered as a whole layer');
      return applyActivation(m.act, lowerElement(m.arg, i, j));
    case 'applyDeriv': return applyDerivative(m.act, lowerElement(m.arg, i, j), lowerElement(m.output, i, j));
    case 'softmaxJacobian': throw new Error('internal: the softmax Jacobian is simplified away before lowering');
    case 'ewise': {
      // Symbols named in args stand for the matrices; n is the number of rows.
      return substitute(m.expr, (s) => {
        if (s.index.length !== 0 || s.layer !== undefined) return undefined;
        if (Object.hasOwn(m.args, s.base)) return lowerElement(m.args[s.base]!, i, j);
        if (s.base === 'n') return num(m.rows);
        return undefined;
      });
    }
  }
}
