// The package as a user gets it: packed, installed from the tarball into an
// empty project, used from the command line, from plain JavaScript and from a
// strict TypeScript project. `npm test` builds dist/ first (pretest).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve('.');
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
let dir = '';

function run(file: string, args: string[], cwd = dir): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(file, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('the installed package', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'deltagen-consumer-'));
    // dist/ was built by pretest (or prepare); packing does not build it again.
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed)], { cwd: dir, encoding: 'utf8' });
  }, 240_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('ships the compiled library, its declarations and the templates, not the sources or tests', () => {
    const pkg = join(dir, 'node_modules', 'deltagen');
    expect(existsSync(join(pkg, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(pkg, 'dist', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(pkg, 'templates', 'ts', 'module.hbs'))).toBe(true);
    for (const absent of ['src', 'test', 'bench', 'generated', 'docs']) expect(existsSync(join(pkg, absent)), absent).toBe(false);
  });

  it('has no compiler or loader among its dependencies', () => {
    const installed = readdirSync(join(dir, 'node_modules'));
    for (const tool of ['typescript', 'esbuild', 'tsx']) expect(installed, tool).not.toContain(tool);
  });

  it('answers --version and derives from the command line', () => {
    const v = run('npx', ['--no-install', 'deltagen', '--version']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(version);
    writeFileSync(join(dir, 'net.yaml'), 'name: tiny\ninput: 2\nlayers:\n  - units: 1\n    activation: sigmoid\nloss: half-squared\n');
    const d = run('npx', ['--no-install', 'deltagen', 'derive', 'net.yaml', '--ts', 'out/tiny.ts']);
    expect(d.code, d.stderr).toBe(0);
    expect(readdirSync(join(dir, 'out'))).toEqual(['tiny.ts']);
    expect(readFileSync(join(dir, 'out', 'tiny.ts'), 'utf8')).toContain('export function sgdStep(');
  });

  it('imports from plain JavaScript, as an ES module and with require', () => {
    writeFileSync(join(dir, 'use.mjs'), [
      "import { derive, generate, verify } from 'deltagen';",
      "const c = derive('net.yaml');",
      "const v = verify('net.yaml', { wrt: 'W1', formula: \"(a1 - y) .* a1 .* (1 - a1) * x'\" });",
      'console.log(JSON.stringify({ steps: c.derivation.steps.length, ts: generate(c).ts.content.includes("lossAndGradient"), verdict: v.verdict }));',
    ].join('\n'));
    const m = run(process.execPath, ['use.mjs']);
    expect(m.code, m.stderr).toBe(0);
    const out = JSON.parse(m.stdout) as { steps: number; ts: boolean; verdict: string };
    expect(out.steps).toBeGreaterThan(2);
    expect(out.ts).toBe(true);
    expect(out.verdict).toBe('equivalent');
    writeFileSync(join(dir, 'use.cjs'), "const { derive } = require('deltagen');\nconsole.log(derive('net.yaml').network.name);\n");
    const c = run(process.execPath, ['use.cjs']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim()).toBe('tiny');
  });

  it('type-checks and builds a strict TypeScript consumer (NodeNext)', () => {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, outDir: 'build', types: [] },
      files: ['main.ts'],
    }));
    writeFileSync(join(dir, 'main.ts'), [
      "import { derive, verify, type Compiled, type VerifyResult } from 'deltagen';",
      "const c: Compiled = derive('net.yaml');",
      "const r: VerifyResult = verify('net.yaml', { wrt: 'W1', formula: \"(a1 - y) .* a1 * x'\" });",
      'console.log(c.network.name, r.verdict);',
    ].join('\n'));
    const t = run(process.execPath, [tsc, '-p', '.']);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const m = run(process.execPath, ['build/main.js']);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout.trim()).toBe('tiny different');
  });
});
