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
    [nest('sin', 60), 2],
    [nest('tanh', 40), 2],
    [nest('sigmoid', 12), 2],
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
