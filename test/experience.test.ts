import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'deltagen-ux-'));

describe('training plots', () => {
  it("train --plot draws the question's trajectory: the SVG's data is the trajectory, and a PNG renders", () => {
    const svgPath = join(tmp, 'q.svg');
    const r = cli(['train', 'examples/question.yaml', '--plot', svgPath, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const svg = readFileSync(svgPath, 'utf8');
    const data = JSON.parse(svg.match(/<metadata id="deltagen-data">([\s\S]*?)<\/metadata>/)![1]!.replace(/&lt;/g, '<').replace(/&amp;/g, '&')) as {
      trajectories: Record<string, number[]>; limits: Record<string, number>; losses: number[];
    };
    const traced = JSON.parse(cli(['train', 'examples/question.yaml', '--trace', '--json', '--quiet']).stdout) as { trajectory: { W1: number[][] }[]; losses: number[] };
    expect(data.trajectories['W1[1,1]']).toEqual(traced.trajectory.map((p) => p.W1[0]![0]));
    expect(data.losses).toEqual(traced.losses);
    expect(data.limits['W1[1,1]']).toBeCloseTo(50.1 / 5.7, 6); // W* = y / x, the target the asker trained towards
    // one marked point per iteration on the trajectory line
    expect((svg.match(/class="mark-symbol role-mark/g) ?? []).length).toBeGreaterThan(0);
    expect(svg).toContain('Parameters after each step');
    const pngPath = join(tmp, 'q.png');
    expect(cli(['train', 'examples/question.yaml', '--plot', pngPath, '--quiet']).code).toBe(0);
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

  it('larger networks get the loss and the gradient norm per layer', () => {
    const svgPath = join(tmp, 'iris.svg');
    expect(cli(['train', 'examples/iris.yaml', '--plot', svgPath, '--quiet', '--steps', '50']).code).toBe(0);
    const svg = readFileSync(svgPath, 'utf8');
    expect(svg).toContain('Gradient norm per layer');
    expect(svg).not.toContain('Parameters after each step');
  });
});

describe('progress', () => {
  it('shows a progress bar with steps per second and the loss in a terminal', () => {
    const r = spawnSync('script', ['-qfec', 'node bin/deltagen.js train examples/xor.yaml', '/dev/null'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/train xor \[[█░]+\] \d+\/8000 steps \| \d+ steps\/s \| loss /);
  });

  it('without a terminal it prints plain periodic lines, no control characters', () => {
    const r = cli(['train', 'examples/xor.yaml']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/train xor: 8000\/8000 steps, \d+ steps\/s, loss /);
    expect(r.stderr + r.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  it('--quiet silences it', () => {
    expect(cli(['train', 'examples/xor.yaml', '--quiet']).stderr).toBe('');
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

  it('init writes a starter file that derives and trains', () => {
    const r = spawnSync(process.execPath, [join(process.cwd(), 'bin/deltagen.js'), 'init', 'my-net'], { cwd: tmp, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(tmp, 'my-net.yaml'), 'utf8')).toContain('# A deltagen network file');
    expect(cli(['check', join(tmp, 'my-net.yaml')]).code).toBe(0);
    const again = spawnSync(process.execPath, [join(process.cwd(), 'bin/deltagen.js'), 'init', 'my-net'], { cwd: tmp, encoding: 'utf8' });
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('--force');
  });

  it('help teaches by example', () => {
    for (const args of [['--help'], ['derive', '--help'], ['check', '--help'], ['train', '--help'], ['verify', '--help'], ['init', '--help']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/Examples?:\n  deltagen /);
    }
  });
});

process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
