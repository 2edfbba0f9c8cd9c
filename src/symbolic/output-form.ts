// Find σ'(u) = g(σ(u)) with g a polynomial of low degree and small rational
// coefficients, by least squares on sample points, then check it on a wide grid.
// A found g is exact to rounding on the grid, or none is returned.
import { add, mul, num, pow, type Expr } from './expr.ts';

const FIT_POINTS = Array.from({ length: 41 }, (_, i) => -4 + i * 0.2);
const CHECK_POINTS = Array.from({ length: 161 }, (_, i) => -20 + i * 0.25);

export function fitOutputPolynomial(f: (x: number) => number, df: (x: number) => number, v: Expr): Expr | undefined {
  for (let degree = 0; degree <= 3; degree++) {
    const coefficients = leastSquares(FIT_POINTS.map(f), FIT_POINTS.map(df), degree);
    if (!coefficients) continue;
    const rounded = coefficients.map(roundRational);
    if (rounded.some((c) => c === undefined)) continue;
    const cs = rounded as number[];
    const g = (y: number): number => cs.reduce((s, c, k) => s + c * y ** k, 0);
    const exact = CHECK_POINTS.every((x) => {
      const want = df(x);
      const got = g(f(x));
      return Number.isFinite(want) && Math.abs(got - want) <= 1e-12 * (1 + Math.abs(want)) + 1e-300;
    });
    if (exact) return polynomial(cs, v);
  }
  return undefined;
}

/** c0 + c1 v + c2 v² …, printed factored as v(1 − v) when c0 = 0 and the rest is linear. */
function polynomial(cs: number[], v: Expr): Expr {
  if (cs.length === 3 && cs[0] === 0) return mul(v, add(num(cs[1]!), mul(num(cs[2]!), v)));
  return add(...cs.map((c, k) => mul(num(c), pow(v, num(k)))));
}

function roundRational(c: number): number | undefined {
  for (const d of [1, 2, 3, 4, 6, 8, 12]) {
    const n = Math.round(c * d);
    if (Math.abs(c * d - n) < 1e-7) return n / d;
  }
  return undefined;
}

function leastSquares(xs: number[], ys: number[], degree: number): number[] | undefined {
  const m = degree + 1;
  const a = Array.from({ length: m }, () => new Array<number>(m + 1).fill(0));
  xs.forEach((x, i) => {
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < m; c++) a[r]![c]! += x ** (r + c);
      a[r]![m]! += ys[i]! * x ** r;
    }
  });
  // Gaussian elimination with partial pivoting.
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-14) return undefined;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const factor = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= m; c++) a[r]![c]! -= factor * a[col]![c]!;
    }
  }
  return a.map((row, r) => row[m]! / row[r]!);
}
