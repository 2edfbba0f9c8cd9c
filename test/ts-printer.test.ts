// The TypeScript printer's output is JavaScript that parses and means the
// expression: every sign and power arrangement, evaluated by the JavaScript
// engine against the expression evaluated here, and whole trainers whose loss
// or activation formula puts a minus before a power (once a SyntaxError).
import { describe, expect, it } from 'vitest';
import { add, call, mul, neg, num, pow, sub, sym, type Expr } from '../src/symbolic/expr.ts';
import { TsPrinter } from '../src/render/ts-printer.ts';
import { deltagen } from './helpers.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const a = sym('a');
const b = sym('b');
const printer = new TsPrinter((s) => s.base);

/** The expression's value here, independent of the printer. */
function value(e: Expr, env: Record<string, number>): number {
  switch (e.kind) {
    case 'num': return e.value;
    case 'sym': return env[e.sym.base]!;
    case 'add': return e.terms.reduce((s, t) => s + value(t, env), 0);
    case 'mul': return e.factors.reduce((s, t) => s * value(t, env), 1);
    case 'pow': return Math.pow(value(e.base, env), value(e.exp, env));
    case 'call': if (e.fn === 'exp') return Math.exp(value(e.args[0]!, env)); throw new Error(e.fn);
  }
}

const CASES: Expr[] = [
  neg(pow(a, num(2))), neg(pow(a, num(3))), neg(pow(sub(a, b), num(-2))), neg(pow(sub(a, b), num(3))),
  add(neg(pow(a, num(3))), b), add(b, neg(pow(a, num(3)))), mul(num(-2), pow(a, num(3))),
  pow(neg(a), num(3)), pow(num(-2), a), call('exp', neg(pow(sub(a, b), num(2)))), sub(num(1), call('exp', neg(pow(sub(a, b), num(2))))),
  pow(pow(a, num(2)), num(3)), neg(pow(a, pow(b, num(2)))), mul(num(-1), pow(a, num(0.5))), neg(pow(add(a, b), num(-1))),
];

describe('TsPrinter', () => {
  it('prints every sign and power arrangement as JavaScript that means the expression', () => {
    for (const e of CASES) {
      const code = printer.print(e);
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      const f = new Function('a', 'b', `return ${code};`) as (a: number, b: number) => number;
      for (const [x, y] of [[1.5, 0.25], [0.7, -1.1], [2, 3]] as const) {
        const [got, want] = [f(x, y), value(e, { a: x, b: y })];
        if (Number.isNaN(want)) expect(got, `${code} at a = ${x}, b = ${y}`).toBeNaN();
        else expect(got, `${code} at a = ${x}, b = ${y}`).toBeCloseTo(want, 12);
      }
    }
  });

  it('a loss or activation formula with a minus before a power gives a trainer that loads and passes check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-printer-'));
    try {
      const files = {
        'graph-loss.yaml': 'name: g\ninput: 2\nnodes:\n  h: { dense: x, units: 2 }\nloss: { formula: "1/(a-y)" }\n',
        'graph-exp.yaml': 'name: g\ninput: 2\nnodes:\n  h: { dense: x, units: 2 }\nloss: { formula: "1 - exp(-(a-y)^2)" }\n',
        'chain-loss.yaml': 'name: c\ninput: 2\nlayers:\n  - { units: 1 }\nloss: { formula: "-(a-y)^3 + (a-y)^4" }\n',
        'chain-act.yaml': 'name: c\ninput: 2\nlayers:\n  - { units: 2, activation: { formula: "x - x^3/3" } }\n  - { units: 1 }\nloss: mse\n',
      };
      for (const [name, text] of Object.entries(files)) {
        writeFileSync(join(dir, name), text);
        const r = await deltagen(['check', join(dir, name)]);
        expect(r.code, `${name}: ${r.stdout}${r.stderr}`).toBe(0);
        expect(r.stdout).toContain('PASSED');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
