// deltagen's public library API: the same functions the command line uses.
//
//   import { derive, generate, check, verify, train } from 'deltagen';
//   const compiled = derive('examples/question.yaml');
//   const { ts, tex, html } = generate(compiled, { out: 'generated' });
import { checkNetwork, type FullCheckReport } from './check/run.ts';
import { loadModule, type TrainerModule } from './compile/compile.ts';
import { outputsFor, type OutputFile, type OutputOptions } from './outputs.ts';
import { checkOptions } from './api-options.ts';
import { UserError } from './errors.ts';
import { Compiled, CompiledGraph, compileNetwork, renderJavaScript as javaScriptOf, renderLatex as latexOf, renderTypeScript as typeScriptOf, type AnyCompiled } from './pipeline.ts';
import type { LatexOptions } from './render/latex.ts';
import type { CodeOptions } from './render/typescript.ts';
import type { PlotData } from './plot/data.ts';
import { loadNetworkFile } from './spec/load.ts';
import { networkFromObject } from './spec/object.ts';
import type { Network } from './spec/types.ts';
import type { AnyNetwork, GraphNetwork } from './spec/graph-types.ts';
import { plotData } from './train/plot-data.ts';
import { runTraining, type TrainOptions, type TrainResult } from './train/train.ts';
import { verify as verifyFormula, type VerifyOptions, type VerifyResult } from './verify/verify.ts';

/** A file path, read and validated; or a network object, validated exactly as a file would be. */
function networkOf(input: string | AnyNetwork): AnyNetwork {
  if (typeof input === 'string') {
    if (input === '') throw new UserError('network: expected a file path or a network object, found an empty string');
    return loadNetworkFile(input);
  }
  return networkFromObject(input);
}

/**
 * Derive ∂C/∂W^(l) and ∂C/∂b^(l) for a network (a file path or a parsed
 * Network): the reverse-mode derivation, each step with its rule.
 */
export function derive(input: string | Network): Compiled;
export function derive(input: string | GraphNetwork): CompiledGraph;
export function derive(input: string | AnyNetwork): AnyCompiled;
export function derive(input: string | AnyNetwork): AnyCompiled {
  return compileNetwork(networkOf(input));
}

/**
 * Render the derivation's products: the trainer module (TypeScript), the
 * LaTeX derivation and its HTML page, named `<out>/<name>.ts|.tex|.html`.
 * Nothing is written; pass the files to your own writer or use the CLI.
 */
export function generate(compiled: AnyCompiled, options: OutputOptions & { out?: string } = {}): { ts: OutputFile; tex: OutputFile; html: OutputFile } {
  derived('generate', compiled);
  checkOptions('generate', options);
  return outputsFor(compiled.network, options.out ?? '.', options);
}

/** Only what derive() returns: its network was validated (and frozen), so its names are safe in file names and code. */
function derived(fn: string, compiled: unknown): asserts compiled is AnyCompiled {
  if (!(compiled instanceof Compiled) && !(compiled instanceof CompiledGraph)) throw new UserError(`${fn}: expected what derive() returns`);
}

/** The trainer module as TypeScript. */
export function renderTypeScript(compiled: AnyCompiled, options: Partial<CodeOptions> = {}): string {
  derived('renderTypeScript', compiled);
  return typeScriptOf(compiled, checkOptions('renderTypeScript', options));
}

/** The trainer module as JavaScript (an ES module). */
export function renderJavaScript(compiled: AnyCompiled, options: Partial<CodeOptions> = {}): string {
  derived('renderJavaScript', compiled);
  return javaScriptOf(compiled, checkOptions('renderJavaScript', options));
}

/** The derivation as LaTeX (a document, or with fragment: true a body to \\input). */
export function renderLatex(compiled: AnyCompiled, options: Partial<LatexOptions> = {}): string {
  derived('renderLatex', compiled);
  return latexOf(compiled, checkOptions('renderLatex', options));
}

/**
 * Type-check the generated trainer (strict), load it, and compare its
 * gradients with the mathjs reference and with finite differences.
 */
export function check(input: string | AnyNetwork, options: { points?: number; seed?: number } = {}): Promise<FullCheckReport> {
  return checkNetwork(networkOf(input), checkOptions('check', options));
}

/** Verify a hand-derived formula: equivalent, numerically-equal or different (with a counterexample and the right formula). */
export function verify(input: string | AnyNetwork, options: VerifyOptions): VerifyResult {
  return verifyFormula(networkOf(input), checkOptions('verify', options));
}

/** Load the generated trainer for a network, ready to call. */
export async function trainer(input: string | AnyNetwork): Promise<TrainerModule> {
  const network = networkOf(input);
  return loadModule(javaScriptOf(compileNetwork(network)));
}

/**
 * Train with the generated trainer on the network file's train section.
 * With `plot: true`, also returns the data of a training plot.
 */
export async function train(input: string | AnyNetwork, options: TrainOptions & { plot?: boolean } = {}): Promise<{ result: TrainResult; plot?: PlotData }> {
  checkOptions('train', options);
  const network = networkOf(input);
  const module = await trainer(network);
  const result = runTraining(network, module, { ...options, trace: options.trace || options.plot, gradientNorms: options.plot });
  return options.plot ? { result, plot: plotData(network, module, result) } : { result };
}

/** The plot as files to write: SVG, or PNG when the path ends in .png. */
export async function writePlot(plot: PlotData, path: string): Promise<{ path: string; content: string | Uint8Array }[]> {
  // Drawing loads vega, vega-lite and resvg: only when a plot is asked for.
  const { renderSvg, svgToPng } = await import('./plot/plot.ts');
  const svg = await renderSvg(plot);
  return [{ path, content: path.toLowerCase().endsWith('.png') ? await svgToPng(svg) : svg }];
}

export { loadNetworkFile, parseNetwork } from './spec/load.ts';
export type { Network, LayerSpec, ActivationSpec, LossName, TrainSpec } from './spec/types.ts';
export type { Compiled, CompiledGraph, AnyCompiled } from './pipeline.ts';
export type { GraphNetwork, AnyNetwork, NodeSpec, SourceRef, LossSpec } from './spec/graph-types.ts';
export type { GraphDerivation } from './derive/graph.ts';
export type { Derivation, Equation } from './derive/derive.ts';
export type { TrainerModule } from './compile/compile.ts';
export type { FullCheckReport } from './check/run.ts';
export type { TrainResult, TrainOptions } from './train/train.ts';
export type { VerifyOptions, VerifyResult } from './verify/verify.ts';
export type { PlotData } from './plot/data.ts';
export { UserError, CheckFailure } from './errors.ts';
