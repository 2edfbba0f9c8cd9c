// The second route: for tiny graphs, the whole loss written out as one scalar
// expression in the parameters, x and y (the node semantics applied element by
// element, through time), differentiated by the CAS per parameter and evaluated
// at random points, against the generated trainer's gradient. Nothing of the
// derivation (src/derive) or of the reference takes part on this side.
import { describe, expect, it } from 'vitest';
import { seededRandom, uniform } from '../src/check/random.ts';
import { loadModule, type TrainerModule } from '../src/compile/compile.ts';
import { deriveGraph } from '../src/derive/graph.ts';
import { graphLayout } from '../src/graph/graph-layout.ts';
import { generateGraphJavaScript } from '../src/render/graph-code.ts';
import { resolveActivation } from '../src/symbolic/activations.ts';
import { casDiff, formulaDerivative } from '../src/symbolic/cas.ts';
import { evaluate } from '../src/symbolic/evaluate.ts';
import { add, call, mul, num, pow, sub, substitute, sym, type Expr, type Sym } from '../src/symbolic/expr.ts';
import { formulaLoss, resolveLoss } from '../src/symbolic/losses.ts';
import { isGraph, type GraphNetwork, type NodeSpec, type SourceRef } from '../src/spec/graph-types.ts';
import { parseNetwork } from '../src/spec/load.ts';

const P = (i: number): Expr => sym('p', undefined, [i]);
const X = (i: number): Expr => sym('x', undefined, [i]);
const Y = (i: number): Expr => sym('y', undefined, [i]);

/** C(p, x, y) written out: every node's value at every step as scalar expressions. */
function expandLoss(net: GraphNetwork): Expr {
  const T = net.sequence ?? 1;
  const layout = graphLayout(net);
  const offset = (name: string): number => {
    const e = layout.entries.find((x) => x.name === name);
    if (!e) throw new Error(`no parameter ${name}`);
    return e.offset;
  };
  const sizeOf = (s: SourceRef): number => (s.node === 'x' ? net.input : net.nodes.find((n) => n.name === s.node)!.size);
  const values = new Map<string, Expr[][]>(net.nodes.map((n) => [n.name, []]));
  const read = (s: SourceRef, t: number): Expr[] => {
    if (s.node === 'x') return Array.from({ length: net.input }, (_, i) => X(t * net.input + i));
    if (s.prev) return t === 0 ? Array.from({ length: sizeOf(s) }, () => num(0)) : values.get(s.node)![t - 1]!;
    return values.get(s.node)![t]!;
  };
  const activate = (node: NodeSpec & { activation: Parameters<typeof resolveActivation>[0] }, z: Expr[]): Expr[] => {
    if (node.activation.kind === 'softmax') {
      // a_j = 1 / Σ_k exp(z_k − z_j): nerdamer differentiates exp(u) (exp(u) + exp(v))^(−1) wrongly
      // (it merges the two into (e^u + e^v)^(u − 1)), so softmax is written in this equal form.
      return z.map((zj) => pow(add(...z.map((zk) => call('exp', sub(zk, zj)))), num(-1)));
    }
    const f = resolveActivation(node.activation).formula;
    return z.map((zi) => substitute(f, (s) => (s.base === 'u' ? zi : undefined)));
  };
  for (let t = 0; t < T; t++) {
    for (const node of net.nodes) {
      const ins = node.inputs.map((s) => read(s, t));
      let v: Expr[];
      switch (node.kind) {
        case 'dense': {
          const z = Array.from({ length: node.size }, (_, j) => {
            const terms: Expr[] = node.bias ? [P(offset(`b_${node.name}`) + j)] : [];
            node.inputs.forEach((s, k) => {
              const cols = sizeOf(s);
              for (let i = 0; i < cols; i++) {
                // tied to M: (W_Mᵀ)[j, i] = W_M[i, j], W_M having node.size columns
                const w = node.tied !== undefined
                  ? P(offset(`W_${node.tied}`) + i * node.size + j)
                  : P(offset(node.inputs.length === 1 ? `W_${node.name}` : `W_${node.name}_${s.node}`) + j * cols + i);
                terms.push(mul(w, ins[k]![i]!));
              }
            });
            return add(...terms);
          });
          v = activate(node, z);
          break;
        }
        case 'of': v = activate(node, ins[0]!); break;
        case 'add': v = ins[0]!.map((_, j) => add(...ins.map((xs) => xs[j]!))); break;
        case 'multiply': v = ins[0]!.map((_, j) => mul(ins[0]![j]!, ins[1]![j]!)); break;
        case 'concat': v = ins.flat(); break;
      }
      values.get(node.name)!.push(v);
    }
  }
  const n = net.nodes.find((m) => m.name === net.output)!.size;
  const element = typeof net.loss === 'string' ? resolveLoss(net.loss).element : formulaLoss(net.loss.formula, 'loss').element;
  const steps = net.target === 'last-step' ? [T - 1] : Array.from({ length: T }, (_, t) => t);
  const terms: Expr[] = [];
  steps.forEach((t, r) => {
    values.get(net.output)![t]!.forEach((a, j) => {
      terms.push(substitute(element, (s) => (s.base === 'a' ? a : s.base === 'y' ? Y(r * n + j) : s.base === 'n' ? num(n) : undefined)));
    });
  });
  const l2 = net.regularization?.l2 ?? 0;
  if (l2 > 0) {
    for (const e of layout.entries) {
      if (e.kind !== 'W') continue;
      for (let i = 0; i < e.rows * e.cols; i++) terms.push(mul(num(l2 / 2), pow(P(e.offset + i), num(2))));
    }
  }
  return add(...terms);
}

const TINY: Record<string, string> = {
  'a tiny RNN over 2 steps': `
name: tinyrnn
input: 1
sequence: 2
nodes:
  h:   { dense: [x, h@prev], units: 2, activation: tanh }
  out: { dense: h, units: 1 }
target: every-step
loss: half-squared`,
  'a tiny multiply gate': `
name: gate
input: 2
nodes:
  g:   { dense: x, units: 1, activation: sigmoid }
  v:   { dense: x, units: 1, activation: tanh }
  m:   { multiply: [g, v] }
  out: { dense: m, units: 1 }
loss: squared`,
  'a tiny gated memory over 2 steps (last step)': `
name: memory
input: 1
sequence: 2
nodes:
  f:   { dense: [x, h@prev], units: 1, activation: sigmoid }
  g:   { dense: [x, h@prev], units: 1, activation: tanh }
  fc:  { multiply: [f, c@prev] }
  c:   { add: [fc, g] }
  h:   { of: c, activation: tanh }
  out: { dense: h, units: 1 }
target: last-step
loss: { formula: "(a - y)^4" }`,
  'a tiny tied autoencoder': `
name: tinyae
input: 2
nodes:
  e:   { dense: x, units: 1, activation: tanh }
  d:   { dense: e, units: 2, tied: e, activation: sigmoid }
loss: cross-entropy`,
  'a tiny softmax classifier': `
name: tinysoftmax
input: 2
nodes:
  out: { dense: x, units: 2, activation: softmax }
loss: softmax-cross-entropy`,
  'concat, a formula of node, mse and l2': `
name: tinyconcat
input: 1
nodes:
  h:   { dense: x, units: 2 }
  f:   { of: h, activation: { formula: "x * sigmoid(x)" } }
  c:   { concat: [h, f, x] }
  out: { dense: c, units: 1 }
loss: mse
regularization: { l2: 0.1 }`,
};

function graphOf(text: string): GraphNetwork {
  const net = parseNetwork(text, 'tiny.yaml');
  if (!isGraph(net)) throw new Error('expected a graph network');
  return net;
}

const scaled = (got: number, want: number): number => Math.abs(got - want) / Math.max(1, Math.abs(want));

describe('second route: the expanded loss differentiated by the CAS', () => {
  for (const [title, text] of Object.entries(TINY)) {
    it(title, async () => {
      const net = graphOf(text);
      const { paramCount } = graphLayout(net);
      expect(paramCount).toBeLessThanOrEqual(12);
      const C = expandLoss(net);
      const wrt = (i: number): Sym => (P(i) as { sym: Sym }).sym;
      const byNerdamer = Array.from({ length: paramCount }, (_, i) => casDiff(C, wrt(i)));
      const byMathjs = Array.from({ length: paramCount }, (_, i) => formulaDerivative(C, wrt(i)));
      const der = deriveGraph(net);
      const mods: [string, TrainerModule][] = [];
      for (const unroll of ['auto', 'loops', 'full'] as const) mods.push([unroll, await loadModule(generateGraphJavaScript(der, { unroll }))]);
      const T = net.sequence ?? 1;
      const rand = seededRandom(17);
      for (let k = 0; k < 3; k++) {
        const params = Float64Array.from({ length: paramCount }, () => uniform(rand, -1.5, 1.5));
        const x = Array.from({ length: T * net.input }, () => uniform(rand, -2, 2));
        const nOut = mods[0]![1].outputSize;
        let y = Array.from({ length: nOut }, () => uniform(rand, 0.05, 0.95));
        if (net.loss === 'softmax-cross-entropy') y = [y[0]!, 1 - y[0]!];
        const env = (s: Sym): number => {
          const i = s.index[0]!;
          const v = s.base === 'p' ? params[i] : s.base === 'x' ? x[i] : s.base === 'y' ? y[i] : undefined;
          if (v === undefined) throw new Error(`no value for ${s.base}[${i}]`);
          return v;
        };
        const loss = evaluate(C, env);
        for (const [unroll, m] of mods) {
          const grad = new Float64Array(paramCount).fill(Number.NaN);
          const got = m.lossAndGradient(params, x, y, grad);
          expect(scaled(got, loss), `${unroll}: loss ${got} vs expanded ${loss}`).toBeLessThanOrEqual(1e-9);
          for (let i = 0; i < paramCount; i++) {
            const n = evaluate(byNerdamer[i]!, env);
            const mj = evaluate(byMathjs[i]!, env);
            expect(scaled(grad[i]!, n), `${unroll}: ∂C/∂θ${i} = ${grad[i]} vs nerdamer ${n}`).toBeLessThanOrEqual(1e-9);
            expect(scaled(grad[i]!, mj), `${unroll}: ∂C/∂θ${i} = ${grad[i]} vs mathjs ${mj}`).toBeLessThanOrEqual(1e-9);
          }
        }
      }
    });
  }
});
