// The plain JavaScript rendering of the trainer (generateJavaScript) is the
// TypeScript module with its types left out: it loads without esbuild, computes
// bit for bit what the esbuild-transpiled TypeScript computes, and its .d.ts
// (generateDeclarations) describes the same exports as the TypeScript module.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { transform } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/check/random.ts';
import { loadTrainer, transpile, type TrainerModule } from '../src/compile/compile.ts';
import { compileNetwork } from '../src/pipeline.ts';
import { generateDeclarations, generateJavaScript, generateTypeScript } from '../src/render/typescript.ts';
import { corpus } from './corpus.ts';

const KINDS = ['sgd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw'];

const importJs = async (js: string): Promise<TrainerModule> =>
  (await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`)) as TrainerModule;

/** Bitwise equality of two arrays of numbers (Object.is: NaN equals NaN, 0 differs from -0). */
function expectSameBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  const i = Array.from({ length: a.length }, (_, k) => k).find((k) => !Object.is(a[k], b[k]));
  expect(i, i === undefined ? what : `${what}[${i}]: ${a[i]} vs ${b[i]}`).toBeUndefined();
}

describe('generateJavaScript: the same module without types', () => {
  for (const { file, network } of corpus) {
    for (const unroll of ['auto', 'full', 'loops'] as const) {
      if (unroll === 'full' && network.input > 100) continue; // one huge function (see test/speed)
      it(`${file} (${unroll})`, async () => {
        const c = compileNetwork(network);
        const ts = generateTypeScript(c, { unroll });
        const js = generateJavaScript(c, { unroll });
        expect(generateJavaScript(c, { unroll })).toBe(js); // deterministic

        // It is JavaScript (esbuild's js loader refuses any TypeScript syntax) and,
        // printed back by esbuild, exactly the code esbuild makes of the TypeScript.
        const parsed = await transform(js, { loader: 'js', format: 'esm', target: 'es2022' });
        expect(parsed.code).toBe(await transpile(ts));

        // It parses and links as an ES module (the import), and computes what the TypeScript computes.
        const [fromTs, fromJs] = [await loadTrainer(ts), await importJs(js)];
        expect(Object.keys(fromJs).sort()).toEqual(Object.keys(fromTs).sort());
        for (const k of ['inputSize', 'outputSize', 'paramCount', 'layout'] as const) expect(fromJs[k]).toEqual(fromTs[k]);
        const rand = seededRandom(11);
        const vector = (n: number): Float64Array => Float64Array.from({ length: n }, () => rand() * 4 - 2);
        for (let point = 0; point < 3; point++) {
          const params = vector(fromTs.paramCount);
          const x = vector(fromTs.inputSize);
          const y = Float64Array.from({ length: fromTs.outputSize }, () => rand());
          const at = `${file} point ${point}`;
          expectSameBits(fromJs.predict(params, x), fromTs.predict(params, x), `${at} predict`);
          expectSameBits([fromJs.loss(params, x, y)], [fromTs.loss(params, x, y)], `${at} loss`);
          const [gJs, gTs] = [new Float64Array(fromTs.paramCount), new Float64Array(fromTs.paramCount)];
          expectSameBits([fromJs.lossAndGradient(params, x, y, gJs)], [fromTs.lossAndGradient(params, x, y, gTs)], `${at} lossAndGradient C`);
          expectSameBits(gJs, gTs, `${at} gradient`);
          const [pJs, pTs] = [params.slice(), params.slice()];
          expectSameBits([fromJs.sgdStep(pJs, x, y, 0.1)], [fromTs.sgdStep(pTs, x, y, 0.1)], `${at} sgdStep C`);
          expectSameBits(pJs, pTs, `${at} sgdStep params`);
          const data = [{ x, y }, { x: vector(fromTs.inputSize), y }];
          expectSameBits(fromJs.train(pJs, data, { rate: 0.05, steps: 3, batchSize: 2 }).losses, fromTs.train(pTs, data, { rate: 0.05, steps: 3, batchSize: 2 }).losses, `${at} train losses`);
          expectSameBits(pJs, pTs, `${at} train params`);

          // Every optimizer's steps, and a run with all of train's options.
          for (const kind of KINDS) {
            const [oJs, oTs] = [fromJs.createOptimizer({ kind, rate: 0.01 }), fromTs.createOptimizer({ kind, rate: 0.01 })];
            for (let s = 0; s < 3; s++) {
              expectSameBits([oJs.step(pJs, x, y)], [oTs.step(pTs, x, y)], `${at} ${kind} step C`);
              expectSameBits([oJs.batchStep(pJs, [x, x], [y, y])], [oTs.batchStep(pTs, [x, x], [y, y])], `${at} ${kind} batchStep C`);
            }
            expectSameBits(pJs, pTs, `${at} ${kind} params`);
          }
          const five = [...data, ...data, { x, y }];
          const options = (optimizer: string) => ({ rate: 0.05, epochs: 4, batchSize: 2, optimizer, shuffle: true, seed: 3,
            schedule: { kind: 'cosine', over: 4 }, validation: data, patience: 2 });
          const [rJs, rTs] = [fromJs.train(pJs, five, options('adamw')), fromTs.train(pTs, five, options('adamw'))];
          expectSameBits([...rJs.losses, ...rJs.validationLosses, ...rJs.epochLosses, rJs.bestEpoch], [...rTs.losses, ...rTs.validationLosses, ...rTs.epochLosses, rTs.bestEpoch], `${at} train with options`);
          expectSameBits(pJs, pTs, `${at} train with options params`);
          expect(fromJs.paramsToJSON(pJs)).toEqual(fromTs.paramsToJSON(pTs));
          expectSameBits(fromJs.paramsFromJSON(fromTs.paramsToJSON(pTs)), pTs, `${at} paramsFromJSON`);
        }
      });
    }
  }
});

/** The types the module exports. */
const TYPES = ['Example', 'TrainOptions', 'TrainResult', 'OptimizerKind', 'Hyperparameters', 'OptimizerSettings', 'OptimizerOptions', 'Optimizer', 'Schedule', 'ParamsJSON'];

describe('generateDeclarations', () => {
  it('declares exactly the TypeScript module\'s exports and types, for every example', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-dts-'));
    try {
      mkdirSync(join(dir, 'js'));
      const lines: string[] = [];
      for (const { network } of corpus) {
        const c = compileNetwork(network);
        const id = network.name.replace(/-/g, '_');
        writeFileSync(join(dir, `${network.name}.ts`), generateTypeScript(c));
        writeFileSync(join(dir, 'js', `${network.name}.js`), generateJavaScript(c));
        writeFileSync(join(dir, 'js', `${network.name}.d.ts`), generateDeclarations(c));
        // Each module is assignable to the other's type: the same exports with the same types.
        lines.push(`import * as ts_${id} from './${network.name}.ts';`, `import * as js_${id} from './js/${network.name}.js';`,
          `export const a_${id}: typeof ts_${id} = js_${id};`, `export const b_${id}: typeof js_${id} = ts_${id};`,
          // and both export the types their functions take (their shapes are compared through the signatures above)
          `export type T_${id} = [${TYPES.flatMap((t) => [`ts_${id}.${t}`, `js_${id}.${t}`]).join(', ')}];`);
      }
      writeFileSync(join(dir, 'check.ts'), `${lines.join('\n')}\n`);
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
      const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
      const r = spawnSync(process.execPath, [tsc, '--ignoreConfig', '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--exactOptionalPropertyTypes',
        '--module', 'nodenext', '--target', 'es2022', '--lib', 'es2022', '--types', '', '--allowImportingTsExtensions', join(dir, 'check.ts')], { encoding: 'utf8' });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
