// The derivation fits a paper: every example's fragment, in both notations,
// compiles inside a two-column article, IEEEtran and revtex4-2 (3.5-inch columns) with
// hyperref and cleveref loaded and no line more than 1 pt too wide; the full
// documents fit their single column; a deep network takes no more than one page
// more than a shallow one. Bold vectors and matrices (--bold) fit as well.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileNetwork, renderLatex } from '../src/pipeline.ts';
import { corpus } from './corpus.ts';

const hasPdflatex = spawnSync('pdflatex', ['--version']).status === 0;
const hasClass = (file: string): boolean => spawnSync('kpsewhich', [file], { encoding: 'utf8' }).stdout.trim() !== '';
// CI installs texlive-publishers and texlive-latex-extra (.ci/run); elsewhere the tests say why they are skipped.
const hasPaperClasses = hasPdflatex && ['IEEEtran.cls', 'revtex4-2.cls', 'cleveref.sty', 'hyperref.sty'].every(hasClass);

const dir = mkdtempSync(join(tmpdir(), 'deltagen-layout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Compiles `tex`; the overfull lines wider than 1 pt, and the page count. */
function compile(name: string, tex: string): { overfull: string[]; pages: number } {
  writeFileSync(join(dir, `${name}.tex`), tex);
  const r = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', `${name}.tex`], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stdout.slice(-2000)).toBe(0);
  const overfull = [...r.stdout.matchAll(/Overfull \\hbox \(([\d.]+)pt too wide\)[^\n]*/g)].filter((m) => Number(m[1]) > 1).map((m) => m[0]);
  return { overfull, pages: Number(/Output written on .* \((\d+) pages?/.exec(r.stdout)?.[1] ?? 0) };
}

const PAPERS = {
  'article two-column': '\\documentclass[twocolumn]{article}',
  IEEEtran: '\\documentclass[conference]{IEEEtran}',
  'revtex4-2 two-column': '\\documentclass[twocolumn,aps,prl]{revtex4-2}',
};

describe('layout', () => {
  for (const [paper, documentclass] of Object.entries(PAPERS)) {
    it.skipIf(!hasPaperClasses && !process.env.CI)(`every fragment fits a column of ${paper}, with hyperref and cleveref`, () => {
      for (const { network } of corpus) {
        for (const [notation, bold] of [['nielsen', false], ['question', false], ['nielsen', true]] as const) {
          const name = `${network.name}-${notation}${bold ? '-bold' : ''}`;
          writeFileSync(join(dir, `${name}-body.tex`), renderLatex(compileNetwork(network), { notation, bold, fragment: true, heading: 'subsection' }));
          const { overfull } = compile(`paper-${name}`, `${documentclass}\n\\usepackage{amsmath,amssymb}\n\\usepackage{hyperref}\n\\usepackage{cleveref}\n`
            + `\\begin{document}\nAs \\cref{eq:${network.name}${notation === 'nielsen' ? '' : '-question'}:update} shows.\n\\input{${name}-body}\n\\end{document}\n`);
          expect(overfull, `${name} in ${paper}`).toEqual([]);
        }
      }
    });
  }

  it.skipIf(!hasPaperClasses && !process.env.CI)('a long formula activation (GELU) breaks across lines and fits an IEEEtran column', async () => {
    const { parseChain } = await import('./chain.ts');
    const gelu = parseChain('name: gelu\ninput: 4\nlayers:\n  - units: 8\n    activation: { formula: "0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * x^3)))" }\n  - { units: 3, activation: identity }\nloss: half-squared\n');
    const body = renderLatex(compileNetwork(gelu), { fragment: true, heading: 'subsection' });
    expect(body).toMatch(/f'\(z\) &= /);
    // A product continued on the next line starts with ·; the full stop ends the last line, inside the block.
    expect(body).toMatch(/&\\quad \\cdot /);
    expect(body).toMatch(/\.\n\\end\{aligned\}/);
    expect(body).not.toMatch(/0\.04471500000/);
    writeFileSync(join(dir, 'gelu-body.tex'), body);
    const { overfull } = compile('paper-gelu', `${PAPERS.IEEEtran}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n\\input{gelu-body}\n\\end{document}\n`);
    expect(overfull).toEqual([]);
  });

  it.skipIf(!hasPaperClasses && !process.env.CI)('a network name of 62 characters breaks after its hyphens in the heading and fits an IEEEtran column', async () => {
    const { parseChain } = await import('./chain.ts');
    const net = parseChain('name: a-rather-long-network-name-for-the-journal-of-machine-learning\ninput: 2\nlayers:\n  - { units: 3, activation: sigmoid }\n  - { units: 1, activation: sigmoid }\nloss: half-squared\n');
    writeFileSync(join(dir, 'long-body.tex'), renderLatex(compileNetwork(net), { fragment: true }));
    const { overfull } = compile('paper-long', `${PAPERS.IEEEtran}\n\\usepackage{amsmath,amssymb}\n\\usepackage{hyperref}\n\\begin{document}\n\\input{long-body}\n\\end{document}\n`);
    expect(overfull).toEqual([]);
  });

  it.skipIf(!hasPdflatex && !process.env.CI)('every full document fits its page', () => {
    for (const { network } of corpus) {
      for (const notation of ['nielsen', 'question'] as const) {
        const { overfull } = compile(`doc-${network.name}-${notation}`, renderLatex(compileNetwork(network), { notation }));
        expect(overfull, `${network.name} (${notation})`).toEqual([]);
      }
    }
  });

  it.skipIf(!hasPdflatex && !process.env.CI)('deep-chain (8 layers) takes at most one page more than xor, level by level', () => {
    const net = (name: string) => compileNetwork(corpus.find((e) => e.network.name === name)!.network);
    for (const levels of [{ matrix: true, index: false, scalar: false }, { matrix: true, index: true, scalar: true }]) {
      const pages = (name: string): number => compile(`pages-${name}`, renderLatex(net(name), { levels })).pages;
      const deep = pages('deep-chain');
      const xor = pages('xor');
      expect(deep, `deep-chain ${deep} pages, xor ${xor} (${JSON.stringify(levels)})`).toBeLessThanOrEqual(xor + 1);
    }
  });
});

describe('sums and signs read as the mathematics', () => {
  it("cross-entropy's −Σ keeps its brackets, and a term with its own minus is subtracted, not added as + −", async () => {
    const { parseChain } = await import('./chain.ts');
    const net = parseChain('name: ce\ninput: 2\nlayers:\n  - { units: 3, activation: tanh }\n  - { units: 2, activation: sigmoid }\nloss: cross-entropy\n');
    for (const notation of ['nielsen', 'question'] as const) {
      const tex = renderLatex(compileNetwork(net), { notation });
      const loss = /C = (.*) \\label\{eq:[^}]*:loss\}/.exec(tex)![1]!;
      expect(loss).toMatch(/^-\\sum_\{[ij]=1\}\^\{n_\{[2L]\}\} \\left\(.*\\right\)$/);
      expect(tex).not.toMatch(/\+ -/);
    }
    // One output: the guarded quotient's numerator −y is subtracted too.
    const one = parseChain('name: ce1\ninput: 2\nlayers:\n  - { units: 3, activation: tanh }\n  - { units: 1, activation: sigmoid }\nloss: cross-entropy\n');
    const tex1 = renderLatex(compileNetwork(one), { levels: { matrix: true, index: true, scalar: false } });
    expect(tex1).toContain('- \\frac{y}{a^{(2)}}');
    expect(tex1).not.toMatch(/\+ \\frac\{-/);
  });
});
