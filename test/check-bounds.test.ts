// Work the user can ask for is bounded: a check of a network with millions of
// parameters finishes in seconds (finite differences of the trainer's own loss,
// said in the report), and straight-line code is refused above its size limit.
import { describe, expect, it } from 'vitest';
import { deltagen } from './helpers.ts';

const wide = (n: number): string => `name: wide\ninput: ${n}\nlayers:\n  - { units: ${n}, activation: tanh }\n  - { units: 3, activation: identity }\nloss: half-squared\n`;

describe('bounded checks', () => {
  it('a network of a million parameters checks in seconds, and the report says whose loss was differentiated', async () => {
    const t = performance.now();
    const r = await deltagen(['check', '-', '--points', '1', '--quiet'], wide(1000));
    expect(r.code, r.stderr).toBe(0);
    expect(performance.now() - t).toBeLessThan(30_000);
    expect(r.stdout).toContain("of the trainer's loss (checked against the reference's at every point");
    expect(r.stdout).toContain('PASSED');
  }, 60_000);

  it('small networks still differentiate the reference\'s loss', async () => {
    const r = await deltagen(['check', 'examples/xor.yaml', '--points', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { finiteDifferencesOf: string }).finiteDifferencesOf).toBe('reference');
  });

  it('a sequence model whose evaluation works through more than 20,000 numbers differentiates the trainer\'s loss, and passes', async () => {
    // 16 units over 30 steps: 1,089 parameters but 30 × (1,089 + 145) numbers an evaluation.
    const lstm = 'name: lstm16\ninput: 2\nsequence: 30\nnodes:\n'
      + ['f', 'i', 'o'].map((g) => `  ${g}: { dense: [x, h@prev], units: 16, activation: sigmoid }\n`).join('')
      + '  g: { dense: [x, h@prev], units: 16, activation: tanh }\n  fc: { multiply: [f, c@prev] }\n  ig: { multiply: [i, g] }\n'
      + '  c: { add: [fc, ig] }\n  tc: { of: c, activation: tanh }\n  h: { multiply: [o, tc] }\n  out: { dense: h, units: 1 }\ntarget: last-step\nloss: half-squared\n';
    const r = await deltagen(['check', '-', '--points', '2', '--json'], lstm);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { finiteDifferencesOf: string; passed: boolean };
    expect(report.finiteDifferencesOf).toBe('trainer');
    expect(report.passed).toBe(true);
  }, 60_000);

  it('--unroll full above 100000 parameters is refused at once, naming the limit', async () => {
    const t = performance.now();
    const r = await deltagen(['derive', '-', '--ts', '-', '--unroll', 'full'], wide(400));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^deltagen: --unroll full: wide has 161603 parameters; straight-line code is limited to 100000 \(use --unroll loops or auto\)\n$/);
    expect(performance.now() - t).toBeLessThan(5000);
  });
});

describe('numeric options are bounded, with the bound named', () => {
  it.each([
    [['verify', 'examples/question.yaml', '--wrt', 'W1', '--formula', 'x', '--points', '10000000'], '--points: at most 10000, found "10000000"'],
    [['check', 'examples/question.yaml', '--points', '10000000'], '--points: at most 10000, found "10000000"'],
    [['derive', 'examples/mnist-shape.yaml', '--expand-limit', '100000000', '--latex', '-'], '--expand-limit: at most 32, found "100000000"'],
    [['derive', 'examples/question.yaml', '--latex', ''], '--latex: expected a file name (or - for standard output), found ""'],
  ])('%j', async (args, message) => {
    const t = performance.now();
    const r = await deltagen(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`deltagen: ${message}\n`);
    expect(r.stdout).toBe('');
    expect(performance.now() - t).toBeLessThan(3000);
  });
});
