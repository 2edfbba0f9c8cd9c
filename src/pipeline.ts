// The pipeline in one place: Network → Graph → Derivation → Routine → outputs.
// The CLI, the generate script and the tests all go through here.
import { derive, type Derivation } from './derive/derive.ts';
import { buildGraph } from './graph/build.ts';
import { lower, type Routine } from './lower/routine.ts';
import { generateLatex, type LatexOptions } from './render/latex.ts';
import { generateTypeScript } from './render/typescript.ts';
import type { Network } from './spec/types.ts';

export interface Compiled {
  readonly network: Network;
  readonly derivation: Derivation;
  readonly routine: Routine;
}

export function compileNetwork(network: Network): Compiled {
  const derivation = derive(buildGraph(network));
  return { network, derivation, routine: lower(derivation) };
}

export function renderTypeScript(c: Compiled): string {
  return generateTypeScript(c.network, c.routine);
}

export function renderLatex(c: Compiled, options: Partial<LatexOptions> = {}): string {
  return generateLatex(c, options);
}
