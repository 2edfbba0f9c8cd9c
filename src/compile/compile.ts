// Compile and load generated TypeScript: type-check with the TypeScript
// compiler (strict), transpile in-process with esbuild, import as a module.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { transform } from 'esbuild';

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
  train(params: Float64Array, data: readonly { x: ArrayLike<number>; y: ArrayLike<number> }[],
    options: { rate: number; steps?: number; epochs?: number; batchSize?: number; onStep?: (step: number, loss: number, params: Float64Array) => void }): number[];
}

const require = createRequire(import.meta.url);

function tscPath(): string {
  return join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
}

export interface TypecheckResult { readonly ok: boolean; readonly output: string }

/** Type-check files as strict, standalone modules (no imports, no DOM). */
export function typecheck(files: readonly string[]): TypecheckResult {
  const args = ['--ignoreConfig', '--noEmit', '--strict', '--noUnusedLocals', '--target', 'es2022', '--module', 'esnext', '--lib', 'es2022', '--types', '', ...files];
  const r = spawnSync(process.execPath, [tscPath(), ...args], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/** Transpile TypeScript to JavaScript (types stripped; nothing else changes). */
export async function transpile(source: string): Promise<string> {
  const out = await transform(source, { loader: 'ts', format: 'esm', target: 'es2022' });
  return out.code;
}

/** Load generated TypeScript as a live module. */
export async function loadTrainer(source: string): Promise<TrainerModule> {
  const js = await transpile(source);
  return (await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`)) as TrainerModule;
}
