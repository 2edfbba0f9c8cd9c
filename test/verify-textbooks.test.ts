// Formulas as Nielsen, Goodfellow, CS231n and Bishop print them, and as the
// question writes them. Each entry carries what the formula means, in mathjs
// syntax; the test decides whether that meaning is the derivative by its own
// forward pass and finite differences (not by deltagen), and then holds
// verify to it: a right formula is never "different" nor refused, a wrong one
// is "different" and, for the usual mistakes, names the mistake.
import { all, create } from 'mathjs';
import { afterAll, describe, expect, it } from 'vitest';

import type { Network } from '../src/spec/types.ts';
import { verify, type VerifyOptions } from '../src/verify/verify.ts';
import { loadChain, parseChain } from './chain.ts';

const math = create(all);

const yaml = (name: string, input: number, layers: [number, string][], loss: string): Network =>
  parseChain(`name: ${name}\ninput: ${input}\nlayers:\n${layers.map(([u, a]) => `  - { units: ${u}, activation: ${a} }\n`).join('')}loss: ${loss}\n`);

const NETS: Record<string, Network> = {
  nielsen: loadChain('test/fixtures/nielsen-232.yaml'),
  square: loadChain('test/fixtures/nielsen-222.yaml'),
  softmax: loadChain('test/fixtures/softmax-232.yaml'),
  question: loadChain('examples/question.yaml'),
  chain: loadChain('examples/question-chain.yaml'),
  // CS231n's two-layer net: relu, then softmax with cross-entropy
  cs231n: yaml('cs231n', 3, [[4, 'relu'], [3, 'softmax']], 'softmax-cross-entropy'),
  // Goodfellow's regression: tanh hidden units, linear outputs, mean squared error
  goodfellow: yaml('goodfellow', 2, [[3, 'tanh'], [3, 'identity']], 'mse'),
  // Bishop's: tanh hidden units, linear outputs, sum of squares (half)
  bishop: yaml('bishop', 2, [[3, 'tanh'], [2, 'identity']], 'half-squared'),
  // a sigmoid output with cross-entropy, where δ = a − y
  logistic: yaml('logistic', 2, [[3, 'sigmoid'], [2, 'sigmoid']], 'cross-entropy'),
  softplus: yaml('softplus', 2, [[2, 'softplus'], [1, 'identity']], 'half-squared'),
};

// ---- The test's own network: forward pass, loss, finite differences. ----

type Vec = number[];
type Params = Record<string, number[][]>;
const sig = (v: number): number => 1 / (1 + Math.exp(-v));
const ACT: Record<string, (z: Vec) => Vec> = {
  identity: (z) => z, sigmoid: (z) => z.map(sig), tanh: (z) => z.map(Math.tanh), relu: (z) => z.map((v) => Math.max(0, v)),
  softplus: (z) => z.map((v) => Math.log1p(Math.exp(v))),
  softmax: (z) => { const m = Math.max(...z); const e = z.map((v) => Math.exp(v - m)); const s = e.reduce((p, q) => p + q, 0); return e.map((v) => v / s); },
};
const LOSS: Record<string, (a: Vec, y: Vec) => number> = {
  squared: (a, y) => a.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0),
  'half-squared': (a, y) => a.reduce((s, v, i) => s + 0.5 * (v - y[i]!) ** 2, 0),
  mse: (a, y) => a.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0) / a.length,
  'cross-entropy': (a, y) => -a.reduce((s, v, i) => s + y[i]! * Math.log(v) + (1 - y[i]!) * Math.log(1 - v), 0),
  'softmax-cross-entropy': (a, y) => -a.reduce((s, v, i) => s + y[i]! * Math.log(v), 0),
};

interface State { z: Vec[]; a: Vec[]; C: number }

/** Forward pass; `at` replaces z of one layer (for δ by finite differences). */
function run(net: Network, P: Params, x: Vec, y: Vec, at?: { layer: number; z: Vec }): State {
  const z: Vec[] = [[]];
  const a: Vec[] = [x];
  net.layers.forEach((layer, i) => {
    const l = i + 1;
    let zl = P[`W${l}`]!.map((row, j) => row.reduce((s, w, k) => s + w * a[l - 1]![k]!, 0) + (layer.bias ? P[`b${l}`]![j]![0]! : 0));
    if (at?.layer === l) zl = at.z;
    z.push(zl);
    a.push(ACT[layer.activation.kind]!(zl));
  });
  return { z, a, C: LOSS[net.loss]!(a[net.layers.length]!, y) };
}

const H = 1e-6;
const gradOf = (f: (t: number) => number): number => (f(H) - f(-H)) / (2 * H);

interface Point { P: Params; x: Vec; y: Vec; R: number; state: State; delta: Vec[]; grad: Params }

let seed = 12345;
const rand = (lo: number, hi: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return lo + (hi - lo) * (seed / 2 ** 31); };

function point(net: Network): Point {
  for (;;) {
    const P: Params = {};
    let units = net.input;
    net.layers.forEach((layer, i) => {
      P[`W${i + 1}`] = Array.from({ length: layer.units }, () => Array.from({ length: units }, () => rand(-1.5, 1.5)));
      if (layer.bias) P[`b${i + 1}`] = Array.from({ length: layer.units }, () => [rand(-1.5, 1.5)]);
      units = layer.units;
    });
    const x = Array.from({ length: net.input }, () => rand(-2, 2));
    let y = Array.from({ length: units }, () => rand(-1, 1));
    if (net.loss === 'cross-entropy') y = y.map(() => rand(0.05, 0.95));
    if (net.loss === 'softmax-cross-entropy') { const w = y.map(() => rand(0.05, 1)); const s = w.reduce((p, q) => p + q, 0); y = w.map((v) => v / s); }
    const state = run(net, P, x, y);
    // finite differences straddling relu's kink would measure neither slope
    if (net.layers.some((l, i) => l.activation.kind === 'relu' && state.z[i + 1]!.some((v) => Math.abs(v) < 0.05))) continue;
    const delta: Vec[] = [[]];
    for (let l = 1; l <= net.layers.length; l++) {
      delta.push(state.z[l]!.map((_, i) => gradOf((t) => run(net, P, x, y, { layer: l, z: state.z[l]!.map((v, k) => (k === i ? v + t : v)) }).C)));
    }
    const grad: Params = {};
    for (const [name, m] of Object.entries(P)) {
      grad[name] = m.map((row, j) => row.map((_, k) => gradOf((t) => {
        const Q = structuredClone(P);
        Q[name]![j]![k]! += t;
        return run(net, Q, x, y).C;
      })));
    }
    return { P, x, y, R: rand(0.01, 1), state, delta, grad };
  }
}

const col = (v: Vec): number[][] => v.map((e) => [e]);

/** What the formula means, at a point, element by element of the task. */
function meaningAt(net: Network, p: Point, meaning: string, index: Record<string, number>): number[] {
  // sigm: the logistic sigmoid, elementwise (mathjs's exp does not map over matrices)
  const sigm = (u: unknown): unknown => (typeof u === 'number' ? sig(u) : math.map(u as number[][], (v: number) => sig(v)));
  const scope: Record<string, unknown> = { ...p.P, x: col(p.x), y: col(p.y), R: p.R, eta: p.R, sigm, ...index };
  p.state.a.forEach((a, l) => { scope[`a${l}`] = col(a); });
  p.state.z.forEach((z, l) => { if (l > 0) scope[`z${l}`] = col(z); });
  p.delta.forEach((d, l) => { if (l > 0) scope[`delta${l}`] = col(d); });
  void net;
  const v = math.evaluate(meaning, scope) as unknown;
  const flat = (u: unknown): number[] => (typeof u === 'number' ? [u] : Array.isArray(u) ? u.flatMap(flat) : flat((u as { toArray(): unknown }).toArray()));
  return flat(v);
}

/** The true values of the task's elements at a point, by finite differences, in the order the meaning gives them. */
function truthAt(p: Point, wrt: string, update: boolean, index: Record<string, number>): number[] {
  const m = /^([Wb]\d)(?:\[(\w)(?:,(\w))?\])?$/.exec(wrt)!;
  const g = p.grad[m[1]!]!;
  const P = p.P[m[1]!]!;
  const value = (j: number, k: number): number => (update ? P[j]![k]! - p.R * g[j]![k]! : g[j]![k]!);
  if (!m[2]) return g.flatMap((row, j) => row.map((_, k) => value(j, k)));
  return [value(index[m[2]]! - 1, m[3] ? index[m[3]]! - 1 : 0)];
}

function indexAssignments(net: Network, wrt: string): Record<string, number>[] {
  const m = /^([Wb])(\d)(?:\[(\w)(?:,(\w))?\])?$/.exec(wrt)!;
  if (!m[3]) return [{}];
  const l = Number(m[2]);
  const rows = net.layers[l - 1]!.units;
  const cols = l === 1 ? net.input : net.layers[l - 2]!.units;
  const out: Record<string, number>[] = [];
  for (let j = 1; j <= rows; j++) for (let k = 1; k <= (m[4] ? cols : 1); k++) out.push(m[4] ? { [m[3]]: j, [m[4]]: k } : { [m[3]]: j });
  return out;
}

/** Right when the meaning equals the derivative (by finite differences) at every element of three points. */
function rightByFiniteDifferences(net: Network, wrt: string, update: boolean, meaning: string): boolean {
  for (let n = 0; n < 3; n++) {
    const p = point(net);
    for (const index of indexAssignments(net, wrt)) {
      let got: number[];
      try {
        got = meaningAt(net, p, meaning, index);
      } catch {
        return false; // its shapes do not fit: it is no derivative
      }
      const want = truthAt(p, wrt, update, index);
      if (got.length !== want.length) return false;
      if (got.some((v, i) => !(Math.abs(v - want[i]!) <= 1e-5 * Math.max(1, Math.abs(want[i]!))))) return false;
    }
  }
  return true;
}

// ---- The corpus. ----

type Style = 'Nielsen' | 'Goodfellow' | 'CS231n' | 'Bishop' | 'question';
interface Entry {
  readonly style: Style;
  readonly net: keyof typeof NETS;
  readonly wrt: string;
  /** LaTeX unless `mathjs` is set. */
  readonly text: string;
  /** What it means, in mathjs syntax (vectors are columns: a1[j,1]). */
  readonly meaning: string;
  readonly mathjs?: boolean;
  readonly update?: boolean;
  /** For a wrong formula: the hint that must name the mistake. */
  readonly hint?: RegExp;
  /** Must be proved (verdict "equivalent"), not only equal at the points. */
  readonly proved?: boolean;
}

// Meanings used by several entries.
const BP1 = '2*(a2 - y) .* a2 .* (1 - a2)';
const BP2 = "(W2' * delta2) .* a1 .* (1 - a1)";
const SOFTMAX_B1 = "(W2' * (a2 - y)) .* (1 - a1.^2)";
const CS_B1 = "(W2' * (a2 - y)) .* (z1 > 0)";
const GF_D2 = '(2/3) * (a2 - y)';
const GF_B1 = `(W2' * ${GF_D2}) .* (1 - a1.^2)`;

const MISTAKE = {
  sigmoidOnTanh: /sigmoid's derivative.*but layer 1 is tanh/,
  sigmoidOnRelu: /sigmoid's derivative.*but layer 1 is relu/,
  plus: /σ\(1 \+ σ\)/,
  noSquare: /1 − tanh without the square/,
  wrongW: /δ from the wrong layer's W/,
  mean: /1\/n of the mean is left out|mean's 1\/n is left out/,
  extraSigmaPrime: /σ′ that does not belong/,
};

const e = (style: Style, net: keyof typeof NETS, wrt: string, text: string, meaning: string, more: Partial<Entry> = {}): Entry => ({ style, net, wrt, text, meaning, ...more });
const m = (style: Style, net: keyof typeof NETS, wrt: string, text: string, meaning: string, more: Partial<Entry> = {}): Entry => e(style, net, wrt, text, meaning, { mathjs: true, ...more });

const CORPUS: Entry[] = [
  // Nielsen, chapter 2: bare layer superscripts, l and L, w lowercase, ∇_a C, BP1–BP4.
  e('Nielsen', 'nielsen', 'b2', "\\delta^L = \\nabla_a C \\odot \\sigma'(z^L)", BP1),
  e('Nielsen', 'nielsen', 'b2', "\\nabla_a C \\odot \\sigma'(z^{L})", BP1),
  e('Nielsen', 'nielsen', 'b2[j]', "\\delta^L_j = \\frac{\\partial C}{\\partial a^L_j} \\sigma'(z^L_j)", '2*(a2[j,1] - y[j,1]) * a2[j,1] * (1 - a2[j,1])'),
  e('Nielsen', 'nielsen', 'b1', "\\delta^l = ((w^{l+1})^T \\delta^{l+1}) \\odot \\sigma'(z^l)", BP2),
  e('Nielsen', 'nielsen', 'b1', "((w^{2})^T \\delta^{2}) \\odot \\sigma'(z^{1})", BP2),
  e('Nielsen', 'nielsen', 'b1', "(w^{l+1})^T \\delta^{l+1} \\odot \\sigma'(z^l)", BP2),
  e('Nielsen', 'nielsen', 'b1', "\\sigma'(z^{l}) \\odot (w^{l+1})^T \\delta^{l+1}", BP2),
  e('Nielsen', 'nielsen', 'b1', "\\sigma'(z^{(1)}) \\odot (W^{(2)})^T \\delta^{(2)}", BP2),
  e('Nielsen', 'nielsen', 'b1', "((w^{L})^\\intercal \\delta^{L}) \\odot \\sigma'(z^{L-1})", BP2),
  e('Nielsen', 'nielsen', 'b1', "(w^{2})^\\mathsf T \\delta^{2} \\odot \\sigma'(z^{1})", BP2),
  e('Nielsen', 'nielsen', 'b1', "(w^{2})^{\\mathsf{T}} \\delta^{2} \\odot \\sigma'(z^{1})", BP2),
  e('Nielsen', 'nielsen', 'b1', "(w^2)^T \\delta^2 \\odot \\sigma'(z^1)", BP2),
  e('Nielsen', 'nielsen', 'b1', "(w^{l+1})^T (\\nabla_a C \\odot \\sigma'(z^{L})) \\odot \\sigma'(z^l)", "(W2' * (2*(a2 - y) .* a2 .* (1 - a2))) .* a1 .* (1 - a1)"),
  e('Nielsen', 'nielsen', 'b1[j]', "\\delta^l_j = \\sum_k w^{l+1}_{kj} \\delta^{l+1}_k \\sigma'(z^l_j)", "((W2[:,j])' * delta2) * a1[j,1] * (1 - a1[j,1])"),
  e('Nielsen', 'nielsen', 'b1[j]', "\\frac{\\partial C}{\\partial b^l_j} = \\delta^l_j", 'delta1[j,1]'),
  e('Nielsen', 'nielsen', 'b2', '\\delta^L', 'delta2'),
  e('Nielsen', 'nielsen', 'W1[j,k]', '\\frac{\\partial C}{\\partial w^l_{jk}} = a^{l-1}_k \\delta^l_j', 'x[k,1] * delta1[j,1]'),
  e('Nielsen', 'nielsen', 'W2[j,k]', 'a^{l-1}_k \\delta^l_j', 'a1[k,1] * delta2[j,1]'),
  e('Nielsen', 'nielsen', 'W2', '\\delta^l (a^{l-1})^T', "delta2 * a1'"),
  e('Nielsen', 'nielsen', 'W1', '\\delta^{l} (a^{l-1})^{\\mathsf T}', "delta1 * x'"),
  e('Nielsen', 'nielsen', 'W1', "((w^{2})^T \\delta^{2} \\odot \\sigma'(z^{1})) (a^{0})^T", `(${BP2}) * x'`),
  e('Nielsen', 'nielsen', 'W2', "(\\nabla_a C \\odot \\sigma'(z^L)) (a^{L-1})^T", `(${BP1}) * a1'`),
  e('Nielsen', 'nielsen', 'b2', "2(a^L - y) \\odot \\sigma(z^L)(1 - \\sigma(z^L))", BP1),
  e('Nielsen', 'nielsen', 'b2', "2(a^{L} - y) \\odot a^{L} \\odot (1 - a^{L})", BP1),
  e('Nielsen', 'nielsen', 'b2', '2(a^{(2)} - y) \\odot \\sigma(z^{(2)})(1 - \\sigma(z^{(2)}))', BP1),
  e('Nielsen', 'nielsen', 'b2', '2 (a^L - y) \\odot f\'(z^L)', BP1),
  e('Nielsen', 'nielsen', 'b2', "2 (a^L - y) \\odot \\sigma^{\\prime}(z^L)", BP1),
  e('Nielsen', 'nielsen', 'b2', '2 (a^{L} - y) \\odot \\frac{e^{-z^{L}}}{(1 + e^{-z^{L}})^2}', BP1, { proved: true }),
  m('Nielsen', 'nielsen', 'b2', '2*(a2 - y) .* exp(-z2) ./ (1 + exp(-z2)).^2', BP1, { proved: true }),
  m('Nielsen', 'nielsen', 'b2', "2*(a2 - y) .* sigma'(z2)", BP1),
  m('Nielsen', 'nielsen', 'b2', "2*(a2 - y) .* f'(z2)", BP1),
  m('Nielsen', 'nielsen', 'b1', "(W2' * delta2) .* dsigma(z1)", BP2),
  m('Nielsen', 'nielsen', 'W1', "((W2' * delta2) .* a1 .* (1 - a1)) * x'", `(${BP2}) * x'`),
  m('Nielsen', 'nielsen', 'b1', "(W2' * delta2) .* exp(-z1) ./ (1 + exp(-z1)).^2", BP2, { proved: true }),
  m('Nielsen', 'nielsen', 'b1', "(W2' * (2*(a2 - y) .* exp(-z2) ./ (1 + exp(-z2)).^2)) .* exp(-z1) ./ (1 + exp(-z1)).^2", `(W2' * (${BP1})) .* a1 .* (1 - a1)`, { proved: true }),
  // Nielsen's mistakes
  e('Nielsen', 'nielsen', 'b2', '2(a^L - y) \\odot \\sigma(z^L)(1 + \\sigma(z^L))', '2*(a2 - y) .* a2 .* (1 + a2)', { hint: MISTAKE.plus }),
  m('Nielsen', 'nielsen', 'b2', '2*(a2 - y) .* a2 .* (1 + a2)', '2*(a2 - y) .* a2 .* (1 + a2)', { hint: MISTAKE.plus }),
  e('Nielsen', 'nielsen', 'b1', "((w^{l})^T \\delta^{l+1}) \\odot \\sigma'(z^l)", "(W1' * delta2) .* a1 .* (1 - a1)", { hint: MISTAKE.wrongW }),
  e('Nielsen', 'square', 'b1', "((w^{1})^T \\delta^{2}) \\odot \\sigma'(z^{1})", "(W1' * delta2) .* a1 .* (1 - a1)", { hint: MISTAKE.wrongW }),
  m('Nielsen', 'square', 'b1', "(W1' * delta2) .* a1 .* (1 - a1)", "(W1' * delta2) .* a1 .* (1 - a1)", { hint: MISTAKE.wrongW }),
  e('Nielsen', 'nielsen', 'b1', '(w^{l+1})^T \\delta^{l+1}', "W2' * delta2", { hint: /σ'\(z1\) is left out/ }),
  e('Nielsen', 'nielsen', 'W2', '\\delta^l a^{l-1}', 'delta2 * a1', { hint: /transpose is left out/ }),
  e('Nielsen', 'nielsen', 'b2', '(a^L - y) \\odot \\sigma\'(z^L)', '(a2 - y) .* a2 .* (1 - a2)', { hint: /half the right value/ }),
  e('Nielsen', 'square', 'W2[j,k]', 'a^{l-1}_j \\delta^l_k', 'a1[j,1] * delta2[k,1]', { hint: /swapped/ }),

  // Goodfellow, algorithm 6.4 (his a is our z, his h our a): g ← ∇ŷ J, g ← g ⊙ f′(z), ∇_b J = g, ∇_W J = g hᵀ, g ← Wᵀ g.
  e('Goodfellow', 'goodfellow', 'b2', '\\nabla_a C', GF_D2),
  e('Goodfellow', 'goodfellow', 'b2', "\\nabla_a C \\odot f'(z^{(2)})", GF_D2),
  e('Goodfellow', 'goodfellow', 'b2', '\\frac{2}{3} (a^{(2)} - y)', GF_D2),
  e('Goodfellow', 'goodfellow', 'W2', '\\frac{2}{3} (a^{(2)} - y) (a^{(1)})^\\top', `${GF_D2} * a1'`),
  e('Goodfellow', 'goodfellow', 'W2', '\\nabla_a C \\, {a^{(1)}}^{\\top}', `${GF_D2} * a1'`),
  e('Goodfellow', 'goodfellow', 'b1', "W^{(2)\\top} \\nabla_a C \\odot f'(z^{(1)})", GF_B1),
  e('Goodfellow', 'goodfellow', 'b1', "(W^{(2)})^\\top \\nabla_a C \\odot f'(z^{(1)})", GF_B1),
  e('Goodfellow', 'goodfellow', 'b1', '(W^{(2)})^\\top \\nabla_a C \\odot (1 - \\tanh^2(z^{(1)}))', GF_B1),
  e('Goodfellow', 'goodfellow', 'b1', '(W^{(2)})^\\top \\nabla_a C \\odot (1 - \\tanh^{2} z^{(1)})', GF_B1),
  e('Goodfellow', 'goodfellow', 'b1', '(W^{(2)})^\\top \\nabla_a C \\odot \\operatorname{sech}^2(z^{(1)})', GF_B1, { proved: true }),
  e('Goodfellow', 'goodfellow', 'b1', '(W^{(2)})^\\top \\nabla_a C \\odot \\operatorname{sech}^{2}\\left(z^{(1)}\\right)', GF_B1, { proved: true }),
  e('Goodfellow', 'goodfellow', 'b1', "(W^{(2)})^\\top \\nabla_a C \\odot \\tanh'(z^{(1)})", GF_B1),
  e('Goodfellow', 'goodfellow', 'b1', '(W^{(2)})^\\top \\nabla_a C \\odot (1 - (a^{(1)})^2)', GF_B1),
  e('Goodfellow', 'goodfellow', 'b1', '(W^{(2)})^\\top \\nabla_a C \\odot (1 - a^{(1)} \\odot a^{(1)})', GF_B1),
  e('Goodfellow', 'goodfellow', 'W1', "((W^{(2)})^\\top \\nabla_a C \\odot f'(z^{(1)})) x^\\top", `(${GF_B1}) * x'`),
  e('Goodfellow', 'goodfellow', 'W1', "(W^{(2)})^\\top \\nabla_a C \\odot f'(z^{(1)}) \\, x^\\top", `(${GF_B1}) * x'`),
  e('Goodfellow', 'goodfellow', 'W1[i,j]', "\\sum_k W^{(2)}_{ki} \\frac{2}{3}(a^{(2)}_k - y_k) (1 - \\tanh^2(z^{(1)}_i)) x_j", `((W2[:,i])' * ${GF_D2}) * (1 - a1[i,1]^2) * x[j,1]`),
  m('Goodfellow', 'goodfellow', 'b1', "(W2' * (2/3*(a2 - y))) .* (1 - tanh(z1).^2)", GF_B1),
  m('Goodfellow', 'goodfellow', 'b1', "(W2' * (2/3*(a2 - y))) .* sech(z1).^2", GF_B1, { proved: true }),
  m('Goodfellow', 'goodfellow', 'b1', "(W2' * (2/3*(a2 - y))) .* tanh'(z1)", GF_B1),
  m('Goodfellow', 'goodfellow', 'b1', "(W2' * (2/3*(a2 - y))) .* f'(z1)", GF_B1),
  m('Goodfellow', 'goodfellow', 'b1', "(W2' * (2/3*(a2 - y))) .* (4 ./ (exp(z1) + exp(-z1)).^2)", GF_B1, { proved: true }),
  // Goodfellow's mistakes: the mean's 1/n, the sigmoid's derivative or 1 − tanh on a tanh layer
  e('Goodfellow', 'goodfellow', 'b2', '2 (a^{(2)} - y)', '2*(a2 - y)', { hint: MISTAKE.mean }),
  m('Goodfellow', 'goodfellow', 'b2', '2*(a2 - y)', '2*(a2 - y)', { hint: MISTAKE.mean }),
  e('Goodfellow', 'goodfellow', 'W2', '2 (a^{(2)} - y) (a^{(1)})^\\top', "2*(a2 - y) * a1'", { hint: MISTAKE.mean }),
  e('Goodfellow', 'goodfellow', 'b1', '(W^{(2)})^\\top \\nabla_a C \\odot a^{(1)} \\odot (1 - a^{(1)})', `(W2' * ${GF_D2}) .* a1 .* (1 - a1)`, { hint: MISTAKE.sigmoidOnTanh }),
  e('Goodfellow', 'goodfellow', 'b1', '(W^{(2)})^\\top \\nabla_a C \\odot \\tanh(z^{(1)})(1 - \\tanh(z^{(1)}))', `(W2' * ${GF_D2}) .* a1 .* (1 - a1)`, { hint: MISTAKE.sigmoidOnTanh }),
  e('Goodfellow', 'goodfellow', 'b1', '(W^{(2)})^\\top \\nabla_a C \\odot (1 - \\tanh(z^{(1)}))', `(W2' * ${GF_D2}) .* (1 - a1)`, { hint: MISTAKE.noSquare }),
  e('Goodfellow', 'goodfellow', 'b1', '(W^{(2)})^\\top \\nabla_a C \\odot (1 - a^{(1)})', `(W2' * ${GF_D2}) .* (1 - a1)`, { hint: MISTAKE.noSquare }),
  m('Goodfellow', 'goodfellow', 'b1', "(W2' * (2/3*(a2 - y))) .* (1 - a1)", `(W2' * ${GF_D2}) .* (1 - a1)`, { hint: MISTAKE.noSquare }),
  m('Goodfellow', 'goodfellow', 'b1', "(W2' * (2/3*(a2 - y))) .* a1 .* (1 - a1)", `(W2' * ${GF_D2}) .* a1 .* (1 - a1)`, { hint: MISTAKE.sigmoidOnTanh }),
  m('Goodfellow', 'goodfellow', 'b1', "(W2' * (2/3*(a2 - y))) .* dsigmoid(z1)", `(W2' * ${GF_D2}) .* sigm(z1) .* (1 - sigm(z1))`, { hint: /sigmoid's derivative.*but layer 1 is tanh/ }),

  // CS231n's two-layer net: dscores = p − y, dhidden masked where the relu was off.
  e('CS231n', 'cs231n', 'b2', 'a^{(2)} - y', 'a2 - y'),
  e('CS231n', 'cs231n', 'b2', 'a^{L} - y', 'a2 - y'),
  // ∇_a C is not δ: the softmax's Jacobian lies between them
  e('CS231n', 'cs231n', 'b2', '\\nabla_a C', '-y ./ a2'),
  e('CS231n', 'cs231n', 'W2', '(a^{(2)} - y) (a^{(1)})^T', "(a2 - y) * a1'"),
  e('CS231n', 'cs231n', 'W2[j,k]', '(a^{(2)}_j - y_j) a^{(1)}_k', '(a2[j,1] - y[j,1]) * a1[k,1]'),
  e('CS231n', 'cs231n', 'b1', '(W^{(2)})^T (a^{(2)} - y) \\odot [z^{(1)} > 0]', CS_B1),
  e('CS231n', 'cs231n', 'b1', '(W^{(2)})^T (a^{(2)} - y) \\odot (z^{(1)} > 0)', CS_B1),
  e('CS231n', 'cs231n', 'b1', '\\mathbb{1}(z^{(1)} > 0) \\odot (W^{(2)})^T (a^{(2)} - y)', CS_B1),
  e('CS231n', 'cs231n', 'b1', '\\mathbb{1}[z^{(1)} > 0] \\odot (W^{(2)})^{\\top} (a^{(2)} - y)', CS_B1),
  e('CS231n', 'cs231n', 'b1', '(W^{(2)})^T (a^{(2)} - y) \\odot \\mathbb{1}_{z^{(1)} > 0}', CS_B1),
  e('CS231n', 'cs231n', 'b1', '(W^{(2)})^T (a^{(2)} - y) \\odot [0 < z^{(1)}]', CS_B1),
  e('CS231n', 'cs231n', 'b1', "(W^{(2)})^T (a^{(2)} - y) \\odot \\operatorname{relu}'(z^{(1)})", CS_B1),
  e('CS231n', 'cs231n', 'b1', "(W^{(2)})^T (a^{(2)} - y) \\odot f'(z^{(1)})", CS_B1),
  e('CS231n', 'cs231n', 'b1', "(W^{(2)})^T (a^{(2)} - y) \\odot \\sigma'(z^{(1)})", CS_B1),
  e('CS231n', 'cs231n', 'W1', '(W^{(2)})^T (a^{(2)} - y) \\odot [z^{(1)} > 0] \\, x^T', `(${CS_B1}) * x'`),
  e('CS231n', 'cs231n', 'W1', '((W^{(2)})^T (a^{(2)} - y) \\odot [z^{(1)} > 0]) x^T', `(${CS_B1}) * x'`),
  e('CS231n', 'cs231n', 'W1[i,j]', '\\sum_k W^{(2)}_{ki} (a^{(2)}_k - y_k) [z^{(1)}_i > 0] x_j', "((W2[:,i])' * (a2 - y)) * (z1[i,1] > 0) * x[j,1]"),
  e('CS231n', 'cs231n', 'b2', 'a^{(2)} \\sum_i y_i - y', 'a2 - y', { proved: true }),
  e('CS231n', 'cs231n', 'b2[j]', 'a^{(2)}_j \\sum_i y_i - y_j', 'a2[j,1] - y[j,1]', { proved: true }),
  m('CS231n', 'cs231n', 'b2', "a2 .* (-y ./ a2) - a2 * (a2' * (-y ./ a2))", 'a2 - y', { proved: true }),
  m('CS231n', 'cs231n', 'W2', "(a2 .* (-y ./ a2) - a2 * (a2' * (-y ./ a2))) * a1'", "(a2 - y) * a1'", { proved: true }),
  m('CS231n', 'cs231n', 'b1', "(W2' * (a2 - y)) .* (z1 > 0)", CS_B1),
  m('CS231n', 'cs231n', 'b1', "(W2' * (a2 - y)) .* step(z1)", CS_B1),
  m('CS231n', 'cs231n', 'b1', "(W2' * (a2 - y)) .* relu'(z1)", CS_B1),
  m('CS231n', 'cs231n', 'W1', "((W2' * (a2 - y)) .* (z1 > 0)) * x'", `(${CS_B1}) * x'`),
  // CS231n's mistakes: σ′ on the softmax output, the sigmoid's derivative on relu, the mask left out
  e('CS231n', 'cs231n', 'b2', '(a^{(2)} - y) \\odot a^{(2)} \\odot (1 - a^{(2)})', '(a2 - y) .* a2 .* (1 - a2)', { hint: MISTAKE.extraSigmaPrime }),
  e('CS231n', 'cs231n', 'b2', "(a^{(2)} - y) \\odot \\sigma'(z^{(2)})", '(a2 - y) .* a2 .* (1 - a2)', { hint: MISTAKE.extraSigmaPrime }),
  m('CS231n', 'cs231n', 'b2', '(a2 - y) .* a2 .* (1 - a2)', '(a2 - y) .* a2 .* (1 - a2)', { hint: MISTAKE.extraSigmaPrime }),
  e('CS231n', 'cs231n', 'W2', '((a^{(2)} - y) \\odot a^{(2)} \\odot (1 - a^{(2)})) (a^{(1)})^T', "((a2 - y) .* a2 .* (1 - a2)) * a1'", { hint: MISTAKE.extraSigmaPrime }),
  e('CS231n', 'cs231n', 'b1', '(W^{(2)})^T (a^{(2)} - y) \\odot a^{(1)} \\odot (1 - a^{(1)})', "(W2' * (a2 - y)) .* a1 .* (1 - a1)", { hint: MISTAKE.sigmoidOnRelu }),
  e('CS231n', 'cs231n', 'b1', '(W^{(2)})^T (a^{(2)} - y)', "W2' * (a2 - y)", { hint: /σ'\(z1\) is left out/ }),
  e('CS231n', 'softmax', 'b2', "(a^{L} - y) \\odot \\sigma'(z^{L})", '(a2 - y) .* a2 .* (1 - a2)', { hint: MISTAKE.extraSigmaPrime }),
  e('CS231n', 'softmax', 'b1', "(W^{(2)})^T (a^{(2)} - y) \\odot \\sigma'(z^{(1)})", SOFTMAX_B1),
  e('CS231n', 'softmax', 'b1', '(W^{(2)})^T (a^{(2)} - y) \\odot (1 - \\tanh^2(z^{(1)}))', SOFTMAX_B1),
  e('CS231n', 'softmax', 'b1', '(W^{(2)})^T (a^{(2)} - y) \\odot a^{(1)} \\odot (1 - a^{(1)})', "(W2' * (a2 - y)) .* a1 .* (1 - a1)", { hint: MISTAKE.sigmoidOnTanh }),
  e('CS231n', 'softmax', 'b1', '(W^{(2)})^T (a^{(2)} - y) \\odot (1 - \\tanh(z^{(1)}))', "(W2' * (a2 - y)) .* (1 - a1)", { hint: MISTAKE.noSquare }),

  // Bishop, §5.3: δ_k = y_k − t_k, δ_j = h′(a_j) Σ_k w_kj δ_k, ∂E/∂w_ji = δ_j z_i (his a is our z, his z our a).
  e('Bishop', 'bishop', 'b2[k]', '\\delta^{(2)}_k = a^{(2)}_k - y_k', 'a2[k,1] - y[k,1]'),
  e('Bishop', 'bishop', 'b2[k]', '\\delta_k = a^{(2)}_k - y_k', 'a2[k,1] - y[k,1]'),
  e('Bishop', 'bishop', 'b1[j]', '\\delta^{(1)}_j = (1 - (a^{(1)}_j)^2) \\sum_k W^{(2)}_{kj} \\delta^{(2)}_k', `(1 - a1[j,1]^2) * ((W2[:,j])' * delta2)`),
  e('Bishop', 'bishop', 'b1[j]', "f'(z^{(1)}_j) \\sum_{k=1}^{2} W^{(2)}_{kj} \\delta^{(2)}_k", `(1 - a1[j,1]^2) * ((W2[:,j])' * delta2)`),
  e('Bishop', 'bishop', 'b1[j]', "\\tanh'(z^{(1)}_j) \\sum_{k} W^{(2)}_{kj} (a^{(2)}_k - y_k)", `(1 - a1[j,1]^2) * ((W2[:,j])' * (a2 - y))`),
  e('Bishop', 'bishop', 'b1[j]', '\\operatorname{sech}^2(z^{(1)}_j) \\sum_{k} W^{(2)}_{kj} \\delta^{(2)}_k', `(1 - a1[j,1]^2) * ((W2[:,j])' * delta2)`, { proved: true }),
  e('Bishop', 'bishop', 'b1[j]', '(1 - \\tanh^2 z^{(1)}_j) \\sum_{k} W^{(2)}_{kj} \\delta^{(2)}_k', `(1 - a1[j,1]^2) * ((W2[:,j])' * delta2)`),
  e('Bishop', 'bishop', 'W1[j,i]', '\\frac{\\partial C}{\\partial W^{(1)}_{ji}} = \\delta^{(1)}_j x_i', 'delta1[j,1] * x[i,1]'),
  e('Bishop', 'bishop', 'W2[k,j]', '\\delta^{(2)}_k a^{(1)}_j', 'delta2[k,1] * a1[j,1]'),
  e('Bishop', 'bishop', 'W2[k,j]', '(a^{(2)}_k - y_k) a^{(1)}_j', '(a2[k,1] - y[k,1]) * a1[j,1]'),
  e('Bishop', 'bishop', 'W1[j,i]', '(1 - (a^{(1)}_j)^2) \\sum_k W^{(2)}_{kj} (a^{(2)}_k - y_k) \\, x_i', `(1 - a1[j,1]^2) * ((W2[:,j])' * (a2 - y)) * x[i,1]`),
  m('Bishop', 'bishop', 'b1[j]', 'sum(W2[k,j] * delta2[k], k) * (1 - a1[j]^2)', `(1 - a1[j,1]^2) * ((W2[:,j])' * delta2)`),
  m('Bishop', 'bishop', 'W1[j,i]', 'delta1[j] * x[i]', 'delta1[j,1] * x[i,1]'),
  m('Bishop', 'bishop', 'b1[j]', 'sech(z1[j])^2 * sum(W2[k,j] * delta2[k], k)', `(1 - a1[j,1]^2) * ((W2[:,j])' * delta2)`, { proved: true }),
  m('Bishop', 'bishop', 'b1[j]', 'sum(W2[k,j] * (a2[k] - y[k]), k) * (1 - tanh(z1[j])^2)', `(1 - a1[j,1]^2) * ((W2[:,j])' * (a2 - y))`),
  // Bishop's mistakes
  e('Bishop', 'bishop', 'b1[j]', '\\sum_k W^{(1)}_{kj} \\delta^{(2)}_k (1 - (a^{(1)}_j)^2)', `(1 - a1[j,1]^2) * ((W1[:,j])' * delta2)`, { hint: MISTAKE.wrongW }),
  e('Bishop', 'bishop', 'b1[j]', '(1 - a^{(1)}_j) \\sum_k W^{(2)}_{kj} \\delta^{(2)}_k', `(1 - a1[j,1]) * ((W2[:,j])' * delta2)`, { hint: MISTAKE.noSquare }),
  e('Bishop', 'bishop', 'b1[j]', 'a^{(1)}_j (1 - a^{(1)}_j) \\sum_k W^{(2)}_{kj} \\delta^{(2)}_k', `a1[j,1] * (1 - a1[j,1]) * ((W2[:,j])' * delta2)`, { hint: MISTAKE.sigmoidOnTanh }),
  m('Bishop', 'bishop', 'b1[j]', 'sum(W2[k,j] * delta2[k], k) * (1 - a1[j])', `(1 - a1[j,1]) * ((W2[:,j])' * delta2)`, { hint: MISTAKE.noSquare }),
  e('Bishop', 'bishop', 'b2[k]', '2 (a^{(2)}_k - y_k)', '2*(a2[k,1] - y[k,1])', { hint: /twice the right value/ }),
  e('Bishop', 'bishop', 'W1[j,i]', '\\delta^{(1)}_i x_j', 'delta1[i,1] * x[j,1]', { hint: /swapped|index/ }),

  // The question's notation: (L), (L-1), a^{(L)*}, W(k), the update rule.
  e('question', 'question', 'W1', "W(k+1) = W(k) - R a^{(L-1)} 2(a^{(L-1)} W(k) - a^{(L)*})", 'W1 - R*x*2*(x*W1 - y)', { update: true, proved: true }),
  e('question', 'question', 'W1', 'W^{(L)}_{i,j}(k+1) = W^{(L)}_{i,j}(k) - R a^{(L-1)}_{i}2(a^{(L-1)}_{i}W^{(L)}_{i,j}(k) -a^{(L)^*}_{i})', 'W1 - R*x*2*(x*W1 - y)', { update: true, proved: true }),
  e('question', 'question', 'W1', 'W^{L}(k) - R a^{L-1} 2(a^{L-1} W^{L}(k) - y)', 'W1 - R*x*2*(x*W1 - y)', { update: true }),
  e('question', 'question', 'W1', 'W(k) - \\eta \\, 2 (a^{(L)} - a^{(L)*}) a^{(L-1)}', 'W1 - R*2*(a1 - y)*x', { update: true }),
  e('question', 'question', 'W1', '2(a^{(L)} - a^{(L)*}) a^{(L-1)}', '2*(a1 - y)*x'),
  e('question', 'question', 'W1', '\\frac{\\partial C}{\\partial a} x', '2*(a1 - y)*x'),
  e('question', 'question', 'W1', '\\nabla_a C \\, a^{L-1}', '2*(a1 - y)*x'),
  e('question', 'question', 'W1', '2 (W x - y) x', '2*(W1*x - y)*x'),
  m('question', 'question', 'W1', 'W1 - R*a0*2*(a0*W1 - y)', 'W1 - R*x*2*(x*W1 - y)', { update: true, proved: true }),
  m('question', 'question', 'W1', '2*(a1 - y)*x', '2*(a1 - y)*x'),
  e('question', 'chain', 'W1', 'W^{(L-1)}(k+1) = W^{(L-1)}(k) - R a^{(L-2)} W^{(L)} 2(a^{(L-1)} W^{(L)} - a^{(L)^*})', 'W1 - R*x*W2*2*(a1*W2 - y)', { update: true, proved: true }),
  e('question', 'chain', 'W1', 'W^{L-1}(k) - R a^{L-2} W^{L} 2(a^{L-1} W^{L} - y)', 'W1 - R*x*W2*2*(a1*W2 - y)', { update: true }),
  e('question', 'chain', 'W2', '2(a^{(L)} - a^{(L)*}) a^{(L-1)}', '2*(a2 - y)*a1'),
  m('question', 'chain', 'W1', 'W1 - eta * x * W2 * 2*(a1*W2 - y)', 'W1 - R*x*W2*2*(a1*W2 - y)', { update: true }),
  // the question's mistakes
  e('question', 'question', 'W1', 'W(k) - R a^{(L-1)} (a^{(L-1)} W(k) - a^{(L)*})', 'W1 - R*x*(x*W1 - y)', { update: true, hint: /factor 2/ }),
  e('question', 'chain', 'W1', 'W^{(L-1)}(k) - R a^{(L-2)} 2(a^{(L-1)} W^{(L)} - a^{(L)^*})', 'W1 - R*x*2*(a1*W2 - y)', { update: true, hint: /a factor W2 is left out/ }),
  e('question', 'question', 'W1', '2(a^{(L)} - a^{(L)*}) a^{(L)}', '2*(a1 - y)*a1', { hint: /should be a0|x|layer off by one/ }),

  // Cross-entropy on a sigmoid output: the chain written out reduces to a − y.
  e('Bishop', 'logistic', 'b2', 'a^{(2)} - y', 'a2 - y'),
  e('Bishop', 'logistic', 'b2', "\\left(-\\frac{y}{a^{(2)}} + \\frac{1 - y}{1 - a^{(2)}}\\right) \\odot \\sigma'(z^{(2)})", 'a2 - y', { proved: true }),
  e('Bishop', 'logistic', 'b2', "\\frac{a^{(2)} - y}{a^{(2)} \\odot (1 - a^{(2)})} \\odot \\sigma'(z^{(2)})", 'a2 - y', { proved: true }),
  e('Bishop', 'logistic', 'b2', "\\nabla_a C \\odot \\sigma'(z^L)", 'a2 - y', { proved: true }),
  m('Bishop', 'logistic', 'b2', '(-y ./ a2 + (1 - y) ./ (1 - a2)) .* a2 .* (1 - a2)', 'a2 - y', { proved: true }),
  m('Bishop', 'logistic', 'W2', "((-y ./ a2 + (1 - y) ./ (1 - a2)) .* a2 .* (1 - a2)) * a1'", "(a2 - y) * a1'", { proved: true }),
  e('Bishop', 'logistic', 'b2', "(a^{(2)} - y) \\odot \\sigma'(z^{(2)})", '(a2 - y) .* a2 .* (1 - a2)', { hint: MISTAKE.extraSigmaPrime }),
  e('Bishop', 'logistic', 'b1', "(W^{(2)})^T (a^{(2)} - y) \\odot \\sigma'(z^{(1)})", "(W2' * (a2 - y)) .* a1 .* (1 - a1)"),

  // softplus hidden units: their derivative is the sigmoid
  e('Goodfellow', 'softplus', 'b1', "(W^{(2)})^T (a^{(2)} - y) \\odot \\operatorname{softplus}'(z^{(1)})", "(W2' * (a2 - y)) .* sigm(z1)"),
  e('Goodfellow', 'softplus', 'b1', '(W^{(2)})^T (a^{(2)} - y) \\odot \\frac{1}{1 + e^{-z^{(1)}}}', "(W2' * (a2 - y)) .* sigm(z1)", { proved: true }),
  m('Goodfellow', 'softplus', 'b1', "(W2' * (a2 - y)) .* sigmoid(z1)", "(W2' * (a2 - y)) .* sigm(z1)"),
  m('Goodfellow', 'softplus', 'b1', "(W2' * (a2 - y)) .* softplus'(z1)", "(W2' * (a2 - y)) .* sigm(z1)"),
];

const options = (x: Entry): VerifyOptions => ({ wrt: x.wrt, ...(x.update ? { update: true } : {}), ...(x.mathjs ? { formula: x.text } : { latex: x.text }) });

const tally = { right: 0, wrong: 0, equivalent: 0, named: 0 };
afterAll(() => console.log(`textbook corpus: ${CORPUS.length} formulas, ${tally.right} right (${tally.equivalent} proved), ${tally.wrong} wrong (${tally.named} with the mistake named)`));

describe('verify on formulas as textbooks print them', () => {
  it('the corpus has at least 120 formulas, in every style, and each listed mistake', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(120);
    for (const style of ['Nielsen', 'Goodfellow', 'CS231n', 'Bishop', 'question'] as const) expect(CORPUS.filter((x) => x.style === style).length).toBeGreaterThanOrEqual(10);
    for (const hint of Object.values(MISTAKE)) expect(CORPUS.some((x) => x.hint === hint)).toBe(true);
  });

  it.each(CORPUS.map((x, k) => [k, x.style, x.text, x] as const))('%i %s: %s', (_k, _style, _text, x) => {
    const net = NETS[x.net]!;
    const right = rightByFiniteDifferences(net, x.wrt, x.update ?? false, x.meaning);
    // a right formula must never be refused: no throw here
    const r = verify(net, options(x));
    tally[right ? 'right' : 'wrong']++;
    if (r.verdict === 'equivalent') tally.equivalent++;
    if (x.hint && x.hint.test(r.differs.join('\n'))) tally.named++;
    if (right) {
      expect(r.verdict, `${x.text}: ${r.differs.join('; ')} ${r.shapes ?? ''}`).not.toBe('different');
      expect(x.hint, 'an entry with a hint is meant to be wrong').toBeUndefined();
      if (x.proved) expect(r.verdict, r.proof).toBe('equivalent');
    } else {
      expect(r.verdict).toBe('different');
      expect(x.proved).toBeUndefined();
      if (x.hint) expect(r.differs.join('\n')).toMatch(x.hint);
    }
  });
});
