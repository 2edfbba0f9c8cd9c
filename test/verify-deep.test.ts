// verify on the deepest chain a file may have (1,000 layers): an answer, not a
// stack overflow. The proof writes δ out through the layers above the
// parameter, so beyond MAX_PROOF_LAYERS it is skipped and the numeric verdict
// stands, saying so; near the output the proof still runs.
import { describe, expect, it } from 'vitest';
import { MAX_PROOF_LAYERS } from '../src/verify/verify.ts';
import { deltagen } from './helpers.ts';

const deep = `name: deep\ninput: 1\nlayers:\n${'  - { units: 1, activation: tanh }\n'.repeat(1000)}loss: squared\n`;

describe('verify on a 1,000-layer chain', () => {
  it('W1 is answered numerically, the proof skipped with the reason; W1000 is proved', async () => {
    const bottom = await deltagen(['verify', '-', '--wrt', 'W1', '--formula', 'delta1 * x', '--json'], deep);
    expect(bottom.code, bottom.stderr).toBe(0);
    const r = JSON.parse(bottom.stdout) as { verdict: string; proof: string };
    expect(r.verdict).toBe('numerically-equal');
    expect(r.proof).toContain(`through 999 layers (the proof follows at most ${MAX_PROOF_LAYERS})`);
    const top = await deltagen(['verify', '-', '--wrt', 'W1000', '--formula', 'delta1000 * a999', '--json'], deep);
    expect(top.code, top.stderr).toBe(0);
    expect((JSON.parse(top.stdout) as { verdict: string }).verdict).toBe('equivalent');
    // A wrong formula: the counterexample names only the parameters near the formula's layers (not 2,000 tries of 1,000 layers).
    const started = performance.now();
    const wrong = await deltagen(['verify', '-', '--wrt', 'W1000', '--formula', 'delta1000 * a998', '--json'], deep);
    expect(wrong.code, wrong.stderr).toBe(1);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
