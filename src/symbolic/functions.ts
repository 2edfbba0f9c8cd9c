// The scalar functions the IR knows. One entry per function: how to evaluate it,
// how each printer spells it, and how the CAS should see it. Adding a function is
// adding one entry here.

export interface ScalarFunction {
  readonly arity: number;
  /** Numerically stable evaluation (also the reference for tests). */
  readonly evaluate: (...xs: number[]) => number;
  /** TypeScript: a Math member or a helper emitted into the generated module. */
  readonly ts: { readonly call: string; readonly helper?: string };
  /** LaTeX operator name. */
  readonly latex: string;
  /** Definition the CAS understands, in terms of x (and y for two arguments); CAS engines do not know sigmoid. */
  readonly cas: string;
  /** LaTeX for functions that read better as notation than as a named call. */
  readonly latexOf?: (args: readonly string[]) => string;
}

const sigmoid = (x: number): number => {
  // exp of a negative argument only: no overflow for |x| large.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
};

const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

export const FUNCTIONS: Readonly<Record<string, ScalarFunction>> = {
  // Heaviside step with step(0) = 0: the one-sided convention for kinks (relu'(0) = 0).
  step: {
    arity: 1, evaluate: (x) => (x > 0 ? 1 : 0),
    ts: { call: 'step', helper: 'function step(x: number): number {\n  return x > 0 ? 1 : 0;\n}' },
    latex: '\\operatorname{H}', cas: 'step(x)',
  },
  // x log y with 0 log 0 = 0: cross-entropy stays finite on outputs of exactly 0 or 1.
  xlogy: {
    arity: 2, evaluate: (x, y) => (x === 0 ? 0 : x * Math.log(y)),
    ts: { call: 'xlogy', helper: 'function xlogy(x: number, y: number): number {\n  // 0 log 0 = 0, the limit, so a target of 0 or 1 never gives NaN\n  return x === 0 ? 0 : x * Math.log(y);\n}' },
    latex: '\\operatorname{xlogy}', cas: 'x*log(y)', latexOf: ([x, y]) => `${x} \\ln\\left(${y}\\right)`,
  },
  // x / y with 0 / 0 = 0: where a numerator is exactly zero the term vanishes, as its limit does.
  xdivy: {
    arity: 2, evaluate: (x, y) => (x === 0 ? 0 : x / y),
    ts: { call: 'xdivy', helper: 'function xdivy(x: number, y: number): number {\n  // a zero numerator gives 0 even over 0: cross-entropy at outputs of exactly 0 or 1\n  return x === 0 ? 0 : x / y;\n}' },
    latex: '\\operatorname{xdivy}', cas: '(x)/(y)', latexOf: ([x, y]) => `\\frac{${x}}{${y}}`,
  },
  max: { arity: -1, evaluate: Math.max, ts: { call: 'Math.max' }, latex: '\\max', cas: 'max(x)' },
  exp: { arity: 1, evaluate: Math.exp, ts: { call: 'Math.exp' }, latex: '\\exp', cas: 'exp(x)' },
  log: { arity: 1, evaluate: Math.log, ts: { call: 'Math.log' }, latex: '\\ln', cas: 'log(x)' },
  sqrt: { arity: 1, evaluate: Math.sqrt, ts: { call: 'Math.sqrt' }, latex: '\\sqrt', cas: 'sqrt(x)', latexOf: ([x]) => `\\sqrt{${x}}` },
  abs: { arity: 1, evaluate: Math.abs, ts: { call: 'Math.abs' }, latex: '\\operatorname{abs}', cas: 'abs(x)' },
  sign: { arity: 1, evaluate: Math.sign, ts: { call: 'Math.sign' }, latex: '\\operatorname{sgn}', cas: 'sign(x)' },
  sin: { arity: 1, evaluate: Math.sin, ts: { call: 'Math.sin' }, latex: '\\sin', cas: 'sin(x)' },
  cos: { arity: 1, evaluate: Math.cos, ts: { call: 'Math.cos' }, latex: '\\cos', cas: 'cos(x)' },
  tanh: { arity: 1, evaluate: Math.tanh, ts: { call: 'Math.tanh' }, latex: '\\tanh', cas: 'tanh(x)' },
  sinh: { arity: 1, evaluate: Math.sinh, ts: { call: 'Math.sinh' }, latex: '\\sinh', cas: 'sinh(x)' },
  cosh: { arity: 1, evaluate: Math.cosh, ts: { call: 'Math.cosh' }, latex: '\\cosh', cas: 'cosh(x)' },
  sech: {
    arity: 1, evaluate: (x) => 1 / Math.cosh(x),
    ts: { call: 'sech', helper: 'function sech(x: number): number {\n  return 1 / Math.cosh(x);\n}' },
    latex: '\\operatorname{sech}', cas: '1/cosh(x)',
  },
  sigmoid: {
    arity: 1, evaluate: sigmoid,
    ts: {
      call: 'sigmoid',
      helper: 'function sigmoid(x: number): number {\n  // exp of a non-positive argument only, so it never overflows\n  if (x >= 0) return 1 / (1 + Math.exp(-x));\n  const e = Math.exp(x);\n  return e / (1 + e);\n}',
    },
    latex: '\\sigma', cas: '1/(1+exp(-x))',
  },
  softplus: {
    arity: 1, evaluate: softplus,
    ts: {
      call: 'softplus',
      helper: 'function softplus(x: number): number {\n  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));\n}',
    },
    latex: '\\operatorname{softplus}', cas: 'log(1+exp(x))',
  },
};

export function lookupFunction(name: string): ScalarFunction | undefined {
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
}
