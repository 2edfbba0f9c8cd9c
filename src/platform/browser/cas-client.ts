// The browser's stand-in for src/verify/cas-client.ts: the proof by nerdamer
// runs in a worker thread with a deadline in Node; a page has no way to wait
// for a worker synchronously on its main thread, so verify gives its numeric
// verdict there ("numerically-equal") and says the proof was not attempted.
export type CasAnswer = { readonly result: string } | { readonly error: string } | 'timeout';

export function casExpand(): CasAnswer {
  return { error: 'no computer algebra in the browser; the verdict is numeric' };
}

export function stopCas(): void {}
