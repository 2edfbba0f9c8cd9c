// Child processes that Ctrl-C ends at once. A command runs in a process group
// of its own, so stopping it reaches its children too (TypeScript's `tsc` is a
// Node shim that starts the native compiler; Octave and Python start helpers).
import { spawn } from 'node:child_process';
import { Interrupted } from './atomic.ts';

export interface ProcessResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the command could not start (ENOENT: not installed). */
  readonly error?: Error;
}

/** Run a command to its end; when `signal` aborts, its whole process group is killed. */
export function runProcess(command: string, args: readonly string[], options: { cwd?: string; signal?: AbortSignal } = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) });
    const stop = (): void => {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    };
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    const done = (result: ProcessResult): void => {
      options.signal?.removeEventListener('abort', stop);
      resolve(result);
    };
    child.on('error', (error) => done({ status: null, stdout, stderr, error }));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/**
 * Run `body` with SIGINT and SIGTERM taken over: a signal aborts the body's
 * AbortSignal (so its processes end), and once the body has cleaned up, the
 * run ends with Interrupted (exit 130 or 143); `left` says what was undone.
 */
export async function interruptible<T>(left: string, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals): void => {
    received ??= s;
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await body(abort.signal);
    if (received) throw new Interrupted(received, left);
    return result;
  } catch (err) {
    throw received ? new Interrupted(received, left) : err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
