// Ten thousand random and malformed formulas: each must end in a verdict or in
// a FormulaError (exit 2) that names a position, never in another exception
// or a hang, within its deadline plus 1 s (the CAS runs in a worker that is
// stopped at the deadline).
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import type { Network } from '../src/spec/types.ts';
import { UserError } from '../src/errors.ts';
import { FormulaError } from '../src/verify/errors.ts';
import { verify, type VerifyOptions } from '../src/verify/verify.ts';
import { loadChain } from './chain.ts';

const nielsen = loadChain('test/fixtures/nielsen-232.yaml');
const question = loadChain('examples/question.yaml');
const softmax = loadChain('test/fixtures/softmax-232.yaml');

const TARGETS: [Network, Omit<VerifyOptions, 'formula' | 'latex'>][] = [
  [nielsen, { wrt: 'W1' }], [nielsen, { wrt: 'b2' }], [nielsen, { wrt: 'W2[j,k]' }], [nielsen, { of: 'a2[i]', wrt: 'b1[j]' }],
  [question, { wrt: 'W1', update: true }], [question, { of: 'a1', wrt: 'W1' }], [softmax, { wrt: 'b2' }],
];

/** The time limit given to each input, and how far past it one may end. */
const DEADLINE_MS = 300;
const SLACK_MS = 1000;
let inputs = 0;
let slowest = 0;

/** Run one input; return how it ended, failing the test on anything else. */
function outcome(net: Network, o: VerifyOptions): string {
  const started = Date.now();
  inputs++;
  try {
    const r = verify(net, { ...o, timeLimitMs: DEADLINE_MS });
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
    const took = Date.now() - started;
    slowest = Math.max(slowest, took);
    expect(took, JSON.stringify(o)).toBeLessThan(DEADLINE_MS + SLACK_MS);
  }
}

afterAll(() => {
  expect(inputs).toBeGreaterThanOrEqual(10_000);
  console.log(`verify fuzz: ${inputs} inputs, slowest ${slowest} ms (deadline ${DEADLINE_MS} ms)`);
});

const MATHJS_TOKENS = ['W1', 'W2', 'b1', 'b2', 'a0', 'a1', 'a2', 'z1', 'z2', 'x', 'y', 'delta1', 'delta2', 'R', 'eta', 'W', 'a', 'C', 'j', 'k', 'i',
  '0', '1', '2', '0.5', '1e999', '3', '+', '-', '*', '/', '.*', './', '^', '.^', "'", '(', ')', '[', ']', ',', ';', ':', '=', '==', '?',
  'sigma', 'dsigma', "sigma'", 'sigmoid', 'exp', 'log', 'tanh', 'sqrt', 'abs', 'sum', 'relu', 'step', 'foo', '(k)', '[j,k]', '[i]', '[1,2]', '[3]', ' ', '"', '{', '}', '!', '%', '$', '\\',
  "tanh'", "f'", 'f', 'sech', '>', '<', '>=', "relu'", 'dtanh'];

const LATEX_TOKENS = ['W', 'w', 'a', 'z', 'x', 'y', 'b', 'R', '\\eta', '\\delta', '\\sigma', "\\sigma'", '\\odot', '\\cdot', '\\times', '\\frac', '\\sqrt',
  '\\sum', '_', '^', '{', '}', '(', ')', '[', ']', '^{(L)}', '^{(L-1)}', '^{(L-2)}', '^{(1)}', '^{(2)}', '^{(3)}', '^{(L)^*}', '^{(L)*}', '^T', '^\\top', '_{i,j}', '_{j}', '_i', '_k',
  '(k)', '(k+1)', '=', '+', '-', '*', '/', '2', '0.5', '1', "'", ',', '\\left(', '\\right)', '\\partial', '\\exp', '\\ln', '\\begin{bmatrix}', '\\end{bmatrix}', '&', '\\\\',
  '\\mathbf{W}', '\\operatorname{sigmoid}', 'e', '\\alpha', '~', '\\', ' ', '\\,',
  // Nielsen's, Goodfellow's and CS231n's notation
  '^{2}', '^2', '^L', '^{L-1}', '^l', '^{l+1}', '^{l-1}', 'w', '\\nabla_a C', '\\nabla', '\\frac{\\partial C}{\\partial a^L_j}', '\\tanh', '\\tanh^2', "\\tanh'",
  '\\operatorname{sech}^2', '\\sech', "f'", 'f', '^\\mathsf T', '^{\\mathsf{T}}', '^\\intercal', '[', '>', '<', '0', '\\mathbb{1}', '\\geq', '\\oslash', '\\circ', '\\{', '\\}'];

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

/** The same in textbook LaTeX: bare and parenthesized layers, ⊙ against juxtaposition, masks, primes. */
const latexExpression = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('a^L', 'a^{(1)}', 'x', 'y', 'z^{1}', 'z^L', '(w^{2})^T', 'W^{(2)}', '\\delta^{2}', '\\delta^l', '2', '1', 'b^{(2)}', '(a^{l-1})^\\mathsf T', 'x^\\intercal', 'a^{L}_j', '\\nabla_a C', '[z^{1} > 0]'),
    fc.tuple(tie('e'), fc.constantFrom(' + ', ' - ', ' ', ' \\odot ', ' \\oslash ', ' \\cdot '), tie('e')).map(([l, op, r]) => `(${l}${op}${r})`),
    fc.tuple(fc.constantFrom('\\sigma', "\\sigma'", "f'", '\\tanh', '\\tanh^2', "\\tanh'", '\\operatorname{sech}^2', '\\exp', '-'), tie('e')).map(([f, a]) => (f === '-' ? `-${a}` : `${f}(${a})`)),
    tie('e').map((a) => `(${a})^T`),
    tie('e').map((a) => `\\frac{1}{${a}}`),
  ),
})).e;

const GOOD = [
  "((W2' * delta2) .* a1 .* (1 - a1)) * a0'", '2*(a2 - y) .* a2 .* (1 - a2)', 'W1 - R*a0*2*(a0*W1 - y)', 'delta2[j] * a1[k]',
  "W^{(L)}_{i,j}(k) - R a^{(L-1)}_{i}2(a^{(L-1)}_{i}W^{(L)}_{i,j}(k) -a^{(L)^*}_{i})", "\\left((W^{(2)})^T \\delta^{(2)}\\right) \\odot \\sigma'(z^{(1)})",
  "\\sigma'(z^{l}) \\odot (w^{l+1})^\\mathsf T \\delta^{l+1}", '\\nabla_a C \\odot \\sigma(z^L)(1 - \\sigma(z^L))', '(w^{2})^\\intercal \\delta^{2} \\odot [z^{1} > 0] \\, x^T',
  '2 (a^{L} - y) \\odot \\frac{e^{-z^{L}}}{(1 + e^{-z^{L}})^2}', "(W2' * delta2) .* (z1 > 0)", "(W2' * delta2) .* sech(z1).^2",
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
    fc.assert(fc.property(soup(MATHJS_TOKENS), target, run('formula')), { numRuns: 2500, seed: 1 });
  });

  it('token soups in LaTeX', () => {
    fc.assert(fc.property(soup(LATEX_TOKENS), target, run('latex')), { numRuns: 3000, seed: 2 });
  });

  it('arbitrary strings, in both syntaxes', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40, unit: 'grapheme' }), target, (s, t) => { run('formula')(s, t); run('latex')(s, t); }), { numRuns: 800, seed: 3 });
  });

  it('well-formed random expressions over the network reach a verdict', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(expression, target, (s, t) => {
      const [net, o] = TARGETS[t]!;
      seen.add(outcome(net, { ...o, formula: s }));
    }), { numRuns: 700, seed: 4 });
    // the grammar exercises the verdicts, not just the parser
    expect(seen.has('different')).toBe(true);
  });

  it('well-formed random expressions in textbook LaTeX reach a verdict or a positioned error', () => {
    fc.assert(fc.property(latexExpression, target, (s, t) => { run('latex')(s, t); }), { numRuns: 400, seed: 8 });
  });

  it('long inputs: deep nesting, long chains, many signs', () => {
    const long = fc.tuple(fc.constantFrom('(', 'a1+', '-', 'x^', "a1'", 'sigma(', '{', '\\frac{a}{', 'a^{(1)}', '\\sum_i ', '-(', ' '), fc.integer({ min: 1, max: 1500 }), fc.constantFrom('', 'a1', 'a^{(1)}', ')', '}'))
      .map(([unit, n, tail]) => unit.repeat(n) + tail);
    fc.assert(fc.property(long, target, (s, t) => { run('formula')(s, t); run('latex')(s, t); }), { numRuns: 60, seed: 6 });
  });

  it('good formulas with a few characters changed, in both syntaxes', () => {
    fc.assert(fc.property(mutated, target, (s, t) => { run('formula')(s, t); run('latex')(s, t); }), { numRuns: 900, seed: 5 });
  });
});
