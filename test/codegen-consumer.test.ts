// The README's "Using a generated trainer in another project", followed in a
// fresh folder: a default `tsc --init` configuration (strict,
// noUncheckedIndexedAccess, exactOptionalPropertyTypes, verbatimModuleSyntax,
// module nodenext), generated/xor.ts copied in, and the README's snippet as
// main.ts; `tsc` compiles it unchanged and `node main.js` runs it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const TSC = resolve('node_modules/.bin/tsc');

/** The ```ts block of the README's section on using a generated trainer. */
function readmeSnippet(): string {
  const readme = readFileSync('README.md', 'utf8');
  const from = readme.indexOf('### Using a generated trainer in another project');
  expect(from).toBeGreaterThanOrEqual(0);
  const section = readme.slice(from, readme.indexOf('\n## ', from));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  expect(block).not.toBeNull();
  return block![1]!;
}

describe('a generated trainer in a default TypeScript project', () => {
  it('the README snippet compiles with `tsc --init`\'s configuration and runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-consumer-'));
    try {
      const run = (command: string, args: string[]): string => {
        const r = spawnSync(command, args, { cwd: dir, encoding: 'utf8' });
        expect(r.status, `${command} ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
        return r.stdout;
      };
      run(TSC, ['--init']);
      const config = readFileSync(join(dir, 'tsconfig.json'), 'utf8');
      // The options this test is about are on by default (if a TypeScript release drops them, this says so).
      for (const option of ['"strict": true', '"noUncheckedIndexedAccess": true', '"exactOptionalPropertyTypes": true', '"module": "nodenext"']) {
        expect(config.split('\n').some((l) => l.trim().startsWith(option)), `tsconfig.json from tsc --init sets ${option}`).toBe(true);
      }
      // README step 1 (`npm pkg set type=module`); only this field of package.json matters to tsc and node.
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
      copyFileSync('generated/xor.ts', join(dir, 'xor.ts'));
      writeFileSync(join(dir, 'main.ts'), readmeSnippet());
      run(TSC, []); // the project's tsconfig.json as tsc --init wrote it
      const output = Number(run(process.execPath, ['main.js']).trim());
      expect(output).toBeGreaterThan(0);
      expect(output).toBeLessThan(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
