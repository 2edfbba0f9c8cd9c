// The two scalar algebras the interpreter runs over: numbers at a random point,
// and our Expr IR in the network's named quantities (for the proof).
import { applyActivation, applyDerivative, resolveActivation, type Activation } from '../symbolic/activations.ts';
import { add, call, div, mul, neg, num, pow, sub, substitute, sym, type Expr, type Sym } from '../symbolic/expr.ts';
import { lookupFunction } from '../symbolic/functions.ts';
import type { Base } from './ast.ts';
import type { NetInfo } from './context.ts';
import type { Algebra } from './interp.ts';
import { referencePair, softmax, type PointState } from './points.ts';

const sigmoid = lookupFunction('sigmoid')!.evaluate;

function scalarFunction(name: string): (x: number) => number {
  if (name === 'relu') return (x) => (x > 0 ? x : 0);
  if (name === 'dsigmoid') return (x) => sigmoid(x) * (1 - sigmoid(x));
  if (name === 'dtanh') return (x) => 1 - Math.tanh(x) ** 2;
  const f = lookupFunction(name);
  if (!f) throw new Error(`internal: no function ${name}`);
  return (x) => f.evaluate(x);
}

/** Value of a named quantity's element at a point. */
export function pointValue(p: PointState, base: Base | 'x' | 'R', layer: number | undefined, i: number, j: number): number {
  switch (base) {
    case 'W': return (p.named[`W${layer}`] as number[][])[i - 1]![j - 1]!;
    case 'b': return (p.named[`b${layer}`] as number[])[i - 1]!;
    case 'x': return p.x[i - 1]!;
    case 'a': return p.a[layer!]![i - 1]!;
    case 'z': return p.z[layer!]![i - 1]!;
    case 'y': return p.y[i - 1]!;
    case 'delta': return p.delta[layer!]![i - 1]!;
    case 'rate': case 'R': return p.rate;
    case 'grad': throw new Error('internal: ∇C is written out when resolving');
  }
}

/** Environment for `evaluate` of a named Expr at a point. */
export function pointEnv(p: PointState): (s: Sym) => number {
  return (s) => {
    const v = pointValue(p, s.base as Base, s.layer, s.index[0] ?? 1, s.index[1] ?? 1);
    if (v === undefined) throw new Error(`internal: no value for ${s.base}${s.layer ?? ''}[${s.index.join(',')}]`);
    return v;
  };
}

export function numericAlgebra(p: PointState, info: NetInfo): Algebra<number> {
  const pair = (l: number) => referencePair(info.activation(l));
  return {
    num: (v) => v,
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    div: (a, b) => a / b,
    pow: (a, b) => a ** b,
    neg: (a) => -a,
    fn: (name, a) => scalarFunction(name)(a),
    act: (l, a) => pair(l).f(a),
    dact: (l, a) => pair(l).df(a),
    dactAt: (l, i) => pair(l).df(p.z[l]![i - 1]!),
    softmax: (v) => softmax(v),
    ref: (base, layer, i, j) => pointValue(p, base, layer, i, j),
  };
}

/** The symbol our IR uses for element (i, j) of a named quantity (as lowering names it). */
export function elementSym(base: Base, layer: number | undefined, i: number, j: number): Expr {
  switch (base) {
    case 'W': return sym('W', layer, [i, j]);
    case 'a': return layer === 0 ? sym('x', undefined, [i]) : sym('a', layer, [i]);
    case 'y': return sym('y', undefined, [i]);
    case 'rate': return sym('R');
    default: return sym(base, layer, [i]);
  }
}

export function activationOf(info: NetInfo, l: number): Activation {
  return resolveActivation(info.activation(l));
}

const atU = (e: Expr, u: Expr): Expr => substitute(e, (s) => (s.base === 'u' && s.index.length === 0 && s.layer === undefined ? u : undefined));
const atV = (e: Expr, v: Expr): Expr => substitute(e, (s) => (s.base === 'v' && s.index.length === 0 && s.layer === undefined ? v : undefined));

/** σ'(u) for an arbitrary argument, preferring the derivation's form in σ(u). */
export function derivativeAt(act: Activation, u: Expr): Expr {
  return act.fromOutput ? atV(act.fromOutput, applyActivation(act, u)) : atU(act.derivative, u);
}

/** `delta` gives δ^(l)_i as an Expr (from the derivation), only asked for when the formula names δ. */
export function symbolicAlgebra(info: NetInfo, delta: (l: number, i: number) => Expr): Algebra<Expr> {
  return {
    num: (v) => num(v),
    add: (a, b) => add(a, b),
    sub: (a, b) => sub(a, b),
    mul: (a, b) => mul(a, b),
    div: (a, b) => div(a, b),
    pow: (a, b) => pow(a, b),
    neg: (a) => neg(a),
    fn: (name, a) => {
      if (name === 'relu') return mul(a, call('step', a));
      if (name === 'dsigmoid') return mul(call('sigmoid', a), sub(num(1), call('sigmoid', a)));
      if (name === 'dtanh') return sub(num(1), pow(call('tanh', a), num(2)));
      return call(name, a);
    },
    act: (l, a) => applyActivation(activationOf(info, l), a),
    dact: (l, a) => derivativeAt(activationOf(info, l), a),
    dactAt: (l, i) => applyDerivative(activationOf(info, l), sym('z', l, [i]), sym('a', l, [i])),
    softmax: (v) => {
      const total = add(...v.map((x) => call('exp', x)));
      return v.map((x) => div(call('exp', x), total));
    },
    ref: (base, layer, i, j) => (base === 'delta' ? delta(layer!, i) : elementSym(base, layer, i, j)),
  };
}
