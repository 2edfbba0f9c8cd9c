// derive --target js: the plain JavaScript rendering of the trainer and its
// .d.ts (their equality with the TypeScript trainer, bit for bit, is
// test/codegen-js.test.ts's), written where --out or --code says.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileNetwork, renderJavaScript } from '../src/pipeline.ts';
import { generateDeclarations } from '../src/render/typescript.ts';

import { deltagen } from './helpers.ts';
import { loadChain } from './chain.ts';

describe('deltagen derive --target js', () => {
  it('writes <name>.js and <name>.d.ts in --out, or the --code file with its .d.ts beside it', async () => {
    const c = compileNetwork(loadChain('examples/xor.yaml'));
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-js-cli-'));
    try {
      const r = await deltagen(['derive', 'examples/xor.yaml', '--target', 'js', '--out', dir, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { files: string[] }).files).toEqual(['xor.js', 'xor.d.ts', 'xor.tex'].map((f) => join(dir, f)));
      expect(readFileSync(join(dir, 'xor.js'), 'utf8')).toBe(renderJavaScript(c));
      expect(readFileSync(join(dir, 'xor.d.ts'), 'utf8')).toBe(generateDeclarations(c));

      const code = await deltagen(['derive', 'examples/xor.yaml', '--target', 'js', '--code', join(dir, 'lib', 'trainer.js'), '--unroll', 'loops']);
      expect(code.code, code.stderr).toBe(0);
      expect(readFileSync(join(dir, 'lib', 'trainer.js'), 'utf8')).toBe(renderJavaScript(c, { unroll: 'loops' }));
      expect(existsSync(join(dir, 'lib', 'trainer.d.ts'))).toBe(true);
      expect(existsSync(join(dir, 'lib', 'xor.tex'))).toBe(false); // --code alone writes only the trainer
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--ts names the TypeScript file only: with another --target it is a usage error (exit 2)', async () => {
    const r = await deltagen(['derive', 'examples/xor.yaml', '--target', 'octave', '--ts', 'x.ts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--ts names the TypeScript file');
  });
});
