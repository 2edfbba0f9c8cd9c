// Writes never leave a half-written file: content goes to a temporary file in
// the target folder, then is renamed into place (atomic on one file system).
// A set of files is written under a lock on its folder, so two runs writing the
// same folder at once end with one complete set, and an interrupt (SIGINT,
// SIGTERM) during the writes removes the temporary files before exiting.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';

export interface FileToWrite {
  readonly path: string;
  readonly content: string | Uint8Array;
}

const LOCK_NAME = '.deltagen.lock';
const LOCK_WAIT_MS = 30_000;
const STALE_LOCK_MS = 120_000;

const pending = new Set<string>();

function cleanUp(): void {
  for (const p of pending) rmSync(p, { recursive: true, force: true });
  pending.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  cleanUp();
  process.stderr.write(`deltagen: interrupted (${signal}); files already written are complete, nothing half-written was left\n`);
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function lock(dir: string): string {
  const path = join(dir, LOCK_NAME);
  const start = Date.now();
  for (;;) {
    try {
      mkdirSync(path);
      pending.add(path);
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(path).mtimeMs > STALE_LOCK_MS) rmSync(path, { recursive: true, force: true });
      } catch { /* released meanwhile */ }
      if (Date.now() - start > LOCK_WAIT_MS) throw new UserError(`${dir}: another deltagen run holds ${LOCK_NAME}; remove it if no run is active`);
      sleep(50);
    }
  }
}

function writeOne(file: FileToWrite): void {
  const tmp = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  pending.add(tmp);
  try {
    writeFileSync(tmp, file.content);
    renameSync(tmp, file.path);
  } finally {
    rmSync(tmp, { force: true });
    pending.delete(tmp);
  }
}

/** Write every file, each complete or not at all; all are rendered before this is called. */
export function writeFilesAtomic(files: readonly FileToWrite[]): void {
  const dirs = [...new Set(files.map((f) => resolve(dirname(f.path))))].sort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const locks: string[] = [];
  let current = '';
  try {
    for (const dir of dirs) {
      current = dir;
      mkdirSync(dir, { recursive: true });
      locks.push(lock(dir));
    }
    for (const f of files) {
      current = f.path;
      writeOne(f);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const hint = code === 'EISDIR' ? ' (it is a folder)' : code === 'EACCES' || code === 'EPERM' ? ' (permission denied)' : code === 'ENOSPC' ? ' (no space left on the device)' : '';
    throw new UserError(`${current}: cannot write: ${code}${hint}; files written before are intact`);
  } finally {
    for (const l of locks) { rmSync(l, { recursive: true, force: true }); pending.delete(l); }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function writeFileAtomic(path: string, content: string): void {
  writeFilesAtomic([{ path, content }]);
}
