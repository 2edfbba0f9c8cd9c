import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTrainer } from '../src/check/check.ts';
import { checkNetwork } from '../src/check/run.ts';
import { loadTrainer } from '../src/compile/compile.ts';
import { compileNetwork, renderTypeScript } from '../src/pipeline.ts';
import type { Network } from '../src/spec/types.ts';
import { corpus } from './corpus.ts';

describe('generated gradients agree with the reference and finite differences', () => {
  for (const { file, network } of corpus) {
    it(file, async () => {
      const report = await checkNetwork(network, { points: 4 });
      expect(report.typecheck.ok, report.typecheck.output).toBe(true);
      for (const p of report.parameters) {
        expect(p.reference, `${p.name} vs reference`).toBeLessThanOrEqual(1e-9);
        expect(p.finiteDifference, `${p.name} vs finite differences`).toBeLessThanOrEqual(1e-6);
      }
      expect(report.passed).toBe(true);
    });
  }
});

const activation = fc.constantFrom('identity', 'sigmoid', 'tanh') as fc.Arbitrary<'identity' | 'sigmoid' | 'tanh'>;
const randomNetwork: fc.Arbitrary<Network> = fc.record({
  input: fc.integer({ min: 1, max: 6 }),
  layers: fc.array(fc.record({ units: fc.integer({ min: 1, max: 6 }), activation, bias: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  loss: fc.constantFrom('squared', 'half-squared') as fc.Arbitrary<'squared' | 'half-squared'>,
}).map((r) => ({
  name: 'random', source: '<property>', input: r.input, loss: r.loss,
  layers: r.layers.map((l) => ({ units: l.units, bias: l.bias, activation: { kind: l.activation } })),
}));

describe('property: random dense networks', () => {
  it('generated lossAndGradient agrees with the reference to 1e-9 and finite differences to 1e-6', async () => {
    await fc.assert(fc.asyncProperty(randomNetwork, fc.integer({ min: 1, max: 1000 }), async (network, seed) => {
      const trainer = await loadTrainer(renderTypeScript(compileNetwork(network)));
      const report = checkTrainer(network, trainer, { points: 2, seed });
      for (const p of report.parameters) {
        expect(p.reference).toBeLessThanOrEqual(1e-9);
        expect(p.finiteDifference).toBeLessThanOrEqual(1e-6);
      }
      expect(report.loss).toBeLessThanOrEqual(1e-9);
    }), { numRuns: 40, seed: 42 });
  });

  it('a wrong gradient is caught', async () => {
    const network = corpus.find((c) => c.network.name === 'xor')!.network;
    const trainer = await loadTrainer(renderTypeScript(compileNetwork(network)));
    const broken = { ...trainer, lossAndGradient: (p: Float64Array, x: ArrayLike<number>, y: ArrayLike<number>, g: Float64Array) => {
      const c = trainer.lossAndGradient(p, x, y, g);
      g[3] = g[3]! * 1.001;
      return c;
    } };
    const report = checkTrainer(network, broken);
    expect(report.passed).toBe(false);
    expect(report.parameters.find((p) => p.name === 'W1')!.reference).toBeGreaterThan(1e-9);
  });
});

describe('a failed check says what failed', () => {
  it('a loss that is not finite at the random points is named as such, not as a gradient that disagrees', async () => {
    const { deltagen } = await import('./helpers.ts');
    const r = await deltagen(['check', '-'], 'name: g\ninput: 2\nnodes:\n  h: { dense: x, units: 1 }\nloss: cross-entropy\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the loss is not a finite number at a random point.*cross-entropy needs outputs in \(0, 1\)/);
    expect(r.stderr).not.toContain('disagrees');
  });
});
