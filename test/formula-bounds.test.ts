// Custom formulas that once hung derive for minutes end in seconds: refused on
// the grid before the CAS sees them, or derived without the steps that explode
// (mathjs's simplifier on large derivatives, nerdamer's expansion of high powers).
import { describe, expect, it } from 'vitest';
import { deltagen } from './helpers.ts';

const nest = (f: string, n: number): string => { let s = 'x'; for (let i = 0; i < n; i++) s = `${f}(${s})`; return s; };
const net = (formula: string): string => `name: f\ninput: 1\nlayers:\n  - units: 1\n    activation: { formula: "${formula}" }\nloss: squared\n`;

describe('custom formulas end in bounded time', () => {
  it.each([
    ['(x+1)^300', 2],
    ['(x/1000+1)^300', 0],
    [nest('sin', 20), 0],
    // Deep nests are derived (the chain rule's product is as deep as the formula), within the time asked.
    [nest('sin', 60), 0],
    [nest('tanh', 40), 0],
    [nest('sigmoid', 12), 0],
    [nest('softplus', 12), 0],
    [nest('exp', 20), 2],
  ])('%s', async (formula, code) => {
    const t = performance.now();
    const r = await deltagen(['derive', '-', '--ts', '-'], net(formula));
    expect(performance.now() - t).toBeLessThan(8000);
    expect(r.code, r.stderr).toBe(code);
    if (code === 2) expect(r.stderr.trim().split('\n')).toHaveLength(1);
    else expect(r.stdout).toContain('export function sgdStep');
  }, 30_000);
});

describe('a loss formula whose derivative nests too deep', () => {
  it('is refused on one line naming loss.formula (exit 2), in both forms; it once stopped with an internal error', async () => {
    const loss = nest('cos', 60).replace(/x/, 'a - y');
    for (const file of [`name: f\ninput: 2\nlayers:\n  - units: 1\nloss: { formula: "${loss}" }\n`, `name: f\ninput: 2\nnodes:\n  h: { dense: x, units: 2 }\nloss: { formula: "${loss}" }\n`]) {
      const r = await deltagen(['derive', '-', '--ts', '-'], file);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^deltagen: .*loss\.formula: .*its derivative is nested deeper than 64 levels/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  }, 30_000);
});

describe('allowed functions evaluate through stable forms', () => {
  const one = (formula: string): string => `name: s\ninput: 1\nlayers:\n  - { units: 1, activation: { formula: "${formula}" }, bias: false }\nloss: half-squared\n`;
  it.each([
    // formula, its value at x = 1000 and at x = −1000 (exact to float64)
    ['sech(x)', 0, 0],
    ['log(1 + exp(x))', 1000, 0],
    ['log(cosh(x))', 1000 - Math.LN2, 1000 - Math.LN2],
    ['log(sigmoid(x))', 0, -1000],
    // Their derivatives in stable forms too: 2 softplus(x) σ(x), σ′ softplus + σ².
    ['softplus(x)^2', 1000 * 1000, 0],
    ['sigmoid(x) * softplus(x)', 1000, 0],
  ])('%s is accepted, checks out, and is finite at ±1000', async (formula, high, low) => {
    const checked = await deltagen(['check', '-', '--quiet', '--json'], one(formula));
    expect(checked.code, checked.stderr).toBe(0);
    const { trainer } = await import('../src/index.ts');
    const { parseNetwork } = await import('../src/spec/load.ts');
    const t = await trainer(parseNetwork(one(formula)));
    const grad = new Float64Array(1);
    for (const [x, want] of [[1000, high], [-1000, low]] as const) {
      expect(t.predict(Float64Array.of(1), [x])[0]).toBeCloseTo(want, 9);
      expect(Number.isFinite(t.lossAndGradient(Float64Array.of(1), [x], [0], grad))).toBe(true);
      expect(Number.isFinite(grad[0]!)).toBe(true);
    }
  });
});

describe('cross-entropy takes its logs from the logit where the output is a sigmoid', () => {
  it('0.5 + 0.5 tanh(x) is σ(2x): the loss equals a 1200-digit reference within 1e-9 at z = 20, 40, 400', async () => {
    const { spawnSync } = await import('node:child_process');
    const { trainer } = await import('../src/index.ts');
    const { parseNetwork } = await import('../src/spec/load.ts');
    const t = await trainer(parseNetwork('name: s\ninput: 1\nlayers:\n  - { units: 1, activation: { formula: "0.5 + 0.5 * tanh(x)" }, bias: false }\nloss: cross-entropy\n'));
    // The oracle: Python's decimal arithmetic at 1200 digits, from the formula as written (no rewriting).
    const python = [
      'from decimal import Decimal as D, getcontext',
      'getcontext().prec = 1200',
      'for z in (20, 40, 400):',
      '    e, f = D(z).exp(), D(-z).exp()',
      '    a = D("0.5") + D("0.5") * (e - f) / (e + f)',
      '    y = D("0.3")',
      '    print(-(y * a.ln() + (1 - y) * (1 - a).ln()))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', python], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const want = r.stdout.trim().split('\n').map(Number);
    [20, 40, 400].forEach((z, i) => {
      const got = t.loss(Float64Array.of(1), [z], [0.3]);
      expect(Math.abs(got - want[i]!) / want[i]!, `z = ${z}: ${got} against ${want[i]}`).toBeLessThanOrEqual(1e-9);
    });
  });
});
