// What deltagen writes for one network: the trainer module, the derivation in
// LaTeX, and the same derivation as a web page.
import { join } from 'node:path';
import { latexOf, type LatexOptions } from './render/latex.ts';
import type { CodeOptions } from './render/typescript.ts';
import { htmlOf } from './render/html.ts';
import { compileNetwork, documentOf, renderTypeScript } from './pipeline.ts';
import type { AnyNetwork } from './spec/graph-types.ts';

export interface OutputFile {
  readonly path: string;
  readonly content: string;
}

export type OutputOptions = Partial<LatexOptions> & Partial<CodeOptions>;

/** Memoize a computation that runs only if its result is asked for. */
function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) { value = f(); done = true; }
    return value;
  };
}

/**
 * The three files, each rendered only when it is read (`derive --ts x.ts` must not
 * pay for the LaTeX). `onStage` is told before each expensive step, for progress.
 */
export function outputsFor(network: AnyNetwork, dir: string, options: OutputOptions = {}, onStage: (what: string) => void = () => {}): { readonly ts: OutputFile; readonly tex: OutputFile; readonly html: OutputFile } {
  const compiled = once(() => { onStage('deriving'); return compileNetwork(network); });
  // The document (with the CAS's expansion for tiny networks) is built once for the LaTeX and the page.
  const doc = once(() => { const c = compiled(); onStage('building the derivation document'); return documentOf(c, options); });
  const ts = once(() => { const c = compiled(); onStage('rendering the trainer'); return renderTypeScript(c, options); });
  const tex = once(() => { const d = doc(); onStage('rendering the LaTeX'); return latexOf(d, options.fragment ?? false); });
  const html = once(() => { const d = doc(); onStage('rendering the web page'); return htmlOf(d); });
  const file = (ext: string, content: () => string): OutputFile => ({ path: join(dir, `${network.name}.${ext}`), get content() { return content(); } });
  return { ts: file('ts', ts), tex: file('tex', tex), html: file('html', html) };
}
