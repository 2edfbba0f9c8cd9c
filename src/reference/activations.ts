// The reference's own activation and loss functions, written directly and
// independently of the symbolic engine, so that a mistake in derivation cannot
// hide by appearing in both the generated code and its oracle.
import type { MathNode } from 'mathjs';
import { math } from '../symbolic/mathjs.ts';

const { derivative, parse } = math;
import type { ActivationSpec, LossName } from '../spec/types.ts';

export interface ScalarPair {
  readonly f: (x: number) => number;
  readonly df: (x: number) => number;
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export function referenceActivation(spec: ActivationSpec): ScalarPair {
  switch (spec.kind) {
    case 'identity': return { f: (x) => x, df: () => 1 };
    case 'sigmoid': return { f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)) };
    case 'tanh': return { f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2 };
    case 'relu': return { f: (x) => (x > 0 ? x : 0), df: (x) => (x > 0 ? 1 : 0) };
    case 'leaky-relu': return { f: (x) => (x > 0 ? x : spec.slope * x), df: (x) => (x > 0 ? 1 : spec.slope) };
    case 'softplus': return { f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), df: sigmoid };
    case 'formula': {
      let pair = formulaPairs.get(spec.formula);
      if (!pair) formulaPairs.set(spec.formula, (pair = formulaPair(spec.formula)));
      return pair;
    }
    case 'softmax': throw new Error('internal: softmax is not elementwise');
  }
}

// Parsing and differentiating a formula costs far more than evaluating it, and
// the reference is asked for the same activation at every layer and every point.
const formulaPairs = new Map<string, ScalarPair>();

function formulaPair(formula: string): ScalarPair {
  // mathjs knows neither sigmoid nor softplus: write them out before differentiating, inside out (a replaced
  // node's children are not visited by transform, so the argument is written out first: softplus(softplus(x))).
  const writeOut = (tree: MathNode): MathNode => tree.transform((node) => {
    const fn = node as MathNode & { fn?: { name?: string }; args?: MathNode[] };
    const name = node.type === 'FunctionNode' ? fn.fn?.name : undefined;
    const definition = name === 'sigmoid' ? '1 / (1 + exp(-(u)))' : name === 'softplus' ? 'log(1 + exp(u))' : undefined;
    if (definition === undefined) return node;
    const arg = writeOut(fn.args![0]!);
    return parse(definition).transform((n) => (n.type === 'SymbolNode' && (n as MathNode & { name: string }).name === 'u' ? arg : n));
  });
  const tree = writeOut(parse(formula));
  const f = tree.compile();
  // Not simplified: mathjs's simplifier grows explosively on nested formulas, and the values are the same.
  const df = derivative(tree, 'x', { simplify: false }).compile();
  const slope = (x: number): number => df.evaluate({ x }) as number;
  // mathjs writes d|x|/dx as |x|/x, 0/0 at x = 0, which a relu's exact zeros reach: there the mean of the slopes
  // just left and right (sgn(0) = 0, the convention of the trainer; a smooth derivative's own value).
  return { f: (x) => f.evaluate({ x }) as number, df: (x) => (x === 0 && Number.isNaN(slope(0)) ? (slope(1e-100) + slope(-1e-100)) / 2 : slope(x)) };
}

/** C(a, y) and ∇_a C for the per-element losses. */
export function referenceLoss(name: LossName): { C: (a: number[], y: number[]) => number; dC: (a: number[], y: number[]) => number[] } {
  const n = (a: number[]): number => a.length;
  switch (name) {
    case 'squared': return { C: (a, y) => a.reduce((s, ai, i) => s + (ai - y[i]!) ** 2, 0), dC: (a, y) => a.map((ai, i) => 2 * (ai - y[i]!)) };
    case 'half-squared': return { C: (a, y) => a.reduce((s, ai, i) => s + 0.5 * (ai - y[i]!) ** 2, 0), dC: (a, y) => a.map((ai, i) => ai - y[i]!) };
    case 'mse': return { C: (a, y) => a.reduce((s, ai, i) => s + (ai - y[i]!) ** 2, 0) / n(a), dC: (a, y) => a.map((ai, i) => (2 * (ai - y[i]!)) / n(a)) };
    case 'cross-entropy': return {
      C: (a, y) => -a.reduce((s, ai, i) => s + y[i]! * Math.log(ai) + (1 - y[i]!) * Math.log(1 - ai), 0),
      dC: (a, y) => a.map((ai, i) => -y[i]! / ai + (1 - y[i]!) / (1 - ai)),
    };
    case 'softmax-cross-entropy': return {
      C: (a, y) => -a.reduce((s, ai, i) => s + y[i]! * Math.log(ai), 0),
      dC: (a, y) => a.map((ai, i) => -y[i]! / ai),
    };
  }
}

/** The largest number of a list, by a loop: Math.max(...v) overflows the stack past about 10^5 numbers. */
export function maxOf(v: readonly number[]): number {
  let m = -Infinity;
  for (const x of v) if (x > m || Number.isNaN(x)) m = x;
  return m;
}
