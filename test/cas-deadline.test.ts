// Every CAS call on a user's formula runs in the CAS worker under a deadline:
// past it the worker is terminated (neither engine can be interrupted
// otherwise) and the caller gets CasTimeout, which derive turns into exit 2
// naming the formula; the next call starts a fresh worker.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { casExpand, CasTimeout, formulaDerivative, withCasDeadline } from '../src/symbolic/cas.ts';
import { add, num, pow, sym, type Sym } from '../src/symbolic/expr.ts';
import { evaluate } from '../src/symbolic/evaluate.ts';
import { deltagen } from './helpers.ts';

const x = sym('x');
/** (x + y + z + w + 1)^40: nerdamer expands it for far longer than a second. */
const huge = pow(add(x, sym('y'), sym('z'), sym('w'), num(1)), num(40));

describe('the CAS deadline', () => {
  it('a job past its deadline ends in CasTimeout within a second of it, and the CAS works again afterwards', () => {
    const start = Date.now();
    expect(() => withCasDeadline(500, () => casExpand(huge))).toThrow(CasTimeout);
    expect(Date.now() - start).toBeLessThan(500 + 1000 + 2000); // + the worker's start
    // Unbounded and bounded calls work after the worker was terminated.
    expect(evaluate(casExpand(pow(add(x, num(1)), num(2))), () => 3)).toBe(16);
    const d = withCasDeadline(5000, () => formulaDerivative(pow(x, num(3)), (x as { sym: Sym }).sym));
    expect(evaluate(d, () => 2)).toBe(12);
  }, 30_000);

  it('derive of a formula whose simplification runs past the deadline exits 2 naming it, within the deadline plus a second, and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-cas-deadline-'));
    const file = join(dir, 'slow.yaml');
    writeFileSync(file, 'name: slow\ninput: 1\nlayers:\n  - { units: 1, activation: { formula: "(x^2+1)^16/(x^2+x+1)^15" } }\nloss: squared\n');
    const start = Date.now();
    const r = await deltagen(['derive', file, '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/formula "\(x\^2\+1\)\^16\/\(x\^2\+x\+1\)\^15": the computer algebra did not finish within 5 s/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(Date.now() - start).toBeLessThan(5000 + 1000 + 2000);
    expect(readdirSync(dir)).toEqual(['slow.yaml']);
  }, 30_000);
});
