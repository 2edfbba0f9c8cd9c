// Writes never leave a half-written file: content goes to a temporary file in
// the target folder, then is renamed into place (atomic on one file system).
// A set of files is written under a lock on its folder, so two runs writing the
// same folder at once end with one complete set.
//
// Interrupts: outside the writes SIGINT/SIGTERM keep their default (the process
// ends at once, and nothing is half-written because nothing is being written).
// During the writes a listener takes them over, so the current file finishes or
// is removed, the lock is released, and `Interrupted` is thrown; the command line
// turns it into exit 130 (143 for SIGTERM). Nothing here calls process.exit, so
// a run inside another process (a test worker) is never ended by it. The writes
// are asynchronous on purpose: a signal reaches its listener only when the event
// loop turns, and waiting for another run's lock must not block the thread.
import { lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';

export interface FileToWrite {
  readonly path: string;
  readonly content: string | Uint8Array;
}

/** The writes were stopped by a signal; files renamed before it are complete. */
export class Interrupted extends Error {
  readonly exitCode: number;
  constructor(readonly signal: NodeJS.Signals, left = 'files already written are complete, nothing half-written was left') {
    super(`interrupted (${signal}); ${left}`);
    this.name = 'Interrupted';
    this.exitCode = signal === 'SIGINT' ? 130 : 143;
  }
}

const LOCK_NAME = '.deltagen.lock';
const LOCK_WAIT_MS = 30_000;
const STALE_LOCK_MS = 120_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface WriteOptions {
  /** Told once when another run holds a folder's lock and this one waits for it. */
  readonly onWait?: (dir: string, lock: string) => void;
  /** Files that must never be overwritten (the run's input files). */
  readonly protect?: readonly string[];
}

/** Whether a process with this id runs on this machine (a lock or temporary file of a dead one is stale). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const statOrUndefined = (path: string): Stats | undefined => {
  try { return statSync(path); } catch { return undefined; }
};

/**
 * The file a path names: a symbolic link is followed to its target, so the file is written
 * through the link (a rename onto the link itself would replace the link with a regular file,
 * /dev/stdout included). A link to a missing file, or into /dev or /proc, is refused.
 */
function throughLinks(path: string): string {
  let link = false;
  try { link = lstatSync(path).isSymbolicLink(); } catch { return path; }
  if (!link) return path;
  let target: string;
  try { target = realpathSync(path); } catch {
    throw new UserError(`${path}: is a symbolic link to a missing file; give the file itself`);
  }
  // /dev/stdout leads through /proc/self/fd/1 to whatever the shell opened: never replaced.
  if (/^\/(dev|proc)\//.test(resolve(path)) || /^\/(dev|proc)\//.test(target)) throw new UserError(`${path}: is a link that leads through /dev or /proc (to ${target}); deltagen writes only regular files it names itself (use - for standard output)`);
  return target;
}

/**
 * Refuse, before anything is written, outputs that would destroy something: a
 * path named twice, an input file, or anything but a regular file (a device
 * such as /dev/full or /dev/stdout, a FIFO, a folder), which a rename would
 * replace with a regular file.
 */
function refuseUnsafeTargets(files: readonly FileToWrite[], targets: readonly string[], protect: readonly string[]): void {
  const seen = new Map<string, string>();
  const protectedFiles = protect.map((p) => ({ path: p, stat: statOrUndefined(p) }));
  for (const [i, f] of files.entries()) {
    const key = resolve(targets[i]!);
    const twice = seen.get(key);
    if (twice !== undefined) throw new UserError(`${f.path}: named for two outputs (${twice} and this one); give each output its own file`);
    seen.set(key, f.path);
    const stat = statOrUndefined(f.path);
    if (stat && !stat.isFile()) {
      const kind = stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a pipe (FIFO)' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : 'not a regular file';
      throw new UserError(`${f.path}: is ${kind}, not a regular file; deltagen writes only regular files (use - for standard output)`);
    }
    for (const p of protectedFiles) {
      const same = stat && p.stat ? stat.dev === p.stat.dev && stat.ino === p.stat.ino : key === resolve(p.path);
      if (same) throw new UserError(`${f.path}: is the input file ${p.path}; choose another output`);
    }
  }
}

/** Temporary files `.<name>.<pid>.<hex>.tmp` left in a folder by a run that was killed (its process is gone). */
function removeStaleTemporaries(dir: string): void {
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const name of names) {
    const m = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name);
    if (m && !alive(Number(m[1]))) rmSync(join(dir, name), { force: true });
  }
}

/** The pid recorded in a lock, if it can be read. */
function lockOwner(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(path, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function lock(dir: string, stopped: () => NodeJS.Signals | undefined, onWait: WriteOptions['onWait']): Promise<string> {
  const path = join(dir, LOCK_NAME);
  const start = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      removeStaleTemporaries(dir);
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock whose process is gone (killed mid-write) is taken over at once; one without a readable
      // owner (being created this instant, or from an older version) only when it is old.
      const owner = lockOwner(path);
      try {
        if (owner !== undefined ? !alive(owner) : Date.now() - statSync(path).mtimeMs > STALE_LOCK_MS) {
          rmSync(path, { recursive: true, force: true });
          continue;
        }
      } catch { /* released meanwhile */ }
      if (Date.now() - start > LOCK_WAIT_MS) throw new UserError(`${dir}: another deltagen run holds ${LOCK_NAME}; remove it if no run is active`);
      if (attempt === 0) onWait?.(dir, path);
      await sleep(50);
      const signal = stopped();
      if (signal) throw new Interrupted(signal);
    }
  }
}

/** Write every file, each complete or not at all; all are rendered before this is called. */
export async function writeFilesAtomic(files: readonly FileToWrite[], options: WriteOptions = {}): Promise<void> {
  // Read lazily rendered contents first, so a rendering error is not reported as a write error.
  const contents = files.map((f) => f.content);
  // The files written: a link's target (its folder locked), the link left as it is. Messages name the paths given.
  const targets = files.map((f) => throughLinks(f.path));
  refuseUnsafeTargets(files, targets, options.protect ?? []);
  const dirs = [...new Set(targets.map((t) => resolve(dirname(t))))].sort();
  let signal: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals): void => { signal ??= s; };
  const check = (): void => { if (signal) throw new Interrupted(signal); };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const locks: string[] = [];
  let current = '';
  try {
    for (const dir of dirs) {
      current = dir;
      mkdirSync(dir, { recursive: true });
      locks.push(await lock(dir, () => signal, options.onWait));
    }
    for (const [i, path] of targets.entries()) {
      current = path;
      const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        await writeFile(tmp, contents[i]!);
        check(); // the file is not renamed into place once an interrupt came
        await rename(tmp, path);
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    check(); // an interrupt during the last rename still ends the run
  } catch (err) {
    if (err instanceof UserError || err instanceof Interrupted) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const hint = code === 'EISDIR' ? ' (it is a folder)' : code === 'EACCES' || code === 'EPERM' ? ' (permission denied)' : code === 'ENOSPC' ? ' (no space left on the device)' : '';
    throw new UserError(`${current}: cannot write: ${code}${hint}; files written before are intact`);
  } finally {
    for (const l of locks) rmSync(l, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function writeFileAtomic(path: string, content: string): Promise<void> {
  return writeFilesAtomic([{ path, content }]);
}
