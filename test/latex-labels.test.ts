// Labels name what an equation means, not where it falls: \eqref{eq:xor:delta-rec}
// is the δ recursion in every network that has one, and two networks in two
// notations share one paper without a multiply-defined label.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileNetwork, renderLatex } from '../src/pipeline.ts';
import { defaultLabelPrefix } from '../src/render/latex.ts';
import { corpus } from './corpus.ts';
import { deltagen } from './helpers.ts';

const NOTATIONS = ['nielsen', 'question'] as const;
const hasPdflatex = spawnSync('pdflatex', ['--version']).status === 0;
const hasPackage = (sty: string): boolean => spawnSync('kpsewhich', [sty], { encoding: 'utf8' }).stdout.trim() !== '';

/** label → the equation body it labels. */
function labelled(tex: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tex.matchAll(/\\begin\{equation\}\n([\s\S]*?)\\label\{([^}]*)\}\n\\end\{equation\}/g)) {
    expect(out.has(m[2]!), `${m[2]} labelled twice`).toBe(false);
    out.set(m[2]!, m[1]!.trim());
  }
  return out;
}

describe('labels by meaning', () => {
  for (const { network } of corpus) {
    const c = compileNetwork(network);
    for (const notation of NOTATIONS) {
      it(`${network.name} (${notation}): delta-out, delta-rec, grad-W, grad-b and update label what they say`, () => {
        const prefix = defaultLabelPrefix(network.name, notation);
        const eqs = labelled(renderLatex(c, { notation, fragment: true }));
        const get = (what: string): string | undefined => eqs.get(`eq:${prefix}:${what}`);
        expect(get('delta-out')).toMatch(/^\\delta\^\{\((L|\d+)\)\} = /);
        const L = network.layers.length;
        if (L > 1) expect(get('delta-rec')).toMatch(/^(\\begin\{(aligned|gathered)\}\n)?\\delta\^\{\((l|L-1|\d+)\)\} &?= /);
        else expect(get('delta-rec')).toBeUndefined();
        expect(get('grad-W')).toMatch(/^\\frac\{\\partial C\}\{\\partial W\^/);
        if (network.layers.some((l) => l.bias !== false)) expect(get('grad-b')).toMatch(/\\frac\{\\partial C\}\{\\partial b\^/);
        expect(get('update')).toBeDefined();
        expect(get('loss')).toMatch(/^C = /);
        // No label is a position: no step numbers in labels.
        for (const label of eqs.keys()) expect(label).not.toMatch(/:step\d/);
      });
    }
  }

  it('a label keeps its meaning when the network changes: xor and question-chain both have delta-rec as the recursion', () => {
    for (const name of ['xor', 'question-chain', 'deep-chain', 'iris']) {
      const { network } = corpus.find((e) => e.network.name === name)!;
      const rec = labelled(renderLatex(compileNetwork(network), { fragment: true, labelPrefix: 'p' })).get('eq:p:delta-rec')!;
      expect(rec, name).toMatch(/\\delta\^\{\((l|\d)\)\} &?= .*\\delta\^\{\((l\+1|\d)\)\}/s);
    }
  });

  it('--label-prefix and --heading none reach the fragment', async () => {
    const r = await deltagen(['derive', 'examples/xor.yaml', '--latex', '-', '--fragment', '--label-prefix', 'nn', '--heading', 'none', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('\\label{eq:nn:delta-rec}');
    expect(r.stdout).toContain('\\eqref{eq:nn:update}');
    expect(r.stdout).not.toMatch(/\\(sub)*section|\\paragraph/);
    expect((await deltagen(['derive', 'examples/xor.yaml', '--latex', '-', '--heading', 'chapter'])).code).toBe(2);
    // A level asked for that cannot be shown is said on stderr and in the document, never silently left out.
    const big = await deltagen(['derive', 'examples/iris.yaml', '--latex', '-', '--levels', 'scalar', '--quiet']);
    expect(big.code).toBe(0);
    expect(big.stderr).toContain('--levels scalar: iris has 67 parameters');
    expect(big.stdout).toContain('not written out in scalars');
    expect(big.stdout).toContain('\\label{eq:iris:delta-rec}');
    expect((await deltagen(['derive', 'examples/xor.yaml', '--latex', '-', '--label-prefix', 'a}b'])).code).toBe(2);
  });

  it.skipIf(!hasPdflatex && !process.env.CI)('two networks in two notations \\input into one paper: no multiply-defined or undefined label', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-labels-'));
    try {
      const inputs: string[] = [];
      for (const name of ['xor', 'iris']) {
        const { network } = corpus.find((e) => e.network.name === name)!;
        for (const notation of NOTATIONS) {
          const file = `${name}-${notation}`;
          writeFileSync(join(dir, `${file}.tex`), renderLatex(compileNetwork(network), { notation, fragment: true, heading: 'subsection' }));
          inputs.push(`\\input{${file}}`);
        }
      }
      const extras = ['hyperref', 'cleveref'].filter((p) => hasPackage(`${p}.sty`)).map((p) => `\\usepackage{${p}}`).join('\n');
      writeFileSync(join(dir, 'paper.tex'), `\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n${extras}\n\\begin{document}\n`
        + `By \\eqref{eq:xor:delta-rec} and \\eqref{eq:iris-question:delta-out}.\n${inputs.join('\n')}\n\\end{document}\n`);
      let log = '';
      for (let pass = 0; pass < 2; pass++) {
        const r = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'paper.tex'], { cwd: dir, encoding: 'utf8' });
        expect(r.status, r.stdout.slice(-2000)).toBe(0);
        log = r.stdout;
      }
      expect(log).not.toMatch(/multiply[- ]defined/i);
      expect(log).not.toMatch(/undefined references|Reference .* undefined/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
