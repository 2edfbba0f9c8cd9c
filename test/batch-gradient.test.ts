// batchLossAndGradient of the chain form's trainer, in each of its code forms
// (straight-line and loops): the mean loss and mean gradient of a batch, against
// the mathjs reference (src/reference, the four equations written apart from the
// generator) averaged by hand; and bit for bit the mean of lossAndGradient, since
// the batch adds each example's gradient in the same order.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/check/random.ts';
import { loadTrainer } from '../src/compile/compile.ts';
import { compileNetwork } from '../src/pipeline.ts';
import { referenceGradient } from '../src/reference/reference.ts';
import { generateTypeScript } from '../src/render/typescript.ts';
import { corpus } from './corpus.ts';

const BATCH = 5;

describe('batchLossAndGradient: the mean over a batch', () => {
  for (const { file, network } of corpus) {
    for (const unroll of ['full', 'loops'] as const) {
      if (unroll === 'full' && network.input > 100) continue; // one huge function (see test/speed)
      it(`${file} (${unroll})`, async () => {
        const mod = await loadTrainer(generateTypeScript(compileNetwork(network), { unroll }));
        const rand = seededRandom(7);
        const vector = (n: number): number[] => Array.from({ length: n }, () => rand() * 2 - 1);
        const params = Float64Array.from(vector(mod.paramCount), (v) => v / Math.sqrt(network.input));
        const out = network.layers[network.layers.length - 1]!.units;
        const xs = Array.from({ length: BATCH }, () => vector(network.input));
        // One-hot targets suit every loss (cross-entropy and softmax need y in [0, 1] or a distribution).
        const ys = Array.from({ length: BATCH }, (_, e) => Array.from({ length: out }, (_, j) => (j === e % out ? 1 : 0)));

        const grad = new Float64Array(mod.paramCount).fill(Number.NaN); // whatever grad held is overwritten
        const C = mod.batchLossAndGradient(params, xs, ys, grad);

        // The reference, averaged here.
        const refGrad = new Float64Array(mod.paramCount);
        let refC = 0;
        for (let e = 0; e < BATCH; e++) {
          const r = referenceGradient(network, params, xs[e]!, ys[e]!);
          refC += r.loss / BATCH;
          r.grad.forEach((g, i) => { refGrad[i] += g / BATCH; });
        }
        expect(Math.abs(C - refC)).toBeLessThan(1e-12 * Math.max(1, Math.abs(refC)));
        const worst = Math.max(...Array.from(grad, (g, i) => Math.abs(g - refGrad[i]!) / Math.max(1, Math.abs(refGrad[i]!))));
        expect(worst).toBeLessThan(1e-12);

        // The module's own lossAndGradient, summed in example order and divided once.
        const sum = new Float64Array(mod.paramCount);
        const one = new Float64Array(mod.paramCount);
        let total = 0;
        for (let e = 0; e < BATCH; e++) {
          total += mod.lossAndGradient(params, xs[e]!, ys[e]!, one);
          one.forEach((g, i) => { sum[i] += g; });
        }
        expect(C).toBe(total / BATCH);
        expect(Array.from(grad)).toEqual(Array.from(sum, (g) => g / BATCH));
      });
    }
  }
});
