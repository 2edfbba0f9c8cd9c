import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { main, type CliIo } from '../src/cli/main.ts';

export interface CliResult { code: number; stdout: string; stderr: string }

/** A stream for main() that keeps what is written; `isTTY` makes it look like a terminal. */
export function capture(isTTY = false): { write(chunk: string): boolean; readonly isTTY: boolean; readonly columns: number; readonly text: string } {
  let text = '';
  return { write(chunk) { text += chunk; return true; }, isTTY, columns: 120, get text() { return text; } };
}

/**
 * Run the command line in this process: main() with captured streams, `input`
 * as standard input. Fast (no process start, modules loaded once per file);
 * `io` overrides the rest (a signal for --watch, a terminal-like stderr, …).
 */
export async function deltagen(args: string[], input?: string, io: CliIo = {}): Promise<CliResult> {
  const stdout = capture();
  const stderr = capture();
  const code = await main(args, { stdout, stderr, stdin: Readable.from(input === undefined ? [] : [input]), ...io });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/**
 * Run the real command line as a process (bin/deltagen.js): slow (a second or
 * more each), so kept for the few tests that need a process. The other tests'
 * callers of this name (question, vocabulary) can move to `deltagen`.
 */
export function cli(args: string[], input?: string): CliResult {
  const r = spawnSync(process.execPath, ['bin/deltagen.js', ...args], { encoding: 'utf8', input, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
