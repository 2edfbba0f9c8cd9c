// Shared by the commands: the error boundary and output helpers.
import { CheckFailure, UserError } from '../errors.ts';

export const REPORT_URL = 'the deltagen issue tracker';

/** Run a command body; map our error kinds to exit codes and one-line messages. */
export async function guard(body: () => Promise<void> | void): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`deltagen: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof CheckFailure) {
      process.stderr.write(`deltagen: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`deltagen: internal error (a bug in deltagen, please report it to ${REPORT_URL} with the input that caused it):\n${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 3;
    }
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag}: expected a whole number of at least 1, found "${value}"`);
  return n;
}
