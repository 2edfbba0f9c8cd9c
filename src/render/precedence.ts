// Shared by the printers: how an expression splits into signs, numerators and
// denominators, so each printer only decides how to spell them.
import { mul, num, pow, type Expr } from '../symbolic/expr.ts';

export const PREC = { add: 1, mul: 2, unary: 3, pow: 4, atom: 5 } as const;

/** Split off a negative leading coefficient: −3 x → (true, 3 x). */
export function splitSign(e: Expr): { negative: boolean; magnitude: Expr } {
  if (e.kind === 'num' && e.value < 0) return { negative: true, magnitude: num(-e.value) };
  if (e.kind === 'mul' && e.factors[0]?.kind === 'num' && e.factors[0].value < 0) {
    const c = -e.factors[0].value;
    return { negative: true, magnitude: mul(num(c), ...e.factors.slice(1)) };
  }
  return { negative: false, magnitude: e };
}

/** Factors with negative numeric exponents go below the line. */
export function splitFraction(factors: readonly Expr[]): { numerator: Expr[]; denominator: Expr[] } {
  const numerator: Expr[] = [];
  const denominator: Expr[] = [];
  for (const f of factors) {
    if (f.kind === 'pow' && f.exp.kind === 'num' && f.exp.value < 0) denominator.push(pow(f.base, num(-f.exp.value)));
    else numerator.push(f);
  }
  return { numerator, denominator };
}

/** Order the terms of a sum so that a positive term leads: (W x − y), not (−y + W x). */
export function orderTerms(terms: readonly Expr[]): Expr[] {
  const positive = terms.filter((t) => !splitSign(t).negative);
  const negative = terms.filter((t) => splitSign(t).negative);
  return [...positive, ...negative];
}
