// What deltagen writes for one network: the trainer module and the derivation.
import { join } from 'node:path';
import type { NotationName } from './render/notation.ts';
import { compileNetwork, renderLatex, renderTypeScript } from './pipeline.ts';
import type { Network } from './spec/types.ts';

export interface OutputFile {
  readonly path: string;
  readonly content: string;
}

export function outputsFor(network: Network, dir: string, options: { notation?: NotationName } = {}): OutputFile[] {
  const compiled = compileNetwork(network);
  return [
    { path: join(dir, `${network.name}.ts`), content: renderTypeScript(compiled) },
    { path: join(dir, `${network.name}.tex`), content: renderLatex(compiled, options) },
  ];
}
