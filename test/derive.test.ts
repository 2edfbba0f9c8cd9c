import { describe, expect, it } from 'vitest';
import { expand, inlinedGradient } from '../src/derive/expand.ts';
import { evaluate } from '../src/symbolic/evaluate.ts';
import { compileNetwork, renderLatex } from '../src/pipeline.ts';
import { MatrixLatexPrinter } from '../src/render/latex-printer.ts';
import { derivationDocument } from '../src/render/latex.ts';
import { Notation } from '../src/render/notation.ts';

import { casIsZero } from '../src/symbolic/cas.ts';
import { mkey } from '../src/symbolic/matrix.ts';
import { sub, symKey } from '../src/symbolic/expr.ts';
import { loadChain, parseChain } from './chain.ts';

const question = compileNetwork(loadChain('examples/question.yaml'));
const chain = compileNetwork(loadChain('examples/question-chain.yaml'));
const xor = compileNetwork(loadChain('examples/xor.yaml'));

describe('the derivation', () => {
  it("yields δ^(1) = 2(a^(1) − y) and ∂C/∂W^(1) = δ^(1) (a^(0))ᵀ for the question's network", () => {
    const [g] = question.derivation.gradients;
    const printer = new MatrixLatexPrinter(new Notation('nielsen', question.network));
    expect(printer.print(g!.delta)).toBe('2 \\left(a^{(1)} - y\\right)');
    expect(mkey(g!.dW)).toBe("(delta1 a0')");
    // the identity's Jacobian was simplified away, and the step says so
    const simplification = question.derivation.steps.find((s) => s.rule === 'simplification');
    expect(simplification?.why).toMatch(/identity/);
  });

  it('records a rule for every step, and keeps σ′ for sigmoid layers', () => {
    const rules = xor.derivation.steps.map((s) => s.rule);
    expect(rules).toEqual(['loss-derivative', 'chain-activation', 'substitution', 'chain-affine-weight', 'chain-affine-bias',
      'chain-affine-input', 'chain-activation', 'substitution', 'chain-affine-weight', 'chain-affine-bias']);
    const printer = new MatrixLatexPrinter(new Notation('nielsen', xor.network));
    expect(printer.print(xor.derivation.gradients[0]!.delta)).toBe("\\left(\\left(W^{(2)}\\right)^{\\top} \\delta^{(2)}\\right) \\odot \\sigma'\\left(z^{(1)}\\right)");
  });

  for (const [name, c] of [['question', question], ['question-chain', chain]] as const) {
    it(`${name}: the fully expanded loss differentiated by the CAS equals the lowered δ recursion, symbolically`, () => {
      const expanded = expand(c.derivation.graph);
      const recursion = inlinedGradient(c.routine);
      expect(expanded.derivatives.length).toBe(c.routine.layout.paramCount);
      for (const d of expanded.derivatives) {
        const viaDelta = recursion.get(symKey(d.param))!;
        expect(casIsZero(sub(d.expr, viaDelta))).toBe(true);
      }
    });
  }

  it('a tiny softmax network: the expanded loss differentiated by the CAS equals the lowered δ recursion (nerdamer once got exp(u)/(exp(u)+exp(v)) wrong)', () => {
    const c = compileNetwork(parseChain('name: s\ninput: 1\nlayers:\n  - { units: 2, activation: softmax }\nloss: softmax-cross-entropy\n'));
    const expanded = expand(c.derivation.graph);
    const recursion = inlinedGradient(c.routine);
    const at = { W: [0.3, -0.7], b: [0.2, 0.5], x: [1.3], y: [0.25, 0.75] };
    const env = (s: { base: string; layer?: number; index: readonly number[] }): number =>
      (s.base === 'a' && s.layer === 0 ? at.x : (at as Record<string, number[]>)[s.base]!)[s.index[0]! - 1]!;
    for (const d of expanded.derivatives) {
      const want = evaluate(recursion.get(symKey(d.param))!, env);
      expect(Math.abs(evaluate(d.expr, env) - want)).toBeLessThan(1e-12 * Math.max(1, Math.abs(want)));
    }
  });

  it('a scalar level the CAS gets wrong is left out with a sentence, not printed (nerdamer on exp(u)/(exp(u)+exp(v)) in a formula)', () => {
    const c = compileNetwork(parseChain('name: s\ninput: 1\nlayers:\n  - { units: 1, activation: { formula: "exp(x/100)/(exp(x/100)+exp(-x/100))" } }\nloss: squared\n'));
    const doc = derivationDocument(c);
    expect(doc.expanded).toBe(false);
    expect(doc.expandedOmitted).toContain('disagree with the recursion above at a random point');
    // The same network with tanh, which the CAS differentiates right, keeps its scalar level.
    expect(derivationDocument(compileNetwork(parseChain('name: s\ninput: 1\nlayers:\n  - { units: 1, activation: tanh }\nloss: squared\n'))).expanded).not.toBe(false);
  });

  it('the symbolic comparison can fail: a wrong gradient is not zero', () => {
    const expanded = expand(question.derivation.graph);
    const recursion = inlinedGradient(question.routine);
    const d = expanded.derivatives[0]!;
    expect(casIsZero(sub(d.expr, sub(recursion.get(symKey(d.param))!, d.expr)))).toBe(false);
  });

  it('the LaTeX shows ∂C/∂W^(1) = 2 a^(0) (a^(0) W^(1) − y) in an equivalent printed form', () => {
    const tex = renderLatex(question);
    expect(tex).toContain('\\frac{\\partial C}{\\partial W^{(1)}} = 2 \\left(W^{(1)} a^{(0)} - y\\right) a^{(0)}');
    expect(tex).toContain('\\delta^{(1)} = 2 \\left(a^{(1)} - y\\right)');
    expect(tex).toContain('\\frac{\\partial C}{\\partial W^{(1)}} = \\delta^{(1)} \\left(a^{(0)}\\right)^{\\top}');
  });

  it('the sigmoid derivative comes from the CAS and is expressed through the forward value', () => {
    const tex = renderLatex(xor);
    // The textbook form, in the forward value (the CAS's own σ(−z)σ(z) is not printed beside it).
    expect(tex).toContain("\\sigma'(z) = \\sigma(z) \\left(1 - \\sigma(z)\\right)");
    expect(tex).not.toContain('\\sigma\\left(-z\\right) \\sigma\\left(z\\right)');
  });
});

describe('kinked activations in the derivation', () => {
  it('leaky relu is defined by cases, with its slope, and a tiny relu network says why it has no scalar level', async () => {
    const { compileNetwork, renderLatex } = await import('../src/pipeline.ts');
    const leaky = renderLatex(compileNetwork(parseChain('name: lk\ninput: 2\nlayers:\n  - units: 2\n    activation: { leaky-relu: 0.1 }\n  - units: 1\nloss: squared\n')));
    expect(leaky).toContain('\\operatorname{lrelu}(z) = \\begin{cases} z, & z > 0, \\\\ 0.1 \\, z, & z \\le 0, \\end{cases}');
    expect(leaky).toContain("\\operatorname{lrelu}'(z) = \\begin{cases} 1, & z > 0, \\\\ 0.1, & z \\le 0 \\end{cases}");
    // 9 parameters, under the expansion limit: the scalar level is left out with its reason, not an internal error.
    const relu = renderLatex(compileNetwork(parseChain('name: r\ninput: 2\nlayers:\n  - units: 2\n    activation: relu\n  - units: 1\nloss: squared\n')));
    expect(relu).toContain('has the kink of $\\operatorname{relu}$ at $z = 0$');
  });
});

describe('bold for papers', () => {
  it('a --fragment sets vectors and matrices in bold unless --no-bold; a document stays plain unless --bold', async () => {
    const { deltagen } = await import('./helpers.ts');
    const count = async (args: string[]): Promise<number> => {
      const r = await deltagen(['derive', 'examples/xor.yaml', '--latex', '-', ...args]);
      expect(r.code, r.stderr).toBe(0);
      return (r.stdout.match(/\\boldsymbol\{|\\mathbf\{/g) ?? []).length;
    };
    const [fragment, plainFragment, document, boldDocument] = await Promise.all([count(['--fragment']), count(['--fragment', '--no-bold']), count([]), count(['--bold'])]);
    expect(fragment).toBeGreaterThan(plainFragment + 20);
    expect(boldDocument).toBeGreaterThan(document + 20);
    expect(plainFragment).toBe(document);
  });
});

describe('activations named apart in one document', () => {
  it('two formula activations are f_1 and f_2, so the recursion does not fold layers with different functions; two leaky relus carry their slopes', async () => {
    const { compileNetwork, renderLatex } = await import('../src/pipeline.ts');
    const { parseChain } = await import('./chain.ts');
    const fs = parseChain('name: fs\ninput: 2\nlayers:\n  - { units: 3, activation: { formula: "x / (1 + abs(x))" } }\n  - { units: 3, activation: { formula: "x * sigmoid(x)" } }\n  - { units: 1, activation: { formula: "x / (1 + abs(x))" } }\nloss: half-squared\n');
    const tex = renderLatex(compileNetwork(fs));
    expect(tex).toContain("f_{2}'\\left(z^{(2)}\\right)");
    expect(tex).toContain("f_{1}'\\left(z^{(1)}\\right)");
    expect(tex).not.toMatch(/, \\; l = 2, 1/);
    const lr = parseChain('name: lr\ninput: 2\nlayers:\n  - { units: 3, activation: leaky-relu }\n  - { units: 1, activation: { leaky-relu: 0.1 } }\nloss: half-squared\n');
    const t2 = renderLatex(compileNetwork(lr));
    expect(t2).toContain('\\operatorname{lrelu}_{0.01}');
    expect(t2).toContain('\\operatorname{lrelu}_{0.1}');
    // One formula alone keeps f.
    const one = parseChain('name: one\ninput: 2\nlayers:\n  - { units: 3, activation: { formula: "x / (1 + abs(x))" } }\n  - { units: 1 }\nloss: half-squared\n');
    expect(renderLatex(compileNetwork(one))).toMatch(/f'\\left\(z\^\{\(1\)\}\\right\)/);
  });
});
