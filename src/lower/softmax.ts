// Softmax is not elementwise: its components share the maximum and the sum.
// The code subtracts the maximum before exp so that large logits cannot overflow.
import type { GraphLayer } from '../graph/build.ts';
import { add, call, div, sub, sym, type Expr, type Sym } from '../symbolic/expr.ts';
import type { Stmt } from './routine.ts';

const s = (e: Expr): Sym => (e as { sym: Sym }).sym;

export const softmaxMax = (l: number): Expr => sym('m', l);
export const softmaxSum = (l: number): Expr => sym('s', l);

/** m = max_k z_k; e_i = exp(z_i − m); s = Σ e_i; a_i = e_i / s. */
export function softmaxStatements(layer: GraphLayer): Stmt[] {
  const l = layer.l;
  const z = (i: number): Expr => sym('z', l, [i]);
  const e = (i: number): Expr => sym('e', l, [i]);
  const idx = Array.from({ length: layer.units }, (_, i) => i + 1);
  return [
    { target: s(softmaxMax(l)), expr: call('max', ...idx.map(z)) },
    ...idx.map((i) => ({ target: s(e(i)), expr: call('exp', sub(z(i), softmaxMax(l))) })),
    { target: s(softmaxSum(l)), expr: add(...idx.map(e)) },
    ...idx.map((i) => ({ target: s(sym('a', l, [i])), expr: div(e(i), softmaxSum(l)) })),
  ];
}
