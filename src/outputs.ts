// What deltagen writes for one network: the trainer module, the derivation in
// LaTeX, and the same derivation as a web page.
import { join } from 'node:path';
import type { LatexOptions } from './render/latex.ts';
import type { CodeOptions } from './render/typescript.ts';
import { generateHtml } from './render/html.ts';
import { compileNetwork, renderLatex, renderTypeScript } from './pipeline.ts';
import type { Network } from './spec/types.ts';

export interface OutputFile {
  readonly path: string;
  readonly content: string;
}

export type OutputOptions = Partial<LatexOptions> & Partial<CodeOptions>;

export function outputsFor(network: Network, dir: string, options: OutputOptions = {}): { ts: OutputFile; tex: OutputFile; html: OutputFile } {
  const compiled = compileNetwork(network);
  return {
    ts: { path: join(dir, `${network.name}.ts`), content: renderTypeScript(compiled, options) },
    tex: { path: join(dir, `${network.name}.tex`), content: renderLatex(compiled, options) },
    html: { path: join(dir, `${network.name}.html`), content: generateHtml(compiled, options) },
  };
}
