// Scalar expression IR. Every scalar formula in deltagen (activations, losses,
// lowered statements, expanded derivatives) is one of these nodes. Constructors
// apply only the cheap, always-valid simplifications (constant folding, flattening,
// neutral elements) so that larger rewrites stay explicit and named.

/** A named scalar: W^(l)_{jk}, a^(l)_j, x_k, y_j, a temporary, or the formula variable x. */
export interface Sym {
  readonly base: string;
  readonly layer?: number;
  readonly index: readonly number[];
}

export type Expr =
  | { readonly kind: 'num'; readonly value: number }
  | { readonly kind: 'sym'; readonly sym: Sym }
  | { readonly kind: 'add'; readonly terms: readonly Expr[] }
  | { readonly kind: 'mul'; readonly factors: readonly Expr[] }
  | { readonly kind: 'pow'; readonly base: Expr; readonly exp: Expr }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly Expr[] };

export const num = (value: number): Expr => ({ kind: 'num', value: Object.is(value, -0) ? 0 : value });
export const ZERO = num(0);
export const ONE = num(1);

export const sym = (base: string, layer?: number, index: readonly number[] = []): Expr => ({
  kind: 'sym',
  sym: layer === undefined ? { base, index } : { base, layer, index },
});

export const isNum = (e: Expr, value?: number): e is { kind: 'num'; value: number } =>
  e.kind === 'num' && (value === undefined || e.value === value);

export function add(...terms: Expr[]): Expr {
  const flat: Expr[] = [];
  let constant = 0;
  for (const t of terms) {
    for (const u of t.kind === 'add' ? t.terms : [t]) {
      if (u.kind === 'num') constant += u.value;
      else flat.push(u);
    }
  }
  if (constant !== 0) flat.push(num(constant));
  if (flat.length === 0) return ZERO;
  return flat.length === 1 ? flat[0]! : { kind: 'add', terms: flat };
}

export function mul(...factors: Expr[]): Expr {
  const flat: Expr[] = [];
  let coefficient = 1;
  for (const f of factors) {
    for (const u of f.kind === 'mul' ? f.factors : [f]) {
      if (u.kind === 'num') coefficient *= u.value;
      else flat.push(u);
    }
  }
  if (coefficient === 0) return ZERO;
  if (coefficient !== 1) flat.unshift(num(coefficient));
  if (flat.length === 0) return ONE;
  return flat.length === 1 ? flat[0]! : { kind: 'mul', factors: flat };
}

export function pow(base: Expr, exp: Expr): Expr {
  if (isNum(exp, 1)) return base;
  if (isNum(exp, 0)) return ONE;
  if (base.kind === 'num' && exp.kind === 'num') return num(base.value ** exp.value);
  if (isNum(base, 1)) return ONE;
  // (b^p)^q = b^(pq) for whole p and q
  if (base.kind === 'pow' && base.exp.kind === 'num' && exp.kind === 'num' && Number.isInteger(base.exp.value) && Number.isInteger(exp.value)) {
    return pow(base.base, num(base.exp.value * exp.value));
  }
  return { kind: 'pow', base, exp };
}

export const neg = (e: Expr): Expr => mul(num(-1), e);
export const sub = (a: Expr, b: Expr): Expr => add(a, neg(b));
export const div = (a: Expr, b: Expr): Expr => mul(a, pow(b, num(-1)));
export const call = (fn: string, ...args: Expr[]): Expr => ({ kind: 'call', fn, args });

export function symKey(s: Sym): string {
  return `${s.base}${s.layer ?? ''}[${s.index.join(',')}]`;
}

/** Structural key: equal keys mean equal trees. Used for sharing and memoizing. */
export function key(e: Expr): string {
  switch (e.kind) {
    case 'num': return String(e.value);
    case 'sym': return symKey(e.sym);
    case 'add': return `(+ ${e.terms.map(key).join(' ')})`;
    case 'mul': return `(* ${e.factors.map(key).join(' ')})`;
    case 'pow': return `(^ ${key(e.base)} ${key(e.exp)})`;
    case 'call': return `(${e.fn} ${e.args.map(key).join(' ')})`;
  }
}

/** Rebuild bottom-up through the simplifying constructors, replacing symbols where `f` answers. */
export function substitute(e: Expr, f: (s: Sym) => Expr | undefined): Expr {
  switch (e.kind) {
    case 'num': return e;
    case 'sym': return f(e.sym) ?? e;
    case 'add': return add(...e.terms.map((t) => substitute(t, f)));
    case 'mul': return mul(...e.factors.map((t) => substitute(t, f)));
    case 'pow': return pow(substitute(e.base, f), substitute(e.exp, f));
    case 'call': return call(e.fn, ...e.args.map((t) => substitute(t, f)));
  }
}

export function symbolsOf(e: Expr, out: Map<string, Sym> = new Map()): Map<string, Sym> {
  switch (e.kind) {
    case 'num': break;
    case 'sym': out.set(symKey(e.sym), e.sym); break;
    case 'add': e.terms.forEach((t) => symbolsOf(t, out)); break;
    case 'mul': e.factors.forEach((t) => symbolsOf(t, out)); break;
    case 'pow': symbolsOf(e.base, out); symbolsOf(e.exp, out); break;
    case 'call': e.args.forEach((t) => symbolsOf(t, out)); break;
  }
  return out;
}

/** The names of the functions an expression calls. */
export function functionsOf(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'num': case 'sym': break;
    case 'add': e.terms.forEach((t) => functionsOf(t, out)); break;
    case 'mul': e.factors.forEach((t) => functionsOf(t, out)); break;
    case 'pow': functionsOf(e.base, out); functionsOf(e.exp, out); break;
    case 'call': out.add(e.fn); e.args.forEach((t) => functionsOf(t, out)); break;
  }
  return out;
}

export function size(e: Expr): number {
  switch (e.kind) {
    case 'num': case 'sym': return 1;
    case 'add': return 1 + e.terms.reduce((n, t) => n + size(t), 0);
    case 'mul': return 1 + e.factors.reduce((n, t) => n + size(t), 0);
    case 'pow': return 1 + size(e.base) + size(e.exp);
    case 'call': return 1 + e.args.reduce((n, t) => n + size(t), 0);
  }
}
