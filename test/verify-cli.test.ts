import { describe, expect, it } from 'vitest';
import { deltagen } from './helpers.ts';

describe('deltagen verify on the command line', async () => {
  it('exit 0 and one JSON object for an equivalent formula', async () => {
    const r = await deltagen(['verify', 'examples/question.yaml', '--wrt', 'W1', '--update', '--json',
      '--latex', 'W(k+1) = W(k) - R a^{(L-1)} 2(a^{(L-1)} W(k) - a^{(L)*})']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.verdict).toBe('equivalent');
    expect(out.counterexample).toBeNull();
    expect(out.expected).toEqual({ formula: 'W1 - R * (2 * (a1 - y) * a0)', latex: 'W^{(L)} - R \\left(2 \\left(a^{(L)} - a^{(L)^*}\\right) a^{(L-1)}\\right)' });
  });

  it('exit 1 for a different formula, with the counterexample and the right formula', async () => {
    const r = await deltagen(['verify', 'examples/question.yaml', '--of', 'a1', '--wrt', 'W1', '--formula', 'a1', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { verdict: string; counterexample: { point: { x: number[] }; formula: number; expected: number }; expected: { formula: string; latex: string }; differs: string[] };
    expect(out.verdict).toBe('different');
    expect(out.counterexample.expected).toBeCloseTo(out.counterexample.point.x[0]!, 12);
    expect(out.expected.formula).toBe('a0');
    expect(out.differs[0]).toMatch(/a1 should be a0/);
  });

  it('exit 1 in text form, naming the shapes and the missing transpose', async () => {
    const r = await deltagen(['verify', 'test/fixtures/nielsen-232.yaml', '--wrt', 'W1', '--formula', "((W2 * delta2) .* a1 .* (1 - a1)) * a0'"]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^different: /);
    expect(r.stdout).toContain('2×3');
    expect(r.stdout).toContain("a transpose is left out: W2 should be W2'");
    expect(r.stdout).toContain('right formula: ');
  });

  it('exit 2 with the position for a formula that cannot be read', async () => {
    const r = await deltagen(['verify', 'examples/question.yaml', '--wrt', 'W1', '--formula', '2*(a1 - yy)']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown name "yy"');
    expect(r.stderr).toContain('at character 9');
    expect(r.stdout).toBe('');
    const j = await deltagen(['verify', 'examples/question.yaml', '--wrt', 'W1', '--latex', '2(a w - y', '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ verdict: null, error: { position: 10, exitCode: 2 } });
  });

  it('exit 2 for a file that cannot be read and for a bad --wrt', async () => {
    expect((await deltagen(['verify', 'examples/nope.yaml', '--wrt', 'W1', '--formula', 'x'])).code).toBe(2);
    const r = await deltagen(['verify', 'examples/question.yaml', '--wrt', 'W7', '--formula', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--wrt');
  });
});

describe('verify --update EXPR', async () => {
  it('takes the update rule as the option value', async () => {
    const r = await deltagen(['verify', 'examples/question.yaml', '--wrt', 'W1', '--update', 'W1 - R*a0*2*(a0*W1 - y)', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).verdict).toBe('equivalent');
    const wrong = await deltagen(['verify', 'examples/question.yaml', '--wrt', 'W1', '--update', 'W1 - R*a0*(a0*W1 - y)', '--json']);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).verdict).toBe('different');
  });
});
