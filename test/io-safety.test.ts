// What reading and writing must never do: read without end from a device or a
// pipe, replace a device or the input file, write one output twice, or leave a
// dead run's lock and temporary files in the way of the next run.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFilesAtomic } from '../src/io/atomic.ts';
import { loadNetworkFile } from '../src/spec/load.ts';
import { deltagen } from './helpers.ts';

let dir = '';
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'deltagen-io-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

describe('reading stops at the size limit', () => {
  it('for a device that reports size 0 (/dev/zero), quickly and with the limit named', () => {
    const t = performance.now();
    expect(() => loadNetworkFile('/dev/zero')).toThrow(/\/dev\/zero: file larger than 1048576 bytes/);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('for a FIFO fed without end', async () => {
    const fifo = join(dir, 'net.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const writer = spawn('sh', ['-c', `yes > '${fifo}'`], { stdio: 'ignore' });
    try {
      const r = await deltagen(['derive', fifo, '--out', join(dir, 'out')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/file larger than 1048576 bytes/);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    } finally {
      writer.kill('SIGKILL');
    }
  });
});

describe('aliases cannot multiply a file past the value limit', () => {
  it('100 aliases of a large anchor are refused before they are expanded', () => {
    const rows = Array.from({ length: 2000 }, () => '    - {x: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], y: [1]}').join('\n');
    const text = `name: q\ninput: 20\nlayers:\n  - { units: 1 }\nloss: squared\ntrain:\n  rate: 0.1\n  data: &d\n${rows}\n  validation: *d\nx: [${Array(90).fill('*d').join(', ')}]\n`;
    const file = join(dir, 'alias.yaml');
    writeFileSync(file, text);
    const before = process.memoryUsage().rss;
    expect(() => loadNetworkFile(file)).toThrow(/more than 1000000 values once its aliases are expanded/);
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 2 ** 20);
  });
});

describe('outputs that would destroy something are refused before anything is written', () => {
  it('a device (/dev/full) as an output: exit 2 naming it, the other output not written', async () => {
    const r = await deltagen(['derive', 'examples/question.yaml', '--latex', '/dev/full', '--ts', join(dir, 'q.ts')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/dev\/full: is a device, not a regular file/);
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    expect(existsSync(join(dir, 'q.ts'))).toBe(false);
  });

  it('a FIFO and a folder as outputs', async () => {
    const fifo = join(dir, 'pipe.ts');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = await deltagen(['derive', 'examples/question.yaml', '--ts', fifo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pipe\.ts: is a pipe \(FIFO\), not a regular file/);
    expect(statSync(fifo).isFIFO()).toBe(true);
    mkdirSync(join(dir, 'folder.tex'));
    const f = await deltagen(['derive', 'examples/question.yaml', '--latex', join(dir, 'folder.tex')]);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/folder\.tex: is a folder/);
  });

  it('the input file as an output: exit 2, the network file intact', async () => {
    const net = join(dir, 'net.yaml');
    copyFileSync('examples/question.yaml', net);
    const before = readFileSync(net, 'utf8');
    const r = await deltagen(['derive', net, '--ts', net]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`is the input file ${net}`);
    expect(readFileSync(net, 'utf8')).toBe(before);
  });

  it('one path for two outputs: exit 2, nothing written', async () => {
    const same = join(dir, 'same.txt');
    const r = await deltagen(['derive', 'examples/question.yaml', '--ts', same, '--latex', same]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('named for two outputs');
    expect(existsSync(same)).toBe(false);
  });
});

/**
 * A child with a temporary folder of its own (TMPDIR), so that its check folder is told
 * apart from those of other runs on the machine (another test file checking at the same time).
 */
function spawnWithOwnTmp(args: string[]): { child: ReturnType<typeof spawn>; tmp: string; stderr: () => string } {
  const tmp = mkdtempSync(join(tmpdir(), 'deltagen-io-tmp-'));
  const child = spawn(process.execPath, ['bin/deltagen.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  return { child, tmp, stderr: () => stderr };
}

describe('symbolic links as outputs', () => {
  it('a link is written through (it stays a link, its target gets the file); a dangling one and /dev/stdout are refused', async () => {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 't.ts'), 'old');
    symlinkSync(join('real', 't.ts'), join(dir, 'link.ts'));
    expect((await deltagen(['derive', 'examples/question.yaml', '--ts', join(dir, 'link.ts')])).code).toBe(0);
    expect(lstatSync(join(dir, 'link.ts')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real', 't.ts'), 'utf8')).toContain('export function sgdStep');

    // The link and its target named for two outputs are one file.
    const both = await deltagen(['derive', 'examples/question.yaml', '--ts', join(dir, 'link.ts'), '--latex', join(dir, 'real', 't.ts')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('named for two outputs');

    symlinkSync('missing.ts', join(dir, 'dangling.ts'));
    const dangling = await deltagen(['derive', 'examples/question.yaml', '--ts', join(dir, 'dangling.ts')]);
    expect(dangling.code).toBe(2);
    expect(dangling.stderr).toContain('a symbolic link to a missing file');
    expect(readdirSync(dir).sort()).toEqual(['dangling.ts', 'link.ts', 'real']);

    // Standard output redirected to a file: /dev/stdout leads to it through /proc; the link is left alone.
    const out = join(dir, 'out.txt');
    const r = spawnSync('sh', ['-c', `"${process.execPath}" bin/deltagen.js derive examples/question.yaml --ts /dev/stdout > "${out}"`], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('/dev/stdout: is a link that leads through /dev or /proc');
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
  });
});

describe('Ctrl-C during check', () => {
  it('ends at once with exit 130: no type-checker process and no temporary folder left', async () => {
    // Forced straight-line code at 784 inputs: its strict type-check takes about a minute.
    const { child, tmp, stderr } = spawnWithOwnTmp(['check', 'examples/mnist-shape.yaml', '--unroll', 'full']);
    // Wait until the check's folder exists: the type-check has started.
    const started = performance.now();
    while (!readdirSync(tmp).some((n) => n.startsWith('deltagen-check-'))) {
      if (performance.now() - started > 20_000) throw new Error('the type-check did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    const sent = performance.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(performance.now() - sent).toBeLessThan(1000);
    expect(code, stderr()).toBe(130);
    expect(stderr()).toContain('interrupted (SIGINT); the type-checker was stopped');
    expect(readdirSync(tmp)).toEqual([]);
    expect(spawnSync('pgrep', ['-f', tmp]).stdout.toString().trim()).toBe('');
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);
});

describe('Ctrl-C during check --target octave', () => {
  it('ends at once with exit 130: the interpreter stopped, its temporary folder removed', async () => {
    const prefix = 'deltagen-octave-';
    const { child, tmp, stderr } = spawnWithOwnTmp(['check', 'examples/mnist-shape.yaml', '--target', 'octave']);
    const started = performance.now();
    while (!readdirSync(tmp).some((n) => n.startsWith(prefix))) {
      if (performance.now() - started > 20_000) throw new Error('the octave run did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    const sent = performance.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(performance.now() - sent).toBeLessThan(1000);
    expect(code, stderr()).toBe(130);
    expect(stderr()).toContain('interrupted (SIGINT); the octave run was stopped');
    expect(readdirSync(tmp)).toEqual([]);
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);
});

describe('a run killed mid-write does not block the next one', () => {
  it('its lock (a dead process) is taken over at once and its temporary file removed', async () => {
    // A process that has ended: its pid is free (and not reused within this test).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    mkdirSync(join(dir, '.deltagen.lock'));
    writeFileSync(join(dir, '.deltagen.lock', 'pid'), String(pid));
    writeFileSync(join(dir, `.q.ts.${pid}.0123abcd.tmp`), 'half');
    const t = performance.now();
    await writeFilesAtomic([{ path: join(dir, 'q.ts'), content: 'whole' }]);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(readdirSync(dir).sort()).toEqual(['q.ts']);
    expect(readFileSync(join(dir, 'q.ts'), 'utf8')).toBe('whole');
  });

  it('a live run\'s lock is still waited for', async () => {
    mkdirSync(join(dir, '.deltagen.lock'));
    writeFileSync(join(dir, '.deltagen.lock', 'pid'), String(process.pid));
    let waited = false;
    const writing = writeFilesAtomic([{ path: join(dir, 'q.ts'), content: 'x' }], { onWait: () => { waited = true; } });
    await new Promise((r) => setTimeout(r, 300));
    expect(waited).toBe(true);
    expect(existsSync(join(dir, 'q.ts'))).toBe(false);
    rmSync(join(dir, '.deltagen.lock'), { recursive: true });
    await writing;
    expect(readFileSync(join(dir, 'q.ts'), 'utf8')).toBe('x');
  });
});
