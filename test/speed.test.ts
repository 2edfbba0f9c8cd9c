// Structural facts behind the speed (no timings here; `npm run bench` measures):
// the automatic form keeps every generated function under V8's optimization
// limit at every size, and every example checks out under every --unroll.
import { describe, expect, it } from 'vitest';
import { checkNetwork } from '../src/check/run.ts';
import { compileNetwork, renderTypeScript } from '../src/pipeline.ts';
import { FUNCTION_STATEMENT_LIMIT } from '../src/render/loops.ts';
import { chooseMode } from '../src/render/typescript.ts';
import { NETWORKS } from '../bench/networks.ts';
import { scaleNetwork } from '../bench/scale-one.ts';
import { corpus } from './corpus.ts';

/** Statements of each top-level function in a generated module (comments and braces alone not counted). */
function functionSizes(source: string): Map<string, number> {
  const sizes = new Map<string, number>();
  let current: string | undefined;
  for (const line of source.split('\n')) {
    const head = /^(?:export )?function (\w+)\(/.exec(line);
    if (head) { current = head[1]!; sizes.set(current, 0); continue; }
    if (line === '}') { current = undefined; continue; }
    if (current && !/^\s*(\/\/|\}$)/.test(line)) sizes.set(current, sizes.get(current)! + 1);
  }
  return sizes;
}

const shapes = [
  ...corpus.map((c) => c.network),
  ...NETWORKS.map((b) => b.network),
  scaleNetwork('width', 1000), scaleNetwork('depth', 500), scaleNetwork('depth', 150),
];

describe('auto keeps every function under V8\'s limit', () => {
  for (const network of shapes) {
    it(`${network.name} (${network.layers.length} layers, ${[network.input, ...network.layers.map((l) => l.units)].slice(0, 4).join('-')}…)`, () => {
      const sizes = functionSizes(renderTypeScript(compileNetwork(network)));
      for (const [name, n] of sizes) expect(n, `${name} has ${n} statements`).toBeLessThanOrEqual(FUNCTION_STATEMENT_LIMIT);
    });
  }

  it('small networks are unrolled whole, large ones are not', () => {
    const mode = (i: number): string => chooseMode(compileNetwork(NETWORKS[i]!.network), 'auto');
    expect([0, 1, 2, 3, 4].map(mode)).toEqual(['full', 'full', 'full', 'loops', 'loops']);
  });

  it('a long reduction is unrolled by 4 and the update is fused without a gradient array', () => {
    const source = renderTypeScript(compileNetwork(NETWORKS[4]!.network));
    const from = source.indexOf('export function sgdStep');
    const step = source.slice(from, source.indexOf('\n}\n', from));
    expect(step).toMatch(/k1 \+= 4/);
    expect(step).not.toMatch(/grad|new Float64Array/);
  });
});

describe('deltagen check passes under every --unroll', () => {
  for (const { file, network } of corpus) {
    for (const unroll of ['full', 'loops', 'auto'] as const) {
      // Forced straight-line code at 784 inputs is 4 MB of source; the strict type-checker takes a minute
      // on it, so that one is checked numerically here and its code form is type-checked on a smaller net below.
      const typecheck = !(unroll === 'full' && network.input > 100);
      it(`${file} --unroll ${unroll}${typecheck ? '' : ' (numbers only)'}`, async () => {
        const report = await checkNetwork(network, { points: 2, unroll, typecheck });
        expect(report.typecheck.ok, report.typecheck.output).toBe(true);
        expect(report.passed).toBe(true);
      }, 300_000);
    }
  }

  it('forced straight-line code over buffers (a network too large to unroll whole) type-checks', async () => {
    const network = { ...corpus[0]!.network, name: 'forced', input: 64, layers: [{ units: 16, activation: { kind: 'sigmoid' }, bias: true }, { units: 4, activation: { kind: 'sigmoid' }, bias: true }] } as const;
    const source = renderTypeScript(compileNetwork(network), { unroll: 'full' });
    expect(chooseMode(compileNetwork(network), 'auto')).toBe('loops'); // too large for the scalar routine: the buffer form, all unrolled
    const step = source.slice(source.indexOf('export function sgdStep'), source.indexOf('\n}\n', source.indexOf('export function sgdStep')));
    expect(step).not.toMatch(/\bfor \(/);
    const report = await checkNetwork(network, { points: 2, unroll: 'full' });
    expect(report.typecheck.ok, report.typecheck.output).toBe(true);
    expect(report.passed).toBe(true);
  }, 300_000);
});
