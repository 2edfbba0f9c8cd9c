// The pipeline in one place: Network → Graph → Derivation → Routine → outputs.
// The CLI, the generate script and the tests all go through here.
import { derive, type Derivation } from './derive/derive.ts';
import { buildGraph } from './graph/build.ts';
import { lower, type Routine } from './lower/routine.ts';
import { generateLatex, type LatexOptions } from './render/latex.ts';
import { generateJavaScript, generateTypeScript, type CodeOptions } from './render/typescript.ts';
import type { Network } from './spec/types.ts';
import { generateOctave } from './render/octave.ts';
import { generateNumPy } from './render/numpy.ts';

/** A network with its derivation; the unrolled scalar routine is built only when asked for. */
export class Compiled {
  private lowered?: Routine;
  constructor(readonly network: Network, readonly derivation: Derivation) {}
  get routine(): Routine {
    this.lowered ??= lower(this.derivation);
    return this.lowered;
  }
}

export function compileNetwork(network: Network): Compiled {
  return new Compiled(network, derive(buildGraph(network)));
}

export function renderTypeScript(c: Compiled, options: Partial<CodeOptions> = {}): string {
  return generateTypeScript(c, options);
}

/** The same module as plain JavaScript (an ES module without types), as the CLI and the library load it. */
export function renderJavaScript(c: Compiled, options: Partial<CodeOptions> = {}): string {
  return generateJavaScript(c, options);
}

export function renderLatex(c: Compiled, options: Partial<LatexOptions> = {}): string {
  return generateLatex(c, options);
}

/** The trainer as a MATLAB / GNU Octave function file (<name>.m), printed from the derivation's matrix form. */
export function renderOctave(c: Compiled): string {
  return generateOctave(c);
}

/** The trainer as a Python module using NumPy (<name>.py), printed from the derivation's matrix form. */
export function renderNumPy(c: Compiled): string {
  return generateNumPy(c);
}
