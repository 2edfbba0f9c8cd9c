// CLI start-up: wall time of whole commands in fresh processes (median of 7),
// for the built package (bin/deltagen.js → dist/) and, in the same run, for the
// previous release (the TypeScript sources run through tsx), checked out from
// git into a temporary worktree that shares this checkout's node_modules.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The last commit before the compiled package (issue 11): its bin loads the sources through tsx. */
export const PREVIOUS_RELEASE = 'e89d79f';

export interface StartupRow {
  readonly command: string;
  readonly goal: number;
  /** Median seconds, current build. */
  readonly current: number;
  /** Median seconds, previous release (undefined when it cannot be checked out). */
  readonly previous?: number;
}

const VERIFY_FORMULA = 'W(k+1) = W(k) - R a^{(L-1)}_{i} 2(a^{(L-1)}_{i} W(k) - a^{(L)^*}_{i})';

function commands(out: string): { name: string; args: string[]; goal: number }[] {
  return [
    { name: '--help', args: ['--help'], goal: 0.3 },
    { name: 'derive examples/question.yaml', args: ['derive', 'examples/question.yaml', '--out', out], goal: 0.8 },
    { name: 'verify (the README\'s first formula)', args: ['verify', 'examples/question.yaml', '--wrt', 'W1', '--update', '--latex', VERIFY_FORMULA], goal: 1.0 },
    { name: 'check examples/xor.yaml', args: ['check', 'examples/xor.yaml'], goal: 1.5 },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeRun(bin: string, args: string[], cwd: string): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return seconds;
}

/** A worktree of the previous release, or undefined where git cannot make one (a shallow clone). */
function previousRelease(): { dir: string; done: () => void } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'deltagen-previous-'));
  try {
    execFileSync('git', ['worktree', 'add', '--detach', dir, PREVIOUS_RELEASE], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  return { dir, done: () => { execFileSync('git', ['worktree', 'remove', '--force', dir], { stdio: 'ignore' }); } };
}

export function startupTable(rounds = 7, onRow: (row: StartupRow) => void = () => {}): StartupRow[] {
  const out = mkdtempSync(join(tmpdir(), 'deltagen-startup-'));
  const previous = previousRelease();
  const rows: StartupRow[] = [];
  try {
    for (const c of commands(out)) {
      const current: number[] = [];
      const before: number[] = [];
      // Alternate the two so that load on the machine falls on both alike.
      for (let i = 0; i < rounds; i++) {
        current.push(timeRun(resolve('bin/deltagen.js'), c.args, resolve('.')));
        if (previous) before.push(timeRun(join(previous.dir, 'bin/deltagen.js'), c.args, previous.dir));
      }
      const row: StartupRow = { command: c.name, goal: c.goal, current: median(current), ...(previous ? { previous: median(before) } : {}) };
      rows.push(row);
      onRow(row);
    }
  } finally {
    previous?.done();
    rmSync(out, { recursive: true, force: true });
  }
  return rows;
}
