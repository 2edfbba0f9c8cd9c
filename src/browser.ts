// The library as the playground page uses it, in a browser: parse a network
// file's text, derive, print the derivation and the trainers, verify a claim.
// It imports nothing of Node's: the few modules that touch files, processes,
// worker threads or the package folder are replaced in the page's build by
// their stand-ins in src/platform/browser/ (scripts/build.mjs).
import { compileNetwork, documentOf, renderJavaScript, renderLatex, renderTypeScript, type AnyCompiled } from './pipeline.ts';
import { parseNetwork } from './spec/load.ts';
import { isGraph, type AnyNetwork } from './spec/graph-types.ts';
import { verify, type VerifyResult } from './verify/verify.ts';
import { formatResult } from './verify/report.ts';
import { readClaim } from './verify/claim.ts';
import { GraphNames } from './verify/graph-names.ts';
import { initialParams } from './train/train.ts';
import { layoutOf } from './graph/layout.ts';
import type { DerivationDocument, LatexOptions } from './render/latex.ts';

export { UserError } from './errors.ts';
export type { AnyNetwork, AnyCompiled, DerivationDocument, VerifyResult };

/** A network file's text (YAML or JSON) → the validated network; errors say `network.yaml:line:col: field: message`. */
export function parse(text: string): AnyNetwork {
  return parseNetwork(text, 'network.yaml');
}

export function derive(network: AnyNetwork): AnyCompiled {
  return compileNetwork(network);
}

/** The derivation's equations and prose, as the LaTeX and the HTML page print them. */
export function derivation(c: AnyCompiled, options: Partial<LatexOptions> = {}): DerivationDocument {
  return documentOf(c, options);
}

export const latex = (c: AnyCompiled, options: Partial<LatexOptions> = {}): string => renderLatex(c, options);
export const typescript = (c: AnyCompiled): string => renderTypeScript(c);
export const javascript = (c: AnyCompiled): string => renderJavaScript(c);

/** The parameters training starts from: the file's init, or its seeded random start. */
export function startingParams(network: AnyNetwork): { params: Float64Array; names: string[] } {
  return { params: initialParams(network), names: layoutOf(network).entries.map((e) => e.name) };
}

/**
 * Verify a claim `∂X/∂Y = formula` (LaTeX, as the question writes it), or a
 * formula with --of/--wrt given apart; `formula` in LaTeX when it has a backslash
 * or braces, else in mathjs syntax.
 */
export function verifyClaim(network: AnyNetwork, claim: string, given: { of?: string; wrt?: string } = {}): { result: VerifyResult; text: string } {
  const layers = isGraph(network) ? 0 : network.layers.length;
  const c = given.wrt ? { of: given.of ?? 'C', wrt: given.wrt, formula: claim } : readClaim(claim, layers, isGraph(network) ? new GraphNames(network) : undefined);
  const latexInput = /[\\{}^]/.test(c.formula);
  const result = verify(network, { of: c.of, wrt: c.wrt, ...(latexInput ? { latex: c.formula } : { formula: c.formula }) });
  return { result, text: formatResult(result) };
}
