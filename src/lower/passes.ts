// Passes over a Routine: copy propagation (a^(l) = z^(l) for the identity is an
// alias, not a statement) and sharing of repeated subexpressions in the
// backward pass (computed once into a temporary).
import { key, substitute, sym, symKey, type Expr, type Sym } from '../symbolic/expr.ts';
import type { Routine, Stmt } from './routine.ts';

export function propagateCopies(r: Routine): Routine {
  const alias = new Map<string, Expr>();
  const resolve = (e: Expr): Expr => substitute(e, (s) => alias.get(symKey(s)));
  const keep = (stmts: readonly Stmt[]): Stmt[] => {
    const out: Stmt[] = [];
    for (const s of stmts) {
      const expr = resolve(s.expr);
      if (expr.kind === 'sym' || expr.kind === 'num') alias.set(symKey(s.target), expr);
      else out.push({ target: s.target, expr });
    }
    return out;
  };
  const forward = keep(r.forward);
  const output = r.output.map(resolve);
  const loss = resolve(r.loss);
  const backward = keep(r.backward);
  const gradient = r.gradient.map((g) => ({ ...g, expr: resolve(g.expr) }));
  return { ...r, forward, output, loss, backward, gradient };
}

/**
 * Hoist every non-trivial subexpression that occurs more than once in the
 * backward statements and gradients into a temporary, placed before its first use.
 */
export function shareSubexpressions(r: Routine): Routine {
  const counts = new Map<string, number>();
  const count = (e: Expr): void => {
    if (e.kind === 'num' || e.kind === 'sym') return;
    const k = key(e);
    const seen = counts.get(k) ?? 0;
    counts.set(k, seen + 1);
    if (seen > 0) return; // children already counted once through this occurrence
    const children = e.kind === 'add' ? e.terms : e.kind === 'mul' ? e.factors : e.kind === 'pow' ? [e.base, e.exp] : e.args;
    children.forEach(count);
  };
  r.backward.forEach((s) => count(s.expr));
  r.gradient.forEach((g) => count(g.expr));
  const temps = new Map<string, Sym>();
  const hoisted: Stmt[] = [];
  const rewrite = (e: Expr): Expr => {
    if (e.kind === 'num' || e.kind === 'sym') return e;
    const k = key(e);
    const existing = temps.get(k);
    if (existing) return { kind: 'sym', sym: existing };
    const inner: Expr =
      e.kind === 'add' ? { kind: 'add', terms: e.terms.map(rewrite) }
      : e.kind === 'mul' ? { kind: 'mul', factors: e.factors.map(rewrite) }
      : e.kind === 'pow' ? { kind: 'pow', base: rewrite(e.base), exp: rewrite(e.exp) }
      : { kind: 'call', fn: e.fn, args: e.args.map(rewrite) };
    if ((counts.get(k) ?? 0) < 2) return inner;
    const t = sym('t', undefined, [temps.size + 1]);
    if (t.kind !== 'sym') throw new Error('internal');
    temps.set(k, t.sym);
    hoisted.push({ target: t.sym, expr: inner });
    return t;
  };
  const backward: Stmt[] = [];
  for (const s of r.backward) {
    const expr = rewrite(s.expr);
    backward.push(...hoisted.splice(0), { target: s.target, expr });
  }
  const gradient = r.gradient.map((g) => ({ ...g, expr: rewrite(g.expr) }));
  backward.push(...hoisted.splice(0));
  return { ...r, backward, gradient };
}
