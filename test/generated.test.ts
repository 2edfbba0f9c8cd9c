import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allOutputs } from '../scripts/generate.ts';
import { typecheck } from '../src/compile/compile.ts';

const outputs = allOutputs();

describe('generated/', () => {
  it('is up to date with examples/ (run `npm run generate` when this fails)', () => {
    for (const o of outputs) {
      let onDisk = '';
      try { onDisk = readFileSync(o.path, 'utf8'); } catch { /* missing counts as stale */ }
      expect(onDisk === o.content, `${o.path} is stale`).toBe(true);
    }
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

  const hasPdflatex = spawnSync('pdflatex', ['--version']).status === 0;
  // CI installs pdflatex (.ci/run); elsewhere the test says why it is skipped.
  it.skipIf(!hasPdflatex && !process.env.CI)('every generated .tex compiles with pdflatex', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-tex-'));
    try {
      for (const o of outputs.filter((f) => f.path.endsWith('.tex'))) {
        const file = join(dir, basename(o.path));
        copyFileSync(o.path, file);
        const r = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', basename(file)], { cwd: dir, encoding: 'utf8' });
        expect(r.status, `${o.path}:\n${r.stdout.slice(-2000)}`).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
