// Over the example networks: for every parameter, in matrix and index form,
// the right formula deltagen prints is accepted when given back, in both
// syntaxes; and a wrong formula on the largest example is judged in bounded time.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { layoutOf } from '../src/graph/layout.ts';
import { loadNetworkFile } from '../src/spec/load.ts';
import { verify } from '../src/verify/verify.ts';

const files = readdirSync('examples').filter((f) => f.endsWith('.yaml') && f !== 'mnist-shape.yaml').sort();

describe.each(files)('%s', (file) => {
  const net = loadNetworkFile(`examples/${file}`);
  const wrts = layoutOf(net).entries.flatMap((e) => [e.name, e.kind === 'W' ? `${e.name}[j,k]` : `${e.name}[j]`]);
  it.each(wrts)('the printed right formula for ∂C/∂%s verifies in both syntaxes', (wrt) => {
    const wrong = verify(net, { wrt, formula: '0' });
    expect(wrong.verdict).toBe('different');
    const { formula, latex } = wrong.expected!;
    expect(verify(net, { wrt, formula }).verdict).toBe('equivalent');
    expect(verify(net, { wrt, latex }).verdict).toBe('equivalent');
  });
});

describe('bounded time on a large network (784-30-10)', () => {
  const mnist = loadNetworkFile('examples/mnist-shape.yaml');
  it('a wrong W1 (σ\' left out) is different, with the hint, in a few seconds', () => {
    const started = Date.now();
    const r = verify(mnist, { wrt: 'W1', formula: "(W2' * delta2) * x'" });
    expect(r.verdict).toBe('different');
    expect(r.differs.join(' ')).toMatch(/σ'\(z1\)/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
  it('a right W1 is numerically-equal (too many elements for the CAS), in index form a sample of indices', () => {
    const r = verify(mnist, { wrt: 'W1', formula: "((W2' * delta2) .* a1 .* (1 - a1)) * x'" });
    expect(r.verdict).toBe('numerically-equal');
    expect(r.proof).toMatch(/skipped/);
    const i = verify(mnist, { wrt: 'W1[j,k]', formula: 'delta1[j] * x[k]' });
    expect(i.verdict).toBe('numerically-equal');
    expect(i.notes.join(' ')).toMatch(/seeded sample/);
  });
});
