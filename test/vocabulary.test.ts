import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, smoothPoint } from '../src/check/check.ts';
import { checkTrainer } from '../src/check/check.ts';
import { seededRandom } from '../src/check/random.ts';
import { loadTrainer } from '../src/compile/compile.ts';
import { compileNetwork, renderLatex, renderTypeScript } from '../src/pipeline.ts';
import { referenceGradient, referenceLossValue } from '../src/reference/reference.ts';
import type { ActivationSpec, LossName, Network } from '../src/spec/types.ts';

import { deltagen } from './helpers.ts';
import { parseChain } from './chain.ts';

const hidden: fc.Arbitrary<ActivationSpec> = fc.oneof(
  fc.constantFrom<ActivationSpec>({ kind: 'identity' }, { kind: 'sigmoid' }, { kind: 'tanh' }, { kind: 'relu' }, { kind: 'softplus' },
    { kind: 'formula', formula: 'x / (1 + abs(x))' }, { kind: 'formula', formula: 'x * sigmoid(x)' }),
  fc.double({ min: 0.01, max: 0.5, noNaN: true }).map((slope): ActivationSpec => ({ kind: 'leaky-relu', slope })),
);

/** The output layer and loss must fit: softmax with softmax-cross-entropy, an output in (0, 1) with cross-entropy. */
const head = fc.constantFrom<{ activation: ActivationSpec; loss: LossName }>(
  { activation: { kind: 'softmax' }, loss: 'softmax-cross-entropy' },
  { activation: { kind: 'sigmoid' }, loss: 'cross-entropy' },
  { activation: { kind: 'identity' }, loss: 'mse' },
  { activation: { kind: 'tanh' }, loss: 'squared' },
  { activation: { kind: 'softplus' }, loss: 'half-squared' },
);

const randomNetwork: fc.Arbitrary<Network> = fc.record({
  input: fc.integer({ min: 1, max: 5 }),
  hidden: fc.array(fc.record({ units: fc.integer({ min: 1, max: 5 }), activation: hidden, bias: fc.boolean() }), { maxLength: 3 }),
  out: fc.record({ units: fc.integer({ min: 1, max: 4 }), head, bias: fc.boolean() }),
}).map((r) => ({
  name: 'random', source: '<property>', input: r.input, loss: r.out.head.loss,
  layers: [...r.hidden, { units: r.out.head.activation.kind === 'softmax' ? Math.max(2, r.out.units) : r.out.units, activation: r.out.head.activation, bias: r.out.bias }],
}));

describe('property: random networks over the whole vocabulary (kinks avoided)', () => {
  it('single-example and batched gradients agree with the reference and finite differences, unrolled and in loops', async () => {
    await fc.assert(fc.asyncProperty(randomNetwork, fc.integer({ min: 1, max: 10_000 }), fc.constantFrom('full', 'loops'), async (network, seed, unroll) => {
      const trainer = await loadTrainer(renderTypeScript(compileNetwork(network), { unroll: unroll as 'full' | 'loops' }));
      const report = checkTrainer(network, trainer, { points: 2, seed });
      for (const p of report.parameters) {
        expect(p.reference, `${p.name} vs reference`).toBeLessThanOrEqual(1e-9);
        expect(p.finiteDifference, `${p.name} vs finite differences`).toBeLessThanOrEqual(1e-6);
      }
      // Batched: the mean over three examples at one parameter point.
      const rand = seededRandom(seed + 1);
      const base = smoothPoint(network, rand);
      const examples = [base, smoothPoint(network, rand), smoothPoint(network, rand)];
      const grad = new Float64Array(base.params.length);
      const loss = trainer.batchLossAndGradient(base.params, examples.map((e) => e.x), examples.map((e) => e.y), grad);
      const refs = examples.map((e) => referenceGradient(network, base.params, e.x, e.y));
      const meanLoss = refs.reduce((s, r) => s + r.loss, 0) / 3;
      expect(Math.abs(loss - meanLoss) / Math.max(1, Math.abs(meanLoss))).toBeLessThanOrEqual(1e-9);
      grad.forEach((g, i) => {
        const want = refs.reduce((s, r) => s + r.grad[i]!, 0) / 3;
        expect(Math.abs(g - want) / Math.max(1, Math.abs(want))).toBeLessThanOrEqual(1e-9);
      });
      // and against finite differences of the mean loss, on a few parameters
      const meanLossAt = (p: Float64Array): number => examples.reduce((s, e) => s + referenceLossValue(network, p, e.x, e.y), 0) / 3;
      for (const i of [0, Math.floor(grad.length / 2), grad.length - 1]) {
        const fd = finiteDifference(meanLossAt, base.params, i);
        expect(Math.abs(grad[i]! - fd) / Math.max(1, Math.abs(fd))).toBeLessThanOrEqual(1e-6);
      }
    }), { numRuns: 40, seed: 7 });
  });
});

const softmaxNet = parseChain('name: sm\ninput: 2\nlayers:\n  - units: 3\n    activation: softmax\nloss: softmax-cross-entropy\n');

describe('the derivation as a paper prints it', () => {
  it('softmax with cross-entropy: the Jacobian product, and its simplification to a − y by the CAS', () => {
    const tex = renderLatex(compileNetwork(softmaxNet));
    // Too wide for a column in one line: the product breaks between its factors.
    expect(tex).toContain('\\delta^{(1)} &= \\left(\\operatorname{diag}\\left(a^{(1)}\\right) - a^{(1)} \\left(a^{(1)}\\right)^{\\top}\\right)^{\\top} \\\\\n&\\quad \\left(-y \\oslash a^{(1)}\\right)');
    expect(tex).toMatch(/the CAS expands it to \$a_\{1\} y_\{1\} \+ a_\{1\} y_\{2\} \+ a_\{1\} y_\{3\} - y_\{1\}\$/);
    expect(tex).toContain('\\delta^{(1)} = a^{(1)} - y');
  });

  it('the sigmoid derivation shows σ′(z) = σ(z)(1 − σ(z))', () => {
    const tex = renderLatex(compileNetwork(parseChain('name: s\ninput: 1\nlayers:\n  - units: 2\n    activation: sigmoid\nloss: squared\n')));
    expect(tex).toContain("\\sigma'(z) = ");
    expect(tex).toContain('= \\sigma(z) \\left(1 - \\sigma(z)\\right)');
  });

  it('cross-entropy with a sigmoid output simplifies to a − y', () => {
    const c = compileNetwork(parseChain('name: s\ninput: 1\nlayers:\n  - units: 2\n    activation: sigmoid\nloss: cross-entropy\n'));
    expect(renderLatex(c)).toContain('\\delta^{(1)} = a^{(1)} - y');
  });

  it('the question notation uses (L), (L-1), i, j and a^{(L)*}', () => {
    const c = compileNetwork(parseChain('name: q\ninput: 2\nlayers:\n  - units: 2\n    activation: tanh\n  - units: 1\n    activation: identity\nloss: squared\n'));
    const tex = renderLatex(c, { notation: 'question' });
    expect(tex).toContain('W^{(L-1)}');
    expect(tex).toContain('a^{(L)^*}');
    expect(tex).toContain('\\frac{\\partial C}{\\partial W^{(L-1)}_{ij}}');
  });

  it('levels can be left out, and the expansion threshold is the user\'s', () => {
    const c = compileNetwork(parseChain('name: q\ninput: 1\nlayers:\n  - units: 1\n    activation: tanh\nloss: squared\n'));
    expect(renderLatex(c)).toContain('Every derivative written out');
    expect(renderLatex(c, { expandLimit: 1, levels: { matrix: true, index: false, scalar: false } })).not.toContain('Every derivative written out');
    expect(renderLatex(c, { levels: { matrix: false, index: true, scalar: false } })).not.toContain('step by step');
  });
});

describe('custom activations', () => {
  it('a formula whose derivative is not finite on the grid is refused with exit 2 and the failing x', async () => {
    const net = 'name: bad\ninput: 1\nlayers:\n  - units: 1\n    activation: { formula: "1/x" }\nloss: squared\n';
    const file = `/tmp/deltagen-bad-${process.pid}.yaml`;
    writeFileSync(file, net);
    const bad = await deltagen(['derive', file, '--out', '/tmp/deltagen-bad-out']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('x = 0');
    expect(bad.stderr).toContain('layers[0].activation');
  });

  it('abs gets the one-sided convention and says so', () => {
    const c = compileNetwork(parseChain('name: c\ninput: 1\nlayers:\n  - units: 1\n    activation: { formula: "abs(x)" }\nloss: squared\n'));
    expect(renderLatex(c)).toContain('\\operatorname{sgn}(0) = 0');
  });
});

describe('numerically stable evaluation', () => {
  const cases: [string, string, number[], number[], number[]][] = [
    ['sigmoid of ±800 with cross-entropy', 'name: s\ninput: 1\nlayers:\n  - units: 2\n    activation: sigmoid\nloss: cross-entropy\n', [800, -800, 0, 0], [1], [0, 1]],
    ['softmax of large logits', 'name: s\ninput: 1\nlayers:\n  - units: 3\n    activation: softmax\nloss: softmax-cross-entropy\n', [1000, -1000, 500, 0, 0, 0], [1], [0, 1, 0]],
    ['softplus of ±800', 'name: s\ninput: 1\nlayers:\n  - units: 2\n    activation: softplus\nloss: half-squared\n', [800, -800, 0, 0], [1], [0, 1]],
  ];
  it.each(cases)('%s: generated and reference stay finite and agree', async (_name, text, params, x, y) => {
    const network = parseChain(text);
    const trainer = await loadTrainer(renderTypeScript(compileNetwork(network)));
    for (const unroll of ['full', 'loops'] as const) {
      const t = unroll === 'full' ? trainer : await loadTrainer(renderTypeScript(compileNetwork(network), { unroll }));
      const grad = new Float64Array(params.length);
      const loss = t.lossAndGradient(Float64Array.from(params), x, y, grad);
      const ref = referenceGradient(network, params, x, y);
      expect(Number.isFinite(loss)).toBe(true);
      expect(Number.isFinite(ref.loss)).toBe(true);
      expect(Math.abs(loss - ref.loss) / Math.max(1, Math.abs(ref.loss))).toBeLessThanOrEqual(1e-9);
      grad.forEach((g, i) => {
        expect(Number.isFinite(g)).toBe(true);
        expect(Math.abs(g - ref.grad[i]!) / Math.max(1, Math.abs(ref.grad[i]!))).toBeLessThanOrEqual(1e-9);
      });
    }
  });

  it('cross-entropy of an output of exactly 1 against a target of 1 is finite', async () => {
    const network = parseChain('name: c\ninput: 1\nlayers:\n  - units: 1\n    activation: { formula: "x / (1 + abs(x)) / 2 + 0.5" }\nloss: cross-entropy\n');
    const trainer = await loadTrainer(renderTypeScript(compileNetwork(network)));
    const grad = new Float64Array(2);
    const loss = trainer.lossAndGradient(Float64Array.from([1e300, 0]), [1], [1], grad);
    expect(Math.abs(loss)).toBe(0);
    expect([...grad].every(Number.isFinite)).toBe(true);
  });
});
