// verify's way to the CAS: nerdamer runs in a worker thread, started the
// first time a proof needs it (a verify that needs no CAS pays nothing), and
// terminated when a call passes its deadline. The caller stays synchronous:
// it posts the job, then sleeps in Atomics.wait on a shared word the worker
// sets when its answer is on the port, and takes the answer with
// receiveMessageOnPort.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { packageRoot } from '../package-root.ts';

interface Running { readonly worker: Worker; readonly port: MessagePort; readonly flag: Int32Array }

let running: Running | undefined;
let nextId = 1;

/**
 * The worker script: its bundle in dist/ when built (mathjs and nerdamer in one file, loaded in a
 * fraction of the time), else the plain .mjs beside this file (tsx, vitest before a build).
 */
function workerUrl(): URL {
  const built = pathToFileURL(join(packageRoot(), 'dist', 'verify', 'cas-worker.js'));
  if (!import.meta.url.endsWith('.ts') || existsSync(built)) return built;
  return new URL('./cas-worker.mjs', import.meta.url);
}

function start(): Running | undefined {
  const url = workerUrl();
  if (!existsSync(url)) return undefined; // a build without the worker: no proof, at once rather than at the deadline
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  // A runaway expansion ends the worker (out of memory), not the process.
  const worker = new Worker(url, { workerData: { port: port2, flag }, transferList: [port2], resourceLimits: { maxOldGenerationSizeMb: 512 } });
  // An idle CAS must not keep the process alive, nor a failed one crash it.
  worker.unref();
  worker.on('error', () => { if (running?.worker === worker) running = undefined; });
  port1.unref();
  return { worker, port: port1, flag };
}

/** Stop the CAS now (a call ran past its deadline); the next call starts a fresh one. */
export function stopCas(): void {
  const r = running;
  running = undefined;
  if (r) {
    r.port.close();
    void r.worker.terminate();
  }
}

export type CasAnswer = { readonly result: string } | { readonly error: string } | 'timeout';

/** The jobs the worker knows (src/verify/cas-worker.mjs). */
export type CasJob =
  | { readonly op: 'expand'; readonly text: string }
  | { readonly op: 'nerdamer'; readonly text: string }
  | { readonly op: 'derivative'; readonly text: string; readonly variable: string; readonly simplifyLimit: number };

/** The worker runs here (Node); the page's stand-in says it has none, and the CAS then runs in the page's thread. */
export const CAS_WORKER = true;

/** nerdamer's expand(text), or 'timeout' when it has not answered by `deadline` (ms since the epoch). */
export function casExpand(text: string, deadline: number): CasAnswer {
  return casJob({ op: 'expand', text }, deadline);
}

/** One job in the worker, or 'timeout' when it has not answered by `deadline` (then the worker is stopped). */
export function casJob(job: CasJob, deadline: number): CasAnswer {
  if (Date.now() >= deadline) return 'timeout';
  const r = (running ??= start());
  if (!r) return { error: 'the CAS worker is not in this build' };
  const id = nextId++;
  r.port.postMessage({ id, ...job });
  for (;;) {
    const seen = Atomics.load(r.flag, 0);
    if (seen === id) {
      const got = receiveMessageOnPort(r.port);
      if (got) {
        const m = got.message as { id: number; result?: string; error?: string };
        if (m.id !== id) continue;
        return m.result !== undefined ? { result: m.result } : { error: m.error ?? 'no answer' };
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      stopCas();
      return 'timeout';
    }
    // Woken when the worker stores an id; a short nap when the message is not yet on the port.
    Atomics.wait(r.flag, 0, seen, seen === id ? 1 : left);
  }
}
