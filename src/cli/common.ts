// Shared by the commands: where a run reads and writes, the error boundary and
// small parsers. Loaded for every run (even --help), so it imports nothing heavy.
import { CheckFailure, UserError } from '../errors.ts';
import { Interrupted, writeFilesAtomic, type FileToWrite } from '../io/atomic.ts';

export const REPORT_URL = 'the deltagen issue tracker';

/** A stream the command line writes to: process.stdout, or a test's capture. */
export interface Out {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Where one run reads and writes; every field defaults to the process's own. */
export interface CliIo {
  stdout?: Out;
  stderr?: Out;
  /** Read when FILE is `-`. */
  stdin?: AsyncIterable<string | Uint8Array>;
  /** Ends `derive --watch`; without it the watch ends on SIGINT. */
  signal?: AbortSignal;
  /** Progress appears once a command has run this long (default 1000 ms; tests use 0). */
  progressAfterMs?: number;
}

/** What a command's implementation gets: the io of this run, nothing process-global. */
export interface Ctx {
  readonly stdout: Out;
  readonly stderr: Out;
  readonly stdin: AsyncIterable<string | Uint8Array>;
  readonly signal: AbortSignal | undefined;
  readonly progressAfterMs: number;
  /** The files this run read: outputs never overwrite them. */
  readonly inputs: string[];
}

export function contextOf(io: CliIo = {}): Ctx {
  return {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    // process.stdin is touched only when read: creating it can hold the process open.
    stdin: io.stdin ?? { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
    signal: io.signal,
    progressAfterMs: io.progressAfterMs ?? 1000,
    inputs: [],
  };
}

/** One line for any message: a suggestion that was on the next line joins it. */
export function oneLine(text: string): string {
  return text.split('\n').map((s) => s.trim()).filter(Boolean).join(' ');
}

/**
 * Report an error: one line on stderr, and with --json the error as the one
 * object on stdout. Returns the exit code: 2 bad input, 1 a failed check,
 * 130/143 interrupted, 3 a bug of ours.
 */
export function reportError(ctx: Ctx, err: unknown, json: boolean, jsonFields: Record<string, unknown> = {}): number {
  const known = err instanceof UserError || err instanceof CheckFailure || err instanceof Interrupted;
  const exitCode = known ? err.exitCode : 3;
  const position = (err as { position?: unknown }).position;
  // A formula error (it has a position) keeps its picture: the formula with a caret, on the two lines after its message.
  const message = known ? (typeof position === 'number' ? err.message : oneLine(err.message)) : `internal error (a bug in deltagen; please report it to ${REPORT_URL} with the input that caused it; DELTAGEN_DEBUG=1 prints the stack): ${oneLine(String((err as Error)?.message ?? err))}`;
  ctx.stderr.write(`deltagen: ${message}\n`);
  if (!known && process.env.DELTAGEN_DEBUG) ctx.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  if (json) {
    printJson(ctx, { ...jsonFields, error: { message: message.split('\n')[0], exitCode, ...(typeof position === 'number' ? { position } : {}) } });
  }
  return exitCode;
}

/** Run a command body; its result (or 0) is the exit code, errors are reported. */
export async function guard(ctx: Ctx, json: boolean, body: () => Promise<number | void>, jsonFields?: Record<string, unknown>): Promise<number> {
  try {
    return (await body()) ?? 0;
  } catch (err) {
    return reportError(ctx, err, json, jsonFields);
  }
}

/** Write files atomically, saying so on stderr if another run's lock makes this one wait. */
export function writeFiles(ctx: Ctx, files: readonly FileToWrite[]): Promise<void> {
  return writeFilesAtomic(files, {
    protect: ctx.inputs,
    onWait: (dir, lock) => ctx.stderr.write(`deltagen: waiting for another run writing to ${dir} (${lock}); Ctrl-C stops\n`),
  });
}

export function printJson(ctx: Ctx, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function parsePositiveInt(value: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag}: expected a whole number of at least 1, found "${value}"`);
  if (n > max) throw new UserError(`${flag}: at most ${max}, found "${value}"`);
  return n;
}

/** Bounds of numeric options: work a user can ask for ends in seconds. */
export const LIMITS = {
  /** Random points of check and verify. */
  points: 10_000,
  /** Scalar derivatives written out in full: 26 parameters take 7 s, 52 take 29 s. */
  expandLimit: 32,
} as const;

export function parseUnroll(value: string): 'full' | 'loops' | 'auto' {
  if (value === 'full' || value === 'loops' || value === 'auto') return value;
  throw new UserError(`--unroll: expected full, loops or auto, found "${value}"`);
}
