// The browser's stand-in for src/verify/cas-client.ts: in Node the CAS runs in
// a worker thread with a deadline; a page cannot wait for a worker
// synchronously on its main thread. So verify gives its numeric verdict there
// ("numerically-equal") and says the proof was not attempted, and the CAS work
// of a derivation runs in the page's own thread (CAS_WORKER false).
export type CasAnswer = { readonly result: string } | { readonly error: string } | 'timeout';

export const CAS_WORKER = false;

export function casExpand(): CasAnswer {
  return { error: 'no computer algebra in the browser; the verdict is numeric' };
}

export function casJob(): CasAnswer {
  return { error: 'no CAS worker in the browser' };
}

export function stopCas(): void {}
