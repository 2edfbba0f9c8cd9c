import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allOutputs } from '../scripts/generate.ts';
import { typecheck } from '../src/compile/compile.ts';
import { compileNetwork, renderLatex } from '../src/pipeline.ts';
import { renderDisplay } from '../src/render/html.ts';
import { defaultLabelPrefix } from '../src/render/latex.ts';
import { corpus } from './corpus.ts';

const outputs = allOutputs();
const hasPdflatex = spawnSync('pdflatex', ['--version']).status === 0;
const hasPdftoppm = spawnSync('pdftoppm', ['-v']).status === 0;

function pdflatex(dir: string, file: string): { ok: boolean; log: string } {
  const r = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', file], { cwd: dir, encoding: 'utf8' });
  return { ok: r.status === 0, log: r.stdout.slice(-3000) };
}

describe('generated/', () => {
  it('is up to date with examples/ (run `npm run generate` when this fails)', () => {
    for (const o of outputs) {
      const onDisk = existsSync(o.path) ? readFileSync(o.path, 'utf8') : '';
      expect(onDisk === o.content, `${o.path} is stale`).toBe(true);
    }
  });

  it("covers the question's trainer in MATLAB/Octave, generated/question.m", () => {
    expect(outputs.map((o) => o.path)).toContain(join('generated', 'question.m'));
  });

  it('is deterministic: generating again gives byte-identical files', () => {
    const again = allOutputs();
    expect(again.map((o) => o.content)).toEqual(outputs.map((o) => o.content));
  });

  it('every generated .ts passes the TypeScript compiler in strict mode', () => {
    const files = outputs.filter((o) => o.path.endsWith('.ts')).map((o) => o.path);
    const r = typecheck(files);
    expect(r.ok, r.output).toBe(true);
  });

  it('every display equation of every derivation renders with KaTeX', () => {
    let count = 0;
    for (const o of outputs.filter((f) => f.path.endsWith('.tex'))) {
      const blocks = [...o.content.matchAll(/\\begin\{equation\}([\s\S]*?)\\end\{equation\}|\\\[([\s\S]*?)\\\]|\\begin\{gather\*\}([\s\S]*?)\\end\{gather\*\}/g)];
      for (const b of blocks) {
        const tex = (b[1] ?? b[2] ?? `\\begin{gathered}${b[3]}\\end{gathered}`).replace(/\\label\{[^}]*\}/g, '');
        expect(() => renderDisplay(tex), `${o.path}: ${tex}`).not.toThrow();
        count++;
      }
    }
    expect(count).toBeGreaterThan(50);
  });

  // CI installs pdflatex and pdftoppm (.ci/run); elsewhere these say why they are skipped.
  it.skipIf(!hasPdflatex && !process.env.CI)('every derivation compiles with pdflatex: both notations, as a document and as an \\input fragment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-tex-'));
    try {
      for (const { network } of corpus) {
        const c = compileNetwork(network);
        for (const notation of ['nielsen', 'question'] as const) {
          writeFileSync(join(dir, 'doc.tex'), renderLatex(c, { notation }));
          const doc = pdflatex(dir, 'doc.tex');
          expect(doc.ok, `${network.name} (${notation}):\n${doc.log}`).toBe(true);
          writeFileSync(join(dir, 'body.tex'), renderLatex(c, { notation, fragment: true }));
          writeFileSync(join(dir, 'paper.tex'), `\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\nAs \\eqref{eq:${defaultLabelPrefix(network.name, notation)}:update} shows.\n\\input{body}\n\\end{document}\n`);
          const frag = pdflatex(dir, 'paper.tex');
          expect(frag.ok, `${network.name} (${notation}, fragment):\n${frag.log}`).toBe(true);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf((!hasPdflatex || !hasPdftoppm) && !process.env.CI)('the iris derivation turns into PNG pages a person can look at', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-png-'));
    try {
      writeFileSync(join(dir, 'iris.tex'), readFileSync('generated/iris.tex', 'utf8'));
      expect(pdflatex(dir, 'iris.tex').ok).toBe(true);
      const r = spawnSync('pdftoppm', ['-png', '-r', '60', 'iris.pdf', 'page'], { cwd: dir, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const first = join(dir, existsSync(join(dir, 'page-1.png')) ? 'page-1.png' : 'page-01.png');
      const png = readFileSync(first);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(statSync(first).size).toBeGreaterThan(5000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
