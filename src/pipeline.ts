// The pipeline in one place: Network → Graph → Derivation → Routine → outputs.
// The CLI, the generate script and the tests all go through here.
import { derive, type Derivation } from './derive/derive.ts';
import { buildGraph } from './graph/build.ts';
import { lower, type Routine } from './lower/routine.ts';
import type { LatexOptions } from './render/latex.ts';
import { generateJavaScript, generateTypeScript, type CodeOptions } from './render/typescript.ts';
import type { Network } from './spec/types.ts';
import { generateOctave } from './render/octave.ts';
import { generateNumPy } from './render/numpy.ts';
import { isGraph, type AnyNetwork, type GraphNetwork } from './spec/graph-types.ts';
import { deriveGraph, type GraphDerivation } from './derive/graph.ts';
import { generateGraphDeclarations, generateGraphJavaScript, generateGraphModule } from './render/graph-code.ts';
import { graphDerivationDocument } from './render/graph-latex.ts';
import { generateGraphNumPy, generateGraphOctave } from './render/graph-array.ts';
import { derivationDocument, latexOf, type DerivationDocument } from './render/latex.ts';
import { generateDeclarations } from './render/typescript.ts';
import { LABEL_PREFIX, LABEL_PREFIX_RULE } from './api-options.ts';
import { UserError } from './errors.ts';

/** A network with its derivation; the unrolled scalar routine is built only when asked for. */
export class Compiled {
  private lowered?: Routine;
  constructor(readonly network: Network, readonly derivation: Derivation) {}
  get routine(): Routine {
    this.lowered ??= lower(this.derivation);
    return this.lowered;
  }
}

/** A graph network (`nodes:`) with its derivation: the adjoint terms of every node through time. */
export class CompiledGraph {
  constructor(readonly network: GraphNetwork, readonly derivation: GraphDerivation) {}
}

/** What derive() gives for either form. */
export type AnyCompiled = Compiled | CompiledGraph;

export function compileNetwork(network: Network): Compiled;
export function compileNetwork(network: GraphNetwork): CompiledGraph;
export function compileNetwork(network: AnyNetwork): AnyCompiled;
export function compileNetwork(network: AnyNetwork): AnyCompiled {
  // Validated once, then frozen: names printed into code, LaTeX and file names cannot change afterwards.
  deepFreeze(network);
  if (isGraph(network)) return new CompiledGraph(network, deriveGraph(network));
  return new Compiled(network, derive(buildGraph(network)));
}

export function renderTypeScript(c: AnyCompiled, options: Partial<CodeOptions> = {}): string {
  if (c instanceof CompiledGraph) return generateGraphModule(c.derivation, options);
  return generateTypeScript(c, options);
}

/** The same module as plain JavaScript (an ES module without types), as the CLI and the library load it. */
export function renderJavaScript(c: AnyCompiled, options: Partial<CodeOptions> = {}): string {
  if (c instanceof CompiledGraph) return generateGraphJavaScript(c.derivation, options);
  return generateJavaScript(c, options);
}

/** The .d.ts of the JavaScript module. */
export function renderDeclarations(c: AnyCompiled): string {
  if (c instanceof CompiledGraph) return generateGraphDeclarations(c.derivation);
  return generateDeclarations(c);
}

export function renderLatex(c: AnyCompiled, options: Partial<LatexOptions> = {}): string {
  return latexOf(documentOf(c, options), options.fragment ?? false);
}

/** Freezes an object and everything it holds (a validated network is plain data). */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

/** The document the LaTeX and the page are printed from. */
export function documentOf(c: AnyCompiled, options: Partial<LatexOptions> = {}): DerivationDocument {
  // Printed into every \\label: checked here too, whoever calls (the command line, the library, the page).
  if (options.labelPrefix !== undefined && !LABEL_PREFIX.test(options.labelPrefix)) throw new UserError(`labelPrefix: ${LABEL_PREFIX_RULE}; found ${JSON.stringify(options.labelPrefix)}`);
  if (c instanceof CompiledGraph) return graphDerivationDocument(c.derivation, options);
  return derivationDocument(c, options);
}

/** The trainer as a MATLAB / GNU Octave function file (<name>.m), printed from the derivation's matrix form (a graph network: from its adjoint terms). */
export function renderOctave(c: AnyCompiled): string {
  if (c instanceof CompiledGraph) return generateGraphOctave(c.derivation);
  return generateOctave(c);
}

/** The trainer as a Python module using NumPy (<name>.py), printed from the derivation's matrix form (a graph network: from its adjoint terms). */
export function renderNumPy(c: AnyCompiled): string {
  if (c instanceof CompiledGraph) return generateGraphNumPy(c.derivation);
  return generateNumPy(c);
}
