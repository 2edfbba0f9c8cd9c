// Thousands of random and malformed formulas: each must end in a verdict or in
// a FormulaError (exit 2) that names a position, never in another exception
// or a hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadNetworkFile } from '../src/spec/load.ts';
import type { Network } from '../src/spec/types.ts';
import { UserError } from '../src/errors.ts';
import { FormulaError } from '../src/verify/errors.ts';
import { verify, type VerifyOptions } from '../src/verify/verify.ts';

const nielsen = loadNetworkFile('test/fixtures/nielsen-232.yaml');
const question = loadNetworkFile('examples/question.yaml');
const softmax = loadNetworkFile('test/fixtures/softmax-232.yaml');

const TARGETS: [Network, Omit<VerifyOptions, 'formula' | 'latex'>][] = [
  [nielsen, { wrt: 'W1' }], [nielsen, { wrt: 'b2' }], [nielsen, { wrt: 'W2[j,k]' }], [nielsen, { of: 'a2[i]', wrt: 'b1[j]' }],
  [question, { wrt: 'W1', update: true }], [question, { of: 'a1', wrt: 'W1' }], [softmax, { wrt: 'b2' }],
];

/** Run one input; return how it ended, failing the test on anything else. */
function outcome(net: Network, o: VerifyOptions): string {
  const started = Date.now();
  try {
    const r = verify(net, { ...o, timeLimitMs: 300 });
    expect(['equivalent', 'numerically-equal', 'different']).toContain(r.verdict);
    // JSON-serializable, as --json prints it
    expect(() => JSON.stringify(r)).not.toThrow();
    return r.verdict;
  } catch (err) {
    if (!(err instanceof FormulaError)) throw new Error(`input ${JSON.stringify(o)} ended in ${(err as Error)?.stack ?? String(err)}`);
    const text = (o.formula ?? o.latex)!;
    expect(err.position).toBeGreaterThanOrEqual(1);
    expect(err.position).toBeLessThanOrEqual(text.length + 1);
    return 'error';
  } finally {
    // No single input may run away (the symbolic step and the hints are bounded).
    expect(Date.now() - started).toBeLessThan(3000);
  }
}

const MATHJS_TOKENS = ['W1', 'W2', 'b1', 'b2', 'a0', 'a1', 'a2', 'z1', 'z2', 'x', 'y', 'delta1', 'delta2', 'R', 'eta', 'W', 'a', 'C', 'j', 'k', 'i',
  '0', '1', '2', '0.5', '1e999', '3', '+', '-', '*', '/', '.*', './', '^', '.^', "'", '(', ')', '[', ']', ',', ';', ':', '=', '==', '?',
  'sigma', 'dsigma', "sigma'", 'sigmoid', 'exp', 'log', 'tanh', 'sqrt', 'abs', 'sum', 'relu', 'step', 'foo', '(k)', '[j,k]', '[i]', '[1,2]', '[3]', ' ', '"', '{', '}', '!', '%', '$', '\\'];

const LATEX_TOKENS = ['W', 'w', 'a', 'z', 'x', 'y', 'b', 'R', '\\eta', '\\delta', '\\sigma', "\\sigma'", '\\odot', '\\cdot', '\\times', '\\frac', '\\sqrt',
  '\\sum', '_', '^', '{', '}', '(', ')', '[', ']', '^{(L)}', '^{(L-1)}', '^{(L-2)}', '^{(1)}', '^{(2)}', '^{(3)}', '^{(L)^*}', '^{(L)*}', '^T', '^\\top', '_{i,j}', '_{j}', '_i', '_k',
  '(k)', '(k+1)', '=', '+', '-', '*', '/', '2', '0.5', '1', "'", ',', '\\left(', '\\right)', '\\partial', '\\exp', '\\ln', '\\begin{bmatrix}', '\\end{bmatrix}', '&', '\\\\',
  '\\mathbf{W}', '\\operatorname{sigmoid}', 'e', '\\alpha', '~', '\\', ' ', '\\,'];

const soup = (tokens: string[]): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...tokens), { minLength: 0, maxLength: 24 }).map((ts) => ts.join(''));

/** Formulas that mostly parse: an expression grammar over the network's names. */
const expression = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a2', 'a1', 'x', 'y', 'z1', 'z2', 'W2', "W2'", 'delta2', 'delta1', '2', '1', 'b2', "a1'", "x'", 'a2[j]', 'a1[k]', 'W2[j,k]'),
    fc.tuple(tie('e'), fc.constantFrom(' + ', ' - ', ' * ', ' .* ', ' ./ ', ' / '), tie('e')).map(([l, op, r]) => `(${l}${op}${r})`),
    fc.tuple(fc.constantFrom('sigma', 'dsigma', 'exp', 'sigmoid', '-'), tie('e')).map(([f, a]) => (f === '-' ? `-${a}` : `${f}(${a})`)),
    tie('e').map((a) => `(${a})'`),
  ),
})).e;

const GOOD = [
  "((W2' * delta2) .* a1 .* (1 - a1)) * a0'", '2*(a2 - y) .* a2 .* (1 - a2)', 'W1 - R*a0*2*(a0*W1 - y)', 'delta2[j] * a1[k]',
  "W^{(L)}_{i,j}(k) - R a^{(L-1)}_{i}2(a^{(L-1)}_{i}W^{(L)}_{i,j}(k) -a^{(L)^*}_{i})", "\\left((W^{(2)})^T \\delta^{(2)}\\right) \\odot \\sigma'(z^{(1)})",
];

/** A good formula with a few characters deleted, inserted or replaced. */
const mutated = fc.tuple(fc.constantFrom(...GOOD), fc.array(fc.tuple(fc.nat(), fc.constantFrom('', '(', ')', '{', '}', '^', '_', "'", '*', '[', ']', '\\', ' ', 'j', '2')), { maxLength: 4 }))
  .map(([s, edits]) => edits.reduce((t, [at, ch]) => { const i = at % (t.length + 1); return t.slice(0, i) + ch + t.slice(i + 1); }, s));

describe('--wrt and --of: a reading or a UserError', () => {
  const part = fc.array(fc.constantFrom('W', 'b', 'a', 'z', 'C', 'x', 'y', '1', '2', '3', '0', '[', ']', 'j', 'k', 'i', ',', '^{(L)}', '^{(L-1)}', '_{i,j}', '(', ')', ' ', 'delta'), { maxLength: 8 }).map((t) => t.join(''));
  it('random --wrt and --of end in a verdict or a UserError', () => {
    fc.assert(fc.property(part, part, (wrt, of) => {
      try {
        verify(nielsen, { wrt, of, formula: '0', timeLimitMs: 200 });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
      }
    }), { numRuns: 600, seed: 7 });
  });
});

describe('verify never crashes or hangs on any input', () => {
  const target = fc.nat({ max: TARGETS.length - 1 });
  const run = (syntax: 'formula' | 'latex') => (text: string, t: number): void => {
    const [net, o] = TARGETS[t]!;
    outcome(net, { ...o, [syntax]: text });
  };

  it('token soups in mathjs syntax', () => {
    fc.assert(fc.property(soup(MATHJS_TOKENS), target, run('formula')), { numRuns: 1500, seed: 1 });
  });

  it('token soups in LaTeX', () => {
    fc.assert(fc.property(soup(LATEX_TOKENS), target, run('latex')), { numRuns: 1500, seed: 2 });
  });

  it('arbitrary strings, in both syntaxes', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40, unit: 'grapheme' }), target, (s, t) => { run('formula')(s, t); run('latex')(s, t); }), { numRuns: 800, seed: 3 });
  });

  it('well-formed random expressions over the network reach a verdict', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(expression, target, (s, t) => {
      const [net, o] = TARGETS[t]!;
      seen.add(outcome(net, { ...o, formula: s }));
    }), { numRuns: 400, seed: 4 });
    // the grammar exercises the verdicts, not just the parser
    expect(seen.has('different')).toBe(true);
  });

  it('long inputs: deep nesting, long chains, many signs', () => {
    const long = fc.tuple(fc.constantFrom('(', 'a1+', '-', 'x^', "a1'", 'sigma(', '{', '\\frac{a}{', 'a^{(1)}', '\\sum_i ', '-(', ' '), fc.integer({ min: 1, max: 1500 }), fc.constantFrom('', 'a1', 'a^{(1)}', ')', '}'))
      .map(([unit, n, tail]) => unit.repeat(n) + tail);
    fc.assert(fc.property(long, target, (s, t) => { run('formula')(s, t); run('latex')(s, t); }), { numRuns: 60, seed: 6 });
  });

  it('good formulas with a few characters changed, in both syntaxes', () => {
    fc.assert(fc.property(mutated, target, (s, t) => { run('formula')(s, t); run('latex')(s, t); }), { numRuns: 600, seed: 5 });
  });
});
