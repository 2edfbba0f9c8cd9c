// What deltagen writes for one network: the trainer module, the derivation in
// LaTeX, and the same derivation as a web page.
import { join } from 'node:path';
import { derivationDocument, latexOf, type LatexOptions } from './render/latex.ts';
import type { CodeOptions } from './render/typescript.ts';
import { htmlOf } from './render/html.ts';
import { compileNetwork, renderTypeScript } from './pipeline.ts';
import type { Network } from './spec/types.ts';

export interface OutputFile {
  readonly path: string;
  readonly content: string;
}

export type OutputOptions = Partial<LatexOptions> & Partial<CodeOptions>;

export function outputsFor(network: Network, dir: string, options: OutputOptions = {}): { ts: OutputFile; tex: OutputFile; html: OutputFile } {
  const compiled = compileNetwork(network);
  // The document (with the CAS's expansion for tiny networks) is built once for the LaTeX and the page;
  // the page is rendered only when someone asks for it.
  const doc = derivationDocument(compiled, options);
  return {
    ts: { path: join(dir, `${network.name}.ts`), content: renderTypeScript(compiled, options) },
    tex: { path: join(dir, `${network.name}.tex`), content: latexOf(doc, options.fragment ?? false) },
    get html(): OutputFile {
      return { path: join(dir, `${network.name}.html`), content: htmlOf(doc) };
    },
  };
}
