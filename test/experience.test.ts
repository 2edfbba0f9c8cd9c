import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capture, deltagen } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'deltagen-ux-'));

describe('training plots', () => {
  it("train --plot draws the question's trajectory: the SVG's data is the trajectory, and a PNG renders", async () => {
    const svgPath = join(tmp, 'q.svg');
    const r = await deltagen(['train', 'examples/question.yaml', '--plot', svgPath, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const svg = readFileSync(svgPath, 'utf8');
    const data = JSON.parse(svg.match(/<metadata id="deltagen-data">([\s\S]*?)<\/metadata>/)![1]!.replace(/&lt;/g, '<').replace(/&amp;/g, '&')) as {
      trajectories: Record<string, number[]>; limits: Record<string, number>; losses: number[];
    };
    const traced = JSON.parse((await deltagen(['train', 'examples/question.yaml', '--trace', '--json', '--quiet'])).stdout) as { trajectory: { W1: number[][] }[]; losses: number[] };
    expect(data.trajectories['W1[1,1]']).toEqual(traced.trajectory.map((p) => p.W1[0]![0]));
    expect(data.losses).toEqual(traced.losses);
    expect(data.limits['W1[1,1]']).toBeCloseTo(50.1 / 5.7, 6); // W* = y / x, the target the asker trained towards
    // one marked point per iteration on the trajectory line
    expect((svg.match(/class="mark-symbol role-mark/g) ?? []).length).toBeGreaterThan(0);
    expect(svg).toContain('Parameters after each step');
    const pngPath = join(tmp, 'q.png');
    expect((await deltagen(['train', 'examples/question.yaml', '--plot', pngPath, '--quiet'])).code).toBe(0);
    const png = readFileSync(pngPath);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  });

  it('the README embeds the SVG and the PNG of the question\'s plot from generated/', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const picture of ['generated/question-trajectory.svg', 'generated/question-trajectory.png']) {
      expect(readme).toMatch(new RegExp(`!\\[[^\\]]*\\]\\(${picture.replace('.', '\\.')}\\)`));
      expect(readFileSync(picture).length).toBeGreaterThan(10_000);
    }
  });

  it('larger networks get the loss and the gradient norm per layer', async () => {
    const svgPath = join(tmp, 'iris.svg');
    expect((await deltagen(['train', 'examples/iris.yaml', '--plot', svgPath, '--quiet', '--steps', '50'])).code).toBe(0);
    const svg = readFileSync(svgPath, 'utf8');
    expect(svg).toContain('Gradient norm per layer');
    expect(svg).not.toContain('Parameters after each step');
  });
});

describe('progress', () => {
  // progressAfterMs: 0 shows progress at once; by default it waits about a second.
  it('shows a progress bar with steps per second and the loss in a terminal', async () => {
    const stderr = capture(true);
    const r = await deltagen(['train', 'examples/xor.yaml'], undefined, { stderr, progressAfterMs: 0 });
    expect(r.code, stderr.text).toBe(0);
    expect(stderr.text).toMatch(/train xor \[[█░]+\] \d+\/8000 steps \| \d+ steps\/s \| loss /);
  });

  it('without a terminal it prints plain periodic lines, no control characters', async () => {
    const r = await deltagen(['train', 'examples/xor.yaml'], undefined, { progressAfterMs: 0 });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/train xor: 8000\/8000 steps, \d+ steps\/s, loss /);
    expect(r.stderr + r.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  it('a run shorter than about a second shows none', async () => {
    expect((await deltagen(['train', 'examples/question.yaml'])).stderr).toBe('');
  });

  it('--quiet silences it', async () => {
    expect((await deltagen(['train', 'examples/xor.yaml', '--quiet'], undefined, { progressAfterMs: 0 })).stderr).toBe('');
  });
});

describe('for a newcomer', () => {
  it('the library API example runs', () => {
    const r = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'examples/api.ts'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('check: passed');
    expect(r.stdout).toContain('verify dC/dW1 = 2 (W1 a0 - y) a0: equivalent');
    expect(r.stdout).toContain('train: W1 = 8.7893');
  });

  it('init writes a starter file that derives and trains', async () => {
    const target = join(tmp, 'my-net');
    const r = await deltagen(['init', target]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(`${target}.yaml`, 'utf8')).toContain('# A deltagen network file');
    expect(readFileSync(`${target}.yaml`, 'utf8')).toContain('name: my-net ');
    expect((await deltagen(['check', `${target}.yaml`])).code).toBe(0);
    const again = await deltagen(['init', target]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
  });

  it('help teaches by example', async () => {
    for (const args of [['--help'], ['derive', '--help'], ['check', '--help'], ['train', '--help'], ['verify', '--help'], ['init', '--help']]) {
      const r = await deltagen(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/Examples?:\n  deltagen /);
    }
  });
});

process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
