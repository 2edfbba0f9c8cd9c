// Load and type-check generated trainers. At run time a trainer is loaded from
// its JavaScript rendering (printed from the same bodies as the TypeScript), so
// no compiler is needed; the strict type-check uses the TypeScript compiler when
// it is installed, and says so when it is not.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runProcess } from '../io/process.ts';

/** The optimizers of a trainer module, by kind, and what their hyperparameters are called (see the module's OptimizerSettings). */
export interface TrainerOptimizerSettings {
  readonly kind: string;
  readonly momentum?: number; readonly rho?: number; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number; readonly weightDecay?: number;
}

/** A trainer module's optimizer: state allocated once, steps that allocate nothing. */
export interface TrainerOptimizer {
  readonly kind: string;
  rate: number;
  readonly steps: number;
  update(params: Float64Array, grad: Float64Array): void;
  step(params: Float64Array, x: ArrayLike<number>, y: ArrayLike<number>): number;
  batchStep(params: Float64Array, xs: readonly ArrayLike<number>[], ys: readonly ArrayLike<number>[]): number;
  reset(): void;
}

type TrainerExample = { readonly x: ArrayLike<number>; readonly y: ArrayLike<number> };

export interface TrainerTrainOptions {
  readonly rate: number;
  readonly steps?: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly optimizer?: string | TrainerOptimizerSettings;
  readonly shuffle?: boolean;
  readonly seed?: number;
  readonly schedule?: { readonly kind: string; readonly every?: number; readonly factor?: number; readonly over?: number; readonly min?: number };
  readonly validation?: readonly TrainerExample[];
  readonly patience?: number;
  readonly restoreBest?: boolean;
  readonly onStep?: (step: number, loss: number, params: Float64Array, examples: Int32Array) => void;
  readonly onEpoch?: (epoch: number, loss: number, validationLoss: number | undefined, params: Float64Array) => void;
}

export interface TrainerTrainResult {
  readonly losses: number[];
  readonly epochLosses: number[];
  readonly validationLosses: number[];
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
}

export interface TrainerModule {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly paramCount: number;
  readonly layout: readonly { readonly name: string; readonly offset: number; readonly rows: number; readonly cols: number }[];
  predict(params: Float64Array, x: ArrayLike<number>, out?: Float64Array): Float64Array;
  loss(params: Float64Array, x: ArrayLike<number>, y: ArrayLike<number>): number;
  lossAndGradient(params: Float64Array, x: ArrayLike<number>, y: ArrayLike<number>, grad: Float64Array): number;
  sgdStep(params: Float64Array, x: ArrayLike<number>, y: ArrayLike<number>, rate: number): number;
  batchLossAndGradient(params: Float64Array, xs: readonly ArrayLike<number>[], ys: readonly ArrayLike<number>[], grad: Float64Array): number;
  createOptimizer(options: TrainerOptimizerSettings & { readonly rate: number }): TrainerOptimizer;
  train(params: Float64Array, data: readonly TrainerExample[], options: TrainerTrainOptions): TrainerTrainResult;
  paramsToJSON(params: Float64Array): Record<string, number[][] | number[]>;
  paramsFromJSON(json: unknown): Float64Array;
}

/** The TypeScript compiler's entry, or undefined where TypeScript is not installed (it is an optional peer). */
function tscPath(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  } catch {
    return undefined;
  }
}

export interface TypecheckResult {
  readonly ok: boolean;
  readonly output: string;
  /** Why the files were not type-checked, when they were not. */
  readonly skipped?: string;
}

/**
 * Type-check files as strict, standalone modules (no imports, no DOM), with the
 * two strict options `tsc --init` turns on beyond --strict, so a generated
 * trainer drops into a default project without errors.
 */
export function typecheck(files: readonly string[]): TypecheckResult {
  const tsc = tscPath();
  if (tsc === undefined) return notInstalled();
  const r = spawnSync(process.execPath, [tsc, ...typecheckArgs(files)], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/** The same check without blocking the process; `signal` ends the compiler (its whole process group). */
export async function typecheckAsync(files: readonly string[], signal?: AbortSignal): Promise<TypecheckResult> {
  const tsc = tscPath();
  if (tsc === undefined) return notInstalled();
  const r = await runProcess(process.execPath, [tsc, ...typecheckArgs(files)], signal ? { signal } : {});
  if (r.error) throw r.error;
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

function typecheckArgs(files: readonly string[]): string[] {
  return ['--ignoreConfig', '--noEmit', '--strict', '--noUnusedLocals', '--noUncheckedIndexedAccess', '--exactOptionalPropertyTypes',
    '--target', 'es2022', '--module', 'esnext', '--lib', 'es2022', '--types', '', ...files];
}

function notInstalled(): TypecheckResult {
  const skipped = 'TypeScript is not installed here (npm install --save-dev typescript to type-check)';
  return { ok: true, output: skipped, skipped };
}

/** Load a generated trainer from its JavaScript rendering, as a live module. */
export async function loadModule(js: string): Promise<TrainerModule> {
  return (await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`)) as TrainerModule;
}

/**
 * Transpile TypeScript to JavaScript with esbuild (types stripped; nothing else
 * changes). esbuild is a development dependency: tests and benchmarks use this
 * to load exactly the TypeScript file that is written.
 */
export async function transpile(source: string): Promise<string> {
  const { transform } = await import('esbuild');
  const out = await transform(source, { loader: 'ts', format: 'esm', target: 'es2022' });
  return out.code;
}

/** Load generated TypeScript as a live module (through esbuild; see transpile). */
export async function loadTrainer(source: string): Promise<TrainerModule> {
  return loadModule(await transpile(source));
}
