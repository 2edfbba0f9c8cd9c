// Property: for random graph networks (random node kinds, sizes 1–4, inputs
// among x and earlier nodes, in a sequence model @prev links to any node,
// random activations, losses, l2 and target), written as a network file and
// read through parseNetwork so the file's own validation runs, the generated
// trainer agrees with the independent reference (src/reference/graph.ts) to
// 1e-9 and with finite differences of the reference loss to 1e-6, for one
// example and a batch, in every unroll mode.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference } from '../src/check/check.ts';
import { seededRandom } from '../src/check/random.ts';
import { loadModule } from '../src/compile/compile.ts';
import { deriveGraph } from '../src/derive/graph.ts';
import { generateGraphJavaScript } from '../src/render/graph-code.ts';
import { graphPreActivations, graphReferenceGradient, graphReferenceLoss, randomGraphPoint, smoothGraphPoint, type GraphPoint, type PointRanges } from '../src/reference/graph.ts';
import { isGraph, type GraphNetwork } from '../src/spec/graph-types.ts';
import { parseNetwork } from '../src/spec/load.ts';

const scaled = (got: number, want: number): number => Math.abs(got - want) / Math.max(1, Math.abs(want));

const ACTIVATIONS: unknown[] = [
  'identity', 'sigmoid', 'tanh', 'relu', 'leaky-relu', { 'leaky-relu': 0.3 }, 'softplus',
  { formula: 'x / (1 + abs(x))' }, { formula: 'sin(x)' }, { formula: 'x * sigmoid(x)' }, { formula: '0.5 * x + 0.1 * x^2' },
];
const PLAIN_LOSSES: unknown[] = ['squared', 'half-squared', 'mse', { formula: '(a - y)^4' }, { formula: '(a - y)^2 + 0.1 * sin(a)' }];

/** A network file (as an object) built from a stream of random choices: valid by construction. */
function buildNetwork(input: number, sequence: number, count: number, choices: readonly number[]): Record<string, unknown> {
  let at = 0;
  const pick = (n: number): number => (choices[at++ % choices.length]! % n);
  const chance = (percent: number): boolean => pick(100) < percent;
  const T = sequence; // 0: no sequence
  const lossKind = pick(10); // 0: cross-entropy, 1: softmax-cross-entropy, else a plain loss
  const loss = lossKind === 0 ? 'cross-entropy' : lossKind === 1 ? 'softmax-cross-entropy' : PLAIN_LOSSES[pick(PLAIN_LOSSES.length)];
  const names = Array.from({ length: count }, (_, i) => `n${i}`);
  const outIndex = count - 1;
  // First pass: each node's kind and (except concat) its size, so @prev may name any node.
  type Kind = 'dense' | 'add' | 'multiply' | 'concat' | 'of';
  const kinds: Kind[] = names.map((_, i) => {
    if (i === outIndex && lossKind <= 1) return chance(70) ? 'dense' : 'of';
    return (['dense', 'dense', 'add', 'multiply', 'concat', 'of'] as const)[pick(6)]!;
  });
  const sizes: (number | undefined)[] = kinds.map((k) => (k === 'concat' ? undefined : 1 + pick(4)));
  const nodes: Record<string, Record<string, unknown>> = {};
  const denseOwners: { name: string; units: number; inSize: number }[] = [];
  const softmaxOut = lossKind === 1;
  /**
   * Sources node i may read, with their sizes, and whether the file's size
   * inference can tell that size without node i (x, an earlier node, or the
   * @prev of a dense node): add, multiply and of need one such input, concat
   * needs all.
   */
  const sources = (i: number): { text: string; node: string; size: number; known: boolean }[] => {
    const out = [{ text: 'x', node: 'x', size: input, known: true }];
    for (let j = 0; j < i; j++) out.push({ text: names[j]!, node: names[j]!, size: sizes[j]!, known: true });
    if (T > 0) {
      for (let j = 0; j < count; j++) {
        if (sizes[j] === undefined) continue; // a concat not yet built
        if (softmaxOut && j === outIndex) continue; // a softmax output is read by the loss only
        if (chance(50)) out.push({ text: `${names[j]}@prev`, node: names[j]!, size: sizes[j]!, known: j < i || kinds[j] === 'dense' });
      }
    }
    return out;
  };
  names.forEach((name, i) => {
    const avail = sources(i);
    let kind = kinds[i]!;
    const s = sizes[i];
    const ofSize = avail.filter((a) => a.size === s);
    const anchors = ofSize.filter((a) => a.known);
    if ((kind === 'add' || kind === 'multiply' || kind === 'of') && anchors.length === 0) kind = 'dense';
    const choose = <T,>(list: readonly T[]): T => list[pick(list.length)]!;
    const activation = (): unknown => {
      if (i === outIndex && lossKind === 0) return 'sigmoid';
      if (i === outIndex && lossKind === 1) return 'softmax';
      return ACTIVATIONS[pick(ACTIVATIONS.length)];
    };
    switch (kind) {
      case 'dense': {
        const size = s ?? 1 + pick(4);
        // A tie to an earlier dense node with one input, where the sizes fit.
        const owner = chance(30) ? denseOwners.find((o) => o.inSize === size && avail.some((a) => a.size === o.units)) : undefined;
        if (owner) {
          const src = choose(avail.filter((a) => a.size === owner.units));
          nodes[name] = { dense: src.text, units: size, tied: owner.name, activation: activation(), ...(chance(20) ? { bias: false } : {}) };
        } else {
          const k = 1 + pick(Math.min(3, avail.length));
          const picked: typeof avail = [];
          for (let tries = 0; picked.length < k && tries < 20; tries++) {
            const c = choose(avail);
            if (!picked.some((p) => p.node === c.node)) picked.push(c);
          }
          nodes[name] = { dense: picked.length === 1 && chance(50) ? picked[0]!.text : picked.map((p) => p.text), units: size, activation: activation(), ...(chance(20) ? { bias: false } : {}) };
          if (picked.length === 1) denseOwners.push({ name, units: size, inSize: picked[0]!.size });
        }
        sizes[i] = size;
        break;
      }
      case 'of':
        nodes[name] = { of: choose(anchors).text, activation: activation() };
        break;
      case 'add': {
        const list = [choose(anchors), ...Array.from({ length: 1 + pick(2) }, () => choose(ofSize))];
        nodes[name] = { add: (chance(50) ? list : list.reverse()).map((p) => p.text) };
        break;
      }
      case 'multiply': {
        const list = [choose(anchors), choose(ofSize)];
        nodes[name] = { multiply: (chance(50) ? list : list.reverse()).map((p) => p.text) };
        break;
      }
      case 'concat': {
        const known = avail.filter((a) => a.known);
        const parts: typeof avail = [choose(known), choose(known)];
        if (chance(30)) parts.push(choose(known));
        nodes[name] = { concat: parts.map((p) => p.text) };
        sizes[i] = parts.reduce((n, p) => n + p.size, 0);
        break;
      }
    }
  });
  const l2 = [0, 0, 0.01, 0.3][pick(4)]!;
  return {
    name: 'random', input, ...(T > 0 ? { sequence: T, target: chance(50) ? 'every-step' : 'last-step' } : {}),
    nodes, loss, ...(l2 > 0 ? { regularization: { l2 } } : {}),
  };
}

const networkFile = fc.record({
  input: fc.integer({ min: 1, max: 3 }),
  sequence: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })),
  count: fc.integer({ min: 1, max: 6 }),
  choices: fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 200 }),
}).map((r) => buildNetwork(r.input, r.sequence, r.count, r.choices));

const RANGES: PointRanges = { params: 1, x: 1.5 };

async function agreement(net: GraphNetwork, seed: number): Promise<void> {
  const der = deriveGraph(net);
  const mods = await Promise.all((['auto', 'loops', 'full'] as const).map(async (unroll) => [unroll, await loadModule(generateGraphJavaScript(der, { unroll }))] as const));
  const rand = seededRandom(seed);
  const first = smoothGraphPoint(net, rand, RANGES);
  let second = randomGraphPoint(net, rand, RANGES);
  for (let tries = 0; tries < 200 && graphPreActivations(net, first.params, second.x).some((z) => Math.abs(z) < 1e-2); tries++) second = randomGraphPoint(net, rand, RANGES);
  const examples: GraphPoint[] = [first, { params: first.params, x: second.x, y: second.y }];
  const { params, x, y } = first;
  const n = params.length;
  const ref = graphReferenceGradient(net, params, x, y);
  const fd = Array.from({ length: n }, (_, i) => finiteDifference((q) => graphReferenceLoss(net, q, x, y), params, i));
  const refs = examples.map((e) => graphReferenceGradient(net, params, e.x, e.y));
  const meanLoss = (refs[0]!.loss + refs[1]!.loss) / 2;
  const meanGrad = Array.from({ length: n }, (_, i) => (refs[0]!.grad[i]! + refs[1]!.grad[i]!) / 2);
  const batchFd = Array.from({ length: n }, (_, i) => finiteDifference((q) => (graphReferenceLoss(net, q, examples[0]!.x, examples[0]!.y) + graphReferenceLoss(net, q, examples[1]!.x, examples[1]!.y)) / 2, params, i));
  for (const [unroll, m] of mods) {
    const grad = new Float64Array(n).fill(Number.NaN);
    const C = m.lossAndGradient(params, x, y, grad);
    expect(scaled(C, ref.loss), `${unroll}: loss ${C} vs reference ${ref.loss}`).toBeLessThanOrEqual(1e-9);
    expect(scaled(m.loss(params, x, y), ref.loss), `${unroll}: loss()`).toBeLessThanOrEqual(1e-9);
    for (let i = 0; i < n; i++) {
      expect(scaled(grad[i]!, ref.grad[i]!), `${unroll}: ∂C/∂θ${i} = ${grad[i]} vs reference ${ref.grad[i]}`).toBeLessThanOrEqual(1e-9);
      expect(scaled(grad[i]!, fd[i]!), `${unroll}: ∂C/∂θ${i} = ${grad[i]} vs finite difference ${fd[i]}`).toBeLessThanOrEqual(1e-6);
    }
    const bgrad = new Float64Array(n).fill(Number.NaN);
    const bC = m.batchLossAndGradient(params, examples.map((e) => e.x), examples.map((e) => e.y), bgrad);
    expect(scaled(bC, meanLoss), `${unroll}: batch loss`).toBeLessThanOrEqual(1e-9);
    for (let i = 0; i < n; i++) {
      expect(scaled(bgrad[i]!, meanGrad[i]!), `${unroll}: batch ∂C/∂θ${i} vs mean reference`).toBeLessThanOrEqual(1e-9);
      expect(scaled(bgrad[i]!, batchFd[i]!), `${unroll}: batch ∂C/∂θ${i} vs finite difference`).toBeLessThanOrEqual(1e-6);
    }
  }
}

describe('property: random graph networks', () => {
  it('every generated file is valid', () => {
    fc.assert(fc.property(networkFile, (file) => {
      const net = parseNetwork(JSON.stringify(file), 'random.json');
      expect(isGraph(net)).toBe(true);
    }), { numRuns: 200, seed: 11 });
  });

  it('the trainer agrees with the reference (1e-9) and finite differences (1e-6), one example and a batch, every unroll mode', async () => {
    await fc.assert(fc.asyncProperty(networkFile, fc.integer({ min: 1, max: 1_000_000 }), async (file, seed) => {
      const net = parseNetwork(JSON.stringify(file), 'random.json');
      if (!isGraph(net)) throw new Error('expected a graph network');
      await agreement(net, seed);
    }), { numRuns: 60, seed: 2026 });
  });
});
