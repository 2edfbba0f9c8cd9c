// Weights on disk: paramsToJSON / paramsFromJSON round-trip exactly, by layout
// name with shapes checked; the CLI's train --save writes that JSON and --init
// reads it (a wrong name or shape exits 2 naming the parameter).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../src/check/random.ts';
import { loadTrainer } from '../src/compile/compile.ts';
import { compileNetwork, renderTypeScript } from '../src/pipeline.ts';
import { corpus } from './corpus.ts';
import { deltagen } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'deltagen-params-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('paramsToJSON and paramsFromJSON', () => {
  for (const { file, network } of corpus) {
    it(`${file}: round-trip exactly, in memory and through JSON text`, async () => {
      const mod = await loadTrainer(renderTypeScript(compileNetwork(network)));
      const rand = seededRandom(3);
      // Values of every size, both signs and every last bit.
      const p = Float64Array.from({ length: mod.paramCount }, (_, i) => (rand() - 0.5) * 10 ** ((i % 9) - 4));
      const json = mod.paramsToJSON(p);
      expect(Object.keys(json)).toEqual(mod.layout.map((e) => e.name));
      for (const e of mod.layout) {
        const v = json[e.name]!;
        if (e.name.startsWith('b')) expect(v).toHaveLength(e.rows);
        else expect([v.length, ...(v as number[][]).map((row) => row.length)]).toEqual([e.rows, ...Array<number>(e.rows).fill(e.cols)]);
      }
      const back = mod.paramsFromJSON(json);
      expect(back.every((v, i) => Object.is(v, p[i]))).toBe(true);
      const text = mod.paramsFromJSON(JSON.parse(JSON.stringify(json)));
      expect(text.every((v, i) => Object.is(v, p[i]))).toBe(true);
    });
  }

  it('a missing, unknown or misshapen parameter is an Error naming it and its shape', async () => {
    const mod = await loadTrainer(renderTypeScript(compileNetwork(corpus.find((c) => c.network.name === 'xor')!.network)));
    const good = mod.paramsToJSON(new Float64Array(mod.paramCount).fill(0.5));
    const cases: [unknown, string][] = [
      [{ ...good, W3: [[1]] }, 'paramsFromJSON: unknown parameter "W3" (this network has W1, b1, W2, b2)'],
      [{ W1: good.W1, b1: good.b1, W2: good.W2 }, 'paramsFromJSON: b2 is missing (expected 1 number)'],
      [{ ...good, W2: [[1, 2]] }, 'paramsFromJSON: W2: expected a 1×3 matrix, found a 1×2 matrix'],
      [{ ...good, W1: [[1, 2], [3, 4]] }, 'paramsFromJSON: W1: expected a 3×2 matrix, found a 2×2 matrix'],
      [{ ...good, W1: [1, 2, 3, 4, 5, 6] }, 'paramsFromJSON: W1: expected a 3×2 matrix, found 6 numbers'],
      [{ ...good, b1: [1, 2] }, 'paramsFromJSON: b1: expected 3 numbers, found 2 numbers'],
      [{ ...good, b1: [1, null, 3] }, 'paramsFromJSON: b1: expected 3 numbers, found 3 values, not all finite numbers'],
      [{ ...good, b1: 'x' }, 'paramsFromJSON: b1: expected 3 numbers, found a string'],
      [[1, 2], 'paramsFromJSON: expected an object with W1, b1, W2, b2'],
      [null, 'paramsFromJSON: expected an object with W1, b1, W2, b2'],
      [JSON.parse('{"__proto__": {"W1": 1}}'), 'paramsFromJSON: unknown parameter "__proto__"'],
    ];
    for (const [json, message] of cases) expect(() => mod.paramsFromJSON(json), message).toThrow(message);
  });
});

describe('train --save and --init', () => {
  it('--init starts from the saved weights: the first loss of the second run is the last state of the first', async () => {
    const saved = join(tmp, 'iris.json');
    const first = await deltagen(['train', 'examples/iris.yaml', '--steps', '30', '--quiet', '--json', '--save', saved]);
    expect(first.code, first.stderr).toBe(0);
    const firstJson = JSON.parse(first.stdout) as { params: Record<string, unknown> };
    expect(JSON.parse(readFileSync(saved, 'utf8'))).toEqual(firstJson.params);
    const second = await deltagen(['train', 'examples/iris.yaml', '--steps', '30', '--quiet', '--json', '--init', saved]);
    expect(second.code, second.stderr).toBe(0);
    // The same 60 steps in one run give the same parameters (steps cycle, SGD keeps no state).
    const both = await deltagen(['train', 'examples/iris.yaml', '--steps', '60', '--quiet', '--json']);
    const p2 = (JSON.parse(second.stdout) as { params: unknown }).params;
    const p60 = (JSON.parse(both.stdout) as { params: unknown }).params;
    // 30 is a multiple of the 3 batches of an iris pass, so the second run starts where the first stopped.
    expect(p2).toEqual(p60);
  });

  it('a wrong name or shape in the --init file exits 2 naming the parameter and the file', async () => {
    const good = JSON.parse((await deltagen(['train', 'examples/xor.yaml', '--steps', '1', '--quiet', '--json'])).stdout) as { params: Record<string, unknown> };
    const cases: [unknown, RegExp][] = [
      [{ ...good.params, W2: [[1, 2]] }, /bad\.json: W2: expected a 1×3 matrix, found a 1×2 matrix/],
      [{ ...good.params, W9: [[1]] }, /bad\.json: unknown parameter "W9"/],
      [{ W1: good.params.W1 }, /bad\.json: b1 is missing/],
    ];
    const bad = join(tmp, 'bad.json');
    for (const [json, message] of cases) {
      writeFileSync(bad, JSON.stringify(json));
      const r = await deltagen(['train', 'examples/xor.yaml', '--steps', '1', '--quiet', '--init', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    writeFileSync(bad, '{ "W1": ');
    const notJson = await deltagen(['train', 'examples/xor.yaml', '--quiet', '--init', bad]);
    expect([notJson.code, notJson.stderr]).toEqual([2, expect.stringMatching(/--init .*bad\.json: not JSON/)]);
    const missing = await deltagen(['train', 'examples/xor.yaml', '--quiet', '--init', join(tmp, 'none.json')]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/--init .*none\.json: cannot read the file \(ENOENT\)/)]);
    const json = await deltagen(['train', 'examples/xor.yaml', '--quiet', '--json', '--init', join(tmp, 'none.json')]);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { exitCode: 2 } });
  });
});
