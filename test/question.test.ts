import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTrainer } from '../src/compile/compile.ts';
import { compileNetwork, renderTypeScript } from '../src/pipeline.ts';
import { loadNetworkFile } from '../src/spec/load.ts';
import { runTraining } from '../src/train/train.ts';
import { deltagen } from './helpers.ts';

const matlab = (JSON.parse(readFileSync('examples/question-matlab.json', 'utf8')) as { W1: number[] }).W1;

/** The question's own MATLAB loop, transcribed: w = w - r*a*2*(a*w - y). */
function questionLoop(): number[] {
  const r = 0.007; const a = 5.7; const y = 50.1;
  let w = -23.1;
  const out: number[] = [];
  for (let i = 0; i < 20; i++) { w = w - r * a * 2 * (a * w - y); out.push(w); }
  return out;
}

describe("the question's network", () => {
  it('train --trace --json reproduces the 20 values of W to 1e-9 relative', async () => {
    const r = await deltagen(['train', 'examples/question.yaml', '--trace', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { losses: number[]; params: { W1: number[][] }; trajectory: { W1: number[][] }[] };
    const want = questionLoop();
    expect(out.trajectory).toHaveLength(20);
    out.trajectory.forEach((p, i) => {
      const w = p.W1[0]![0]!;
      expect(Math.abs(w - want[i]!) / Math.abs(want[i]!)).toBeLessThanOrEqual(1e-9);
      // and agrees with what MATLAB printed (5 significant digits)
      expect(Number(w.toPrecision(5))).toBeCloseTo(matlab[i]!, 10);
    });
    expect(out.losses).toHaveLength(20);
    expect(out.params.W1[0]![0]).toBeCloseTo(8.7893, 4);
  });

  it('the chain of two neurons trains with the δ recursion the question asked for', async () => {
    const net = loadNetworkFile('examples/question-chain.yaml');
    const trainer = await loadTrainer(renderTypeScript(compileNetwork(net)));
    const { trajectory } = runTraining(net, trainer, { trace: true });
    // One step by hand: a1 = W1 x, a2 = W2 a1, δ2 = 2(a2 − y), δ1 = W2 δ2.
    let [w1, w2] = [0.5, -1.2];
    const [x, y, r] = [5.7, 50.1, 0.001];
    for (const p of trajectory!) {
      const a1 = w1 * x; const a2 = w2 * a1;
      const d2 = 2 * (a2 - y); const d1 = w2 * d2;
      [w1, w2] = [w1 - r * d1 * x, w2 - r * d2 * a1];
      expect((p.W1 as number[][])[0]![0]).toBeCloseTo(w1, 12);
      expect((p.W2 as number[][])[0]![0]).toBeCloseTo(w2, 12);
    }
  });
});
