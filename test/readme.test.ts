import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every command of every ```sh block, comments dropped. */
function readmeCommands(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1]!.split('\n'))
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter((line) => line !== '');
}

describe('the README, followed line by line on a fresh copy', () => {
  it('every shell command in it works', () => {
    const commands = readmeCommands();
    expect(commands.length).toBeGreaterThan(5);
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-readme-'));
    try {
      // A fresh copy of what git tracks, with the installed dependencies (npm ci already ran).
      const files = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).split('\n').filter(Boolean);
      for (const f of files) {
        mkdirSync(dirname(join(dir, f)), { recursive: true });
        try { copyFileSync(f, join(dir, f)); } catch { /* deleted in the working tree */ }
      }
      symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
      symlinkSync(resolve('dist'), join(dir, 'dist')); // built by npm ci's prepare (and by pretest)
      for (const raw of commands) {
        // `npm ci` ran already for this test; `npm test` is the suite running this very test.
        if (/\bnpm test\b/.test(raw)) continue;
        // `npx deltagen` in a checkout is npm's self-execution of the package's bin; npm 11 installs the package
        // into its npx cache for that, which fails on this copy's symlinked node_modules, so run the bin itself.
        const command = raw.replace(/^npm ci && /, '').replace(/\bnpx deltagen\b/g, 'node bin/deltagen.js');
        const r = spawnSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
        expect(r.status, `${command}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
