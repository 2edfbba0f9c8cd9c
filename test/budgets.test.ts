// The hard cases of "What deltagen trusts and what it refuses", each as a real
// process with a time and a memory budget: its exit code, its one-line message,
// its wall time within the budget (a deadline's rows: the deadline plus 1 s) and
// its peak memory under 300 MB. Run one at a time, so each is timed alone.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FORMULA_CAS_MS } from '../src/symbolic/activations.ts';

const dir = mkdtempSync(join(tmpdir(), 'deltagen-budgets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MEMORY_MB = 300;
const nest = (f: string, n: number): string => `${f}(`.repeat(n) + 'x' + ')'.repeat(n);
const formulaNet = (name: string, formula: string): string => {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, `name: ${name}\ninput: 1\nlayers:\n  - { units: 1, activation: { formula: "${formula}" } }\nloss: squared\ntrain: { rate: 0.01, steps: 5, data: [ { x: [0.5], y: [0.2] } ] }\n`);
  return p;
};
const deep = (): string => {
  const p = join(dir, 'deep.yaml');
  writeFileSync(p, `name: deep\ninput: 1\nlayers:\n${'  - { units: 1, activation: tanh }\n'.repeat(1000)}loss: squared\n`);
  return p;
};
const bomb = (): string => {
  const p = join(dir, 'bomb.yaml');
  const levels = ['a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)];
  writeFileSync(p, `${levels.join('\n')}\nname: t\ninput: 1\nlayers: [ { units: 1 } ]\nloss: squared\n`);
  return p;
};
let rows = 0;
/** A fresh output folder for each row: a refused run must leave it empty. */
const out = (): string => join(dir, `out${rows}`);

interface Row {
  readonly name: string;
  readonly args: () => string[];
  readonly code: number;
  readonly message?: RegExp;
  /** Wall time allowed, ms (start-up included). */
  readonly budgetMs: number;
}

const ROWS: readonly Row[] = [
  // Custom formulas that once ran for minutes: refused on the grid, derived, or stopped at the CAS deadline.
  { name: 'derive (x+1)^300', args: () => ['derive', formulaNet('p300', '(x+1)^300'), '--out', out()], code: 2, message: /not finite at x = -1000/, budgetMs: 4000 },
  { name: 'derive (x/1000+1)^300', args: () => ['derive', formulaNet('p300b', '(x/1000+1)^300'), '--out', out()], code: 0, budgetMs: 8000 },
  { name: 'derive sin nested 60 deep', args: () => ['derive', formulaNet('sin60', nest('sin', 60)), '--out', out()], code: 0, budgetMs: 8000 },
  { name: 'derive tanh nested 40 deep', args: () => ['derive', formulaNet('tanh40', nest('tanh', 40)), '--out', out()], code: 0, budgetMs: 8000 },
  { name: 'train sigmoid nested 12 deep', args: () => ['train', formulaNet('sig12', nest('sigmoid', 12)), '--quiet'], code: 0, budgetMs: 8000 },
  { name: 'verify softplus nested 12 deep', args: () => ['verify', formulaNet('sp12', nest('softplus', 12)), '--wrt', 'W1', '--formula', 'delta1 * x'], code: 0, budgetMs: 8000 },
  { name: 'check exp nested 20 deep', args: () => ['check', formulaNet('exp20', nest('exp', 20)), '--quiet'], code: 2, message: /not finite/, budgetMs: 4000 },
  { name: 'derive a formula whose simplification outruns the CAS deadline', args: () => ['derive', formulaNet('slow', '(x^2+1)^16/(x^2+x+1)^15'), '--out', out()], code: 2, message: /did not finish within 5 s/, budgetMs: FORMULA_CAS_MS + 1000 + 1500 },
  // Reading and asking for unbounded work.
  { name: 'derive /dev/zero', args: () => ['derive', '/dev/zero', '--out', out()], code: 2, message: /file larger than 1048576 bytes/, budgetMs: 3000 },
  { name: 'an alias bomb', args: () => ['derive', bomb(), '--out', out()], code: 2, message: /values once its aliases are expanded/, budgetMs: 3000 },
  { name: 'verify --points 10000000', args: () => ['verify', 'examples/question.yaml', '--wrt', 'W1', '--formula', 'x', '--points', '10000000'], code: 2, message: /--points: at most 10000/, budgetMs: 3000 },
  { name: 'train --steps 100000000 --trace', args: () => ['train', 'examples/question.yaml', '--steps', '100000000', '--trace'], code: 2, message: /--steps/, budgetMs: 3000 },
  { name: 'derive --expand-limit 100000000', args: () => ['derive', 'examples/mnist-shape.yaml', '--expand-limit', '100000000', '--latex', '-'], code: 2, message: /--expand-limit: at most 32/, budgetMs: 3000 },
  // The deepest chain a file may have.
  { name: 'verify on 1,000 layers, a wrong formula', args: () => ['verify', deep(), '--wrt', 'W1000', '--formula', 'delta1000 * a998'], code: 1, budgetMs: 10_000 },
  { name: 'verify on 1,000 layers, at the bottom', args: () => ['verify', deep(), '--wrt', 'W1', '--formula', 'delta1 * x'], code: 0, budgetMs: 10_000 },
];

function run(args: string[]): Promise<{ code: number | null; stderr: string; ms: number; maxRssMb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['test/fixtures/measured.mjs', ...args], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  let usage = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (d) => { usage += d; });
  return new Promise((resolve) => child.on('close', (code) => {
    const { maxRSS } = JSON.parse(usage || '{"maxRSS":0}') as { maxRSS: number };
    resolve({ code, stderr, ms: performance.now() - started, maxRssMb: maxRSS / 1024 });
  }));
}

describe('hard cases within their time and memory budgets', () => {
  it.each(ROWS)('$name: exit $code within $budgetMs ms and 300 MB', async ({ args, code, message, budgetMs }) => {
    rows++;
    const r = await run(args());
    expect(r.code, r.stderr).toBe(code);
    if (code === 2) {
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^deltagen: /);
    }
    if (message) expect(r.stderr).toMatch(message);
    expect(r.ms, `${r.ms.toFixed(0)} ms`).toBeLessThan(budgetMs);
    expect(r.maxRssMb, `${r.maxRssMb.toFixed(0)} MB`).toBeGreaterThan(0);
    expect(r.maxRssMb, `${r.maxRssMb.toFixed(0)} MB`).toBeLessThan(MEMORY_MB);
    // Nothing written where a run was refused.
    if (code === 2) expect(readdirSync(dir).includes(`out${rows}`) ? readdirSync(out()) : []).toEqual([]);
  }, 60_000);
});
