// The graph form's derivation as a paper: every example in both notations
// compiles with pdflatex (as a document and as an \input fragment), every
// display equation renders with KaTeX, the page renders, and the equations say
// what the graph's backpropagation is: the multivariable chain rule (a sum over
// readers), BPTT as a recursion with the terms of step t+1, gates through ⊙,
// gradients summed over t, a tied weight's two uses, the L2 term.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveGraph } from '../src/derive/graph.ts';
import { graphDerivationDocument } from '../src/render/graph-latex.ts';
import { htmlOf, renderDisplay } from '../src/render/html.ts';
import { latexOf, type DerivationDocument, type DisplayEquation, type LatexOptions } from '../src/render/latex.ts';
import { isGraph, type GraphNetwork } from '../src/spec/graph-types.ts';
import { loadNetworkFile, parseNetwork } from '../src/spec/load.ts';

const hasPdflatex = spawnSync('pdflatex', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'deltagen-graph-latex-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXAMPLES = ['lstm', 'rnn', 'residual', 'autoencoder'] as const;
const NOTATIONS = ['nielsen', 'question'] as const;

function graph(net: unknown): GraphNetwork {
  if (!isGraph(net as GraphNetwork)) throw new Error('expected a graph network');
  return net as GraphNetwork;
}
const example = (name: string): GraphNetwork => graph(loadNetworkFile(`examples/${name}.yaml`));
const doc = (name: string, options: Partial<LatexOptions> = {}): DerivationDocument => graphDerivationDocument(deriveGraph(example(name)), options);

/** A network with a concat, an activation of its own, a formula loss and bold symbols: the rules the examples do not use. */
const MIX = `name: mix
input: 2
nodes:
  p: { dense: x, units: 2, activation: relu }
  q: { dense: x, units: 3, activation: sigmoid }
  k: { concat: [p, q] }
  e: { of: k, activation: tanh }
  out: { dense: e, units: 2, bias: false }
loss: { formula: "(a - y)^4 / 4" }
`;
const mix = (options: Partial<LatexOptions> = {}): DerivationDocument => graphDerivationDocument(deriveGraph(graph(parseNetwork(MIX, 'mix.yaml'))), options);

/** Every display equation of a document, with its label. */
function displays(d: DerivationDocument): DisplayEquation[] {
  return [
    ...d.equations, ...d.forward, d.loss.equation, ...(d.steps || []).map((s) => s.equation), ...(d.gradients || []), d.update.equation,
    { tex: `\\begin{gathered}${d.shapes.join(' \\\\ ')}\\end{gathered}`, label: '' },
    { tex: d.loss.gradient, label: '' },
    ...d.activations.flatMap((a) => [a.definition, a.derivative].filter(Boolean).map((tex) => ({ tex, label: '' }))),
  ];
}

/** The equation labelled eq:<prefix>:<what>. */
function labelled(d: DerivationDocument, what: string): string {
  const all = displays(d).filter((e) => e.label === `\\label{eq:${d.labelPrefix}:${what}}`);
  expect(all, `one equation labelled ${what}`).toHaveLength(1);
  return all[0]!.tex;
}

/** Compiles `tex`; the lines more than 1 pt too wide. */
function pdflatex(name: string, tex: string): string[] {
  writeFileSync(join(dir, `${name}.tex`), tex);
  const r = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', `${name}.tex`], { cwd: dir, encoding: 'utf8' });
  expect(r.status, `${name}: ${r.stdout.slice(-2000)}`).toBe(0);
  return [...r.stdout.matchAll(/Overfull \\hbox \(([\d.]+)pt too wide\)[^\n]*/g)].filter((m) => Number(m[1]) > 1).map((m) => m[0]);
}

describe('graph form LaTeX', () => {
  it.skipIf(!hasPdflatex && !process.env.CI)('every example compiles with pdflatex in both notations, as a document and as a fragment in a column, and fits', () => {
    for (const name of EXAMPLES) {
      for (const notation of NOTATIONS) {
        expect(pdflatex(`${name}-${notation}`, latexOf(doc(name, { notation }), false)), `${name} (${notation})`).toEqual([]);
        for (const bold of [false, true]) {
          const body = `${name}-${notation}${bold ? '-bold' : ''}-body`;
          writeFileSync(join(dir, `${body}.tex`), latexOf(doc(name, { notation, bold, heading: 'subsection' }), true));
          const overfull = pdflatex(`paper-${body}`, `\\documentclass[twocolumn]{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n`
            + `See \\eqref{eq:${name}${notation === 'nielsen' ? '' : '-question'}:update}.\n\\input{${body}}\n\\end{document}\n`);
          expect(overfull, `${body} in a two-column article`).toEqual([]);
        }
      }
    }
    pdflatex('mix', latexOf(mix({ bold: true }), false));
  });

  it.skipIf(!hasPdflatex && !process.env.CI)('networks with long names and nodes of three inputs fit a two-column article: sums break, a wide node table is a list', () => {
    const nets = {
      gru: `name: gru\ninput: 3\nsequence: 5\nnodes:\n  u: { dense: [x, h@prev], units: 4, activation: sigmoid }\n  r: { dense: [x, h@prev], units: 4, activation: sigmoid }\n  rh: { multiply: [r, h@prev] }\n  cand: { dense: [x, rh], units: 4, activation: tanh }\n  omz: { of: u, activation: { formula: "1 - x" } }\n  keep: { multiply: [omz, h@prev] }\n  upd: { multiply: [u, cand] }\n  h: { add: [keep, upd] }\n  out: { dense: h, units: 2 }\ntarget: last-step\nloss: half-squared\n`,
      medium: `name: medium\ninput: 2\nsequence: 3\nnodes:\n  encoder: { dense: [x, decoder@prev, encoder@prev], units: 3, activation: tanh }\n  attend: { dense: [x, encoder, decoder@prev], units: 3, activation: sigmoid }\n  gated: { multiply: [attend, encoder] }\n  decoder: { dense: [gated, encoder, x], units: 3, activation: tanh }\n  predict: { dense: decoder, units: 2 }\ntarget: every-step\nloss: half-squared\n`,
    };
    for (const [name, text] of Object.entries(nets)) {
      for (const notation of NOTATIONS) {
        const d = graphDerivationDocument(deriveGraph(graph(parseNetwork(text, `${name}.yaml`))), { notation, bold: true, heading: 'subsection' });
        const body = `${name}-${notation}-wide-body`;
        writeFileSync(join(dir, `${body}.tex`), latexOf(d, true));
        expect(pdflatex(`paper-${body}`, `\\documentclass[twocolumn]{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n\\input{${body}}\n\\end{document}\n`), `${name} (${notation})`).toEqual([]);
      }
    }
  });

  it('every display equation renders with KaTeX and the page renders, both notations', () => {
    for (const d of [...EXAMPLES.flatMap((name) => NOTATIONS.map((notation) => doc(name, { notation }))), mix(), mix({ notation: 'question', bold: true })]) {
      for (const e of displays(d)) expect(() => renderDisplay(e.tex), `${d.name}: ${e.tex}`).not.toThrow();
      const html = htmlOf(d);
      expect(html).toContain('<html');
      expect(html).not.toContain('A batch of examples');
    }
  });

  it("writes the RNN's BPTT as a recursion over t with the term of step t+1, and sums ∂C/∂W_h_h over t", () => {
    const n = doc('rnn');
    expect(labelled(n, 'delta-h')).toContain('W_{h,h}^{\\top} \\delta_{h,t+1}');
    expect(labelled(n, 'delta-h')).toContain('\\delta_{h,t} &= \\frac{\\partial C}{\\partial h_{t}} \\odot \\tanh\'\\left(z_{h,t}\\right)');
    expect(labelled(n, 'grad-W_h_h')).toBe('\\frac{\\partial C}{\\partial W_{h,h}} = \\sum_{t=1}^{T} \\delta_{h,t} \\, h_{t-1}^{\\top}');
    const q = doc('rnn', { notation: 'question' });
    expect(labelled(q, 'delta-h')).toContain('\\delta_{h}^{(t+1)}');
    expect(labelled(q, 'grad-W_h_h')).toContain('\\sum_{t=1}^{T} \\delta_{h}^{(t)} \\, \\left(h^{(t-1)}\\right)^{\\top}');
    // The target is the output's starred value in the question's notation.
    expect(labelled(q, 'delta-out')).toContain('\\mathit{out}^{(t)^*}');
    expect(latexOf(n, false)).toContain('h_{0} = 0');
  });

  it("writes the residual's δ for h as the sum of the two terms its readers send back, with the L2 term", () => {
    const d = doc('residual');
    const h = labelled(d, 'delta-h');
    expect(h).toContain('\\frac{\\partial C}{\\partial h} &= W_{r}^{\\top} \\delta_{r} + \\delta_{s}');
    expect(h).toContain('\\delta_{h} &= \\frac{\\partial C}{\\partial h} \\odot \\tanh\'\\left(z_{h}\\right)');
    const step = (d.steps || []).find((s) => s.equation.label.includes(':dC-dh}'));
    expect(step?.rule).toBe('multivariable chain rule');
    expect(labelled(d, 'loss')).toContain('\\frac{\\lambda}{2}');
    expect(labelled(d, 'loss')).toContain('\\lambda = 0.001');
    expect(labelled(d, 'grad-W_h')).toBe('\\frac{\\partial C}{\\partial W_{h}} = \\delta_{h} \\, x^{\\top} + \\lambda W_{h}');
    // Without a sequence: no sum over t, no t.
    const tex = latexOf(d, false);
    expect(tex).not.toContain('\\sum_{t');
    expect(tex).not.toMatch(/_\{[^}]*,t\}|_\{t\}/);
  });

  it("writes the LSTM's δ for c with the term from step t+1 through fc = f ⊙ c@prev, with ⊙", () => {
    const d = doc('lstm');
    expect(labelled(d, 'delta-c')).toBe('\\delta_{c,t} = \\delta_{\\mathit{fc},t+1} \\odot f_{t+1} + \\delta_{\\mathit{tc},t}');
    expect(labelled(d, 'forward-fc')).toBe('\\mathit{fc}_{t} = f_{t} \\odot c_{t-1}');
    expect(labelled(d, 'delta-f')).toContain('\\delta_{\\mathit{fc},t} \\odot c_{t-1}');
    expect(labelled(d, 'grad-W_f_h')).toContain('\\sum_{t=1}^{T} \\delta_{f,t} \\, h_{t-1}^{\\top}');
    // The loss at the last step only.
    expect(labelled(d, 'loss')).toContain('C = \\ell\\left(\\mathit{out}_{T}, y\\right)');
    expect(labelled(d, 'delta-out')).toContain('t = T');
    expect(labelled(doc('lstm', { notation: 'question' }), 'delta-c')).toBe('\\delta_{c}^{(t)} = \\delta_{\\mathit{fc}}^{(t+1)} \\odot f^{(t+1)} + \\delta_{\\mathit{tc}}^{(t)}');
  });

  it("writes the autoencoder's ∂C/∂W_code as the sum of its two uses, and the sigmoid's cross-entropy cancelling", () => {
    const d = doc('autoencoder');
    const g = labelled(d, 'grad-W_code');
    expect(g).toContain('\\delta_{\\mathit{code}} \\, x^{\\top}');
    expect(g).toContain('+ \\mathit{code} \\, \\delta_{\\mathit{out}}^{\\top}');
    expect(labelled(d, 'z-out').replace(/\s+/g, ' ')).toContain('W_{\\mathit{code}}^{\\top} \\mathit{code}');
    expect(labelled(d, 'delta-out')).toBe('\\delta_{\\mathit{out}} = \\mathit{out} - y');
    expect(labelled(d, 'dC-dcode')).toBe('\\frac{\\partial C}{\\partial \\mathit{code}} = W_{\\mathit{code}} \\delta_{\\mathit{out}}');
  });

  it('prints a formula loss and its derivative from the CAS, a concat by rows, and an activation node', () => {
    const d = mix();
    const loss = labelled(d, 'loss');
    expect(loss).toContain('\\ell(a, y) = \\sum_{j=1}^{2} \\frac{1}{4} \\left(a_{j} - y_{j}\\right)^{4}');
    expect(loss).toContain('\\frac{\\partial \\ell}{\\partial a_{j}} = \\left(a_{j} - y_{j}\\right)^{3}');
    expect(labelled(d, 'delta-q')).toContain('\\left[\\delta_{k}\\right]_{3:5}');
    expect(labelled(d, 'delta-e')).toContain('\\tanh\'\\left(k\\right)');
    expect(labelled(d, 'delta-out')).toBe('\\delta_{\\mathit{out}} = \\left(\\mathit{out} - y\\right)^{3}');
  });

  it('honours bold, heading, fragment and labelPrefix; every step names its rule and says why', () => {
    const d = doc('residual', { bold: true, heading: 'none', labelPrefix: 'paper-res' });
    const tex = latexOf(d, true);
    expect(tex).not.toContain('\\documentclass');
    expect(tex).not.toContain('\\section');
    expect(tex).toContain('\\textbf{The backpropagation equations.}');
    expect(tex).toContain('\\label{eq:paper-res:delta-h}');
    expect(tex).toContain('\\boldsymbol{\\delta}_{h}');
    expect(tex).toContain('\\mathbf{W}_{r}^{\\top}');
    expect(latexOf(doc('residual', { heading: 'subsection' }), false)).toContain('\\subsection*{Backpropagation for \\texttt{residual}}');
    expect(doc('rnn', { notation: 'question' }).labelPrefix).toBe('rnn-question');
    const summaryOnly = doc('rnn', { levels: { matrix: false, index: false, scalar: false } });
    expect(summaryOnly.steps).toBe(false);
    expect(latexOf(summaryOnly, false)).toContain('\\frac{\\partial \\ell}{\\partial a} = a - y');
    expect(() => htmlOf(summaryOnly)).not.toThrow();
    for (const name of EXAMPLES) {
      const steps = doc(name).steps || [];
      expect(steps.length).toBeGreaterThan(0);
      for (const s of steps) {
        expect(s.rule).not.toBe('');
        expect(s.why.length, `${name} step ${s.number}`).toBeGreaterThan(10);
      }
      // Labels are unique within a document.
      const labels = displays(doc(name)).map((e) => e.label).filter(Boolean);
      expect(new Set(labels).size).toBe(labels.length);
    }
  });

  it('a node nothing on the way to the loss reads gets δ = 0, said in words, and the document compiles', () => {
    const d = graphDerivationDocument(deriveGraph(graph(parseNetwork(`name: unread
input: 2
nodes:
  h: { dense: x, units: 3, activation: tanh }
  side: { dense: h, units: 2, activation: sigmoid }
  sideof: { of: side, activation: tanh }
  out: { dense: h, units: 1 }
loss: mse
`, 'unread.yaml'))));
    for (const name of ["side", "sideof"]) {
      expect(labelled(d, `delta-${name}`)).toBe(`\\delta_{\\mathit{${name}}} = 0`);
      const step = (d.steps || []).find((st) => st.equation.label === `\\label{eq:${d.labelPrefix}:delta-def-${name}}`)!;
      expect(step.rule).toBe('no reader');
      expect(step.why).toContain('does not depend on it');
    }
    for (const e of displays(d)) expect(() => renderDisplay(e.tex), e.tex).not.toThrow();
    if (hasPdflatex) expect(pdflatex('unread', latexOf(d, false))).toEqual([]);
  });

  it('a sequence model of one step keeps its steps: h_{t-1} is zero at t = 1, so the equations stay true', () => {
    const d = graphDerivationDocument(deriveGraph(graph(parseNetwork('name: one\ninput: 1\nsequence: 1\nnodes:\n  h: { dense: [x, h@prev], units: 1, activation: tanh }\n  out: { dense: h, units: 1 }\nloss: squared\n', 'one.yaml'))));
    expect(labelled(d, 'z-h')).toContain('W_{h,h} h_{t-1}');
    expect(labelled(d, 'grad-W_h_h')).toContain('\\sum_{t=1}^{T} \\delta_{h,t} \\, h_{t-1}^{\\top}');
  });

  it('a softmax output with a loss at the last step only has δ = a − y at t = T and 0 before', () => {
    const d = graphDerivationDocument(deriveGraph(graph(parseNetwork('name: last\ninput: 2\nsequence: 3\nnodes:\n  h: { dense: [x, h@prev], units: 3, activation: tanh }\n  out: { dense: h, units: 3, activation: softmax }\ntarget: last-step\nloss: softmax-cross-entropy\n', 'last.yaml'))));
    expect(labelled(d, 'delta-out')).toMatch(/\\begin\{cases\} .*_\{T\} - y, & t = T, \\\\ 0, & t < T \\end\{cases\}/);
    for (const e of displays(d)) expect(() => renderDisplay(e.tex), e.tex).not.toThrow();
  });

  it("the question's notation names the target a^* (its starred output), never Nielsen's y, in equations and words", () => {
    const lone = (text: string): boolean => /(?<![A-Za-z\\])y(?![A-Za-z])/.test(text.replace(/\\(operatorname|text|mathrm|mathit|label)\{[^}]*\}/g, ' '));
    for (const name of EXAMPLES) {
      const d = doc(name, { notation: 'question' });
      for (const e of displays(d)) expect(lone(e.tex), `${name}: ${e.tex}`).toBe(false);
      for (const st of d.steps || []) expect(lone(st.why), `${name}: ${st.why}`).toBe(false);
      const n = doc(name);
      expect(displays(n).some((e) => lone(e.tex)), `${name} (Nielsen) keeps y`).toBe(true);
    }
  });

  it('two formula activations are f_1 and f_2, each defined with its derivative', () => {
    const d = graphDerivationDocument(deriveGraph(graph(parseNetwork('name: two\ninput: 2\nnodes:\n  hid: { dense: x, units: 3, activation: { formula: "x / (1 + abs(x))" } }\n  act: { of: hid, activation: { formula: "x * sigmoid(x)" } }\n  out: { dense: act, units: 1 }\nloss: half-squared\n', 'two.yaml'))));
    const defs = d.activations.map((a) => `${a.definition} ${a.derivative}`).join('\n');
    expect(defs).toMatch(/f_\{1\}\(z\)/);
    expect(defs).toMatch(/f_\{2\}\(z\)/);
    expect(labelled(d, 'delta-act')).toContain("f_{2}'");
  });

  it('a wide formula loss over several outputs names its term ℓ(a_j, y_j) and breaks it across lines; the document fits', () => {
    const d = graphDerivationDocument(deriveGraph(graph(parseNetwork('name: wide\ninput: 3\nnodes:\n  h: { dense: x, units: 4, activation: tanh }\n  out: { dense: h, units: 4 }\nloss: { formula: "0.1*(a-y)^2 + 0.2*(a-y)^4 + 0.3*log(cosh(a-y)) + 0.4*sqrt(1+(a-y)^2) + 0.5*exp(-(a-y)^2) + softplus(a-y)" }\n', 'wide.yaml'))));
    const loss = labelled(d, 'loss');
    expect(loss).toContain('\\ell(a, y) = \\sum_{j=1}^{4} \\ell\\left(a_{j}, y_{j}\\right)');
    expect(loss).toMatch(/\\ell\\left\(a_\{j\}, y_\{j\}\\right\) &= /);
    if (hasPdflatex) expect(pdflatex('wide', latexOf(d, false))).toEqual([]);
  });

  it('a square root in a formula is \\sqrt{…}: the page renders and the document compiles', () => {
    const d = graphDerivationDocument(deriveGraph(graph(parseNetwork('name: root\ninput: 2\nnodes:\n  h: { dense: x, units: 2, activation: { formula: "(sqrt(x^2 + 1) - 1)/2 + x" } }\n  out: { dense: h, units: 1 }\nloss: { formula: "0.25*(sqrt(1 + ((a - y)/0.5)^2) - 1)" }\n', 'root.yaml'))));
    const all = displays(d).map((e) => e.tex).join('\n');
    expect(all).toContain('\\sqrt{');
    expect(all).not.toMatch(/\\sqrt\\left/);
    for (const e of displays(d)) expect(() => renderDisplay(e.tex), e.tex).not.toThrow();
    expect(() => htmlOf(d)).not.toThrow();
    if (hasPdflatex) expect(pdflatex('root', latexOf(d, false))).toEqual([]);
  });

  it('says that the index and scalar levels are not printed for a network of nodes, and shows the matrix steps instead', () => {
    expect(doc('rnn').expandedOmitted).toMatch(/^The index form and the scalar level are written for chains of layers only; this network of nodes is derived in matrix form, above\.$/);
    const scalarOnly = doc('rnn', { levels: { matrix: false, index: false, scalar: true } });
    expect(scalarOnly.expandedOmitted).toMatch(/The scalar level is written for chains of layers only; .* above instead/);
    expect((scalarOnly.steps || []).length).toBeGreaterThan(0);
    expect(latexOf(scalarOnly, false)).toContain('chains of layers only');
    expect(htmlOf(scalarOnly)).toContain('chains of layers only');
    const matrixOnly = doc('rnn', { levels: { matrix: true, index: false, scalar: false } });
    expect(matrixOnly.expandedOmitted).toBe('');
  });

  it('is deterministic: the same input gives byte-identical LaTeX and HTML', () => {
    for (const name of EXAMPLES) {
      for (const notation of NOTATIONS) {
        expect(latexOf(doc(name, { notation }), false)).toBe(latexOf(doc(name, { notation }), false));
      }
    }
    expect(htmlOf(doc('lstm'))).toBe(htmlOf(doc('lstm')));
  });
});
