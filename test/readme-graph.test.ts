// The README's graph section shows the LSTM's δ recursion as the PDF prints it:
// this test compiles generated/lstm.tex with pdflatex, cuts the summary out of
// page 1 with pdftoppm, and writes docs/lstm-delta.png (skipped without them).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const has = (cmd: string): boolean => spawnSync(cmd, ['-v'], { stdio: 'ignore' }).error === undefined;

describe('README: the LSTM\'s δ recursion', () => {
  it('the README shows it, and the picture is cut from the compiled PDF of generated/lstm.tex', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('![The LSTM\'s δ recursion as the PDF prints it](docs/lstm-delta.png)');
    const tex = readFileSync('generated/lstm.tex', 'utf8');
    // What the picture shows is in the document: δ_c gets its term from step t+1 through fc = f ⊙ c@prev.
    expect(tex).toContain('\\delta_{c,t} = \\delta_{\\mathit{fc},t+1} \\odot f_{t+1} + \\delta_{\\mathit{tc},t}');
    if (!has('pdflatex') || !has('pdftoppm')) return;
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-readme-lstm-'));
    try {
      copyFileSync('generated/lstm.tex', join(dir, 'lstm.tex'));
      const latex = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'lstm.tex'], { cwd: dir, encoding: 'utf8' });
      expect(latex.status, latex.stdout.slice(-2000)).toBe(0);
      const png = spawnSync('pdftoppm', ['-f', '1', '-l', '1', '-r', '110', '-x', '190', '-y', '190', '-W', '620', '-H', '880', '-png', '-singlefile', 'lstm.pdf', join(process.cwd(), 'docs', 'lstm-delta')], { cwd: dir });
      expect(png.status).toBe(0);
      expect(existsSync('docs/lstm-delta.png')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
