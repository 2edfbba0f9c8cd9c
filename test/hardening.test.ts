import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.ts';
import { parseNetwork } from '../src/spec/load.ts';
import { parseScalarFormula } from '../src/symbolic/cas.ts';
import { resolveActivation, U } from '../src/symbolic/activations.ts';
import { deltagen } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'deltagen-hard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real command line as a process, for what needs one: locale and time zone, concurrent processes, signals. */
function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['bin/deltagen.js', ...args], { env: { ...process.env, NO_COLOR: '1', ...env } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return { done, kill: (s: NodeJS.Signals) => child.kill(s), stderr: () => stderr };
}

const base = (extra = '', layer = '    activation: sigmoid') => `name: t\ninput: 2\nlayers:\n  - units: 3\n${layer}\nloss: squared\n${extra}`;
const withFormula = (f: string) => base('', `    activation: { formula: ${JSON.stringify(f)} }`);
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

interface Case { name: string; args: () => string[]; code: number; message: string }
const derive = (name: string, text: string) => () => ['derive', file(name, text), '--out', join(dir, 'out')];
const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');

const cases: Case[] = [
  { name: 'malformed YAML', args: derive('c1.yaml', 'name: t\ninput: [1\n'), code: 2, message: 'c1.yaml:' },
  { name: 'malformed JSON', args: derive('c2.json', '{"name": "t", "input": '), code: 2, message: 'c2.json:1:' },
  { name: 'duplicate keys', args: derive('c3.yaml', base('input: 3\n')), code: 2, message: 'unique' },
  { name: 'a YAML tag', args: derive('c4.yaml', base('train: !!js/function "function () {}"\n')), code: 2, message: 'tag' },
  { name: 'an alias bomb', args: derive('c5.yaml', bomb), code: 2, message: 'alias' },
  { name: 'zero units', args: derive('c6.yaml', base().replace('units: 3', 'units: 0')), code: 2, message: 'layers[0].units' },
  { name: 'negative units', args: derive('c7.yaml', base().replace('units: 3', 'units: -3')), code: 2, message: 'layers[0].units' },
  { name: 'fractional units', args: derive('c8.yaml', base().replace('units: 3', 'units: 2.5')), code: 2, message: 'whole number' },
  { name: 'units as a string', args: derive('c9.yaml', base().replace('units: 3', 'units: three')), code: 2, message: 'layers[0].units' },
  { name: 'infinite units', args: derive('c10.yaml', base().replace('units: 3', 'units: .inf')), code: 2, message: 'layers[0].units' },
  { name: 'input not a number', args: derive('c11.yaml', base().replace('input: 2', 'input: .nan')), code: 2, message: 'input' },
  { name: 'unknown activation', args: derive('c12.yaml', base().replace('sigmoid', 'sigmod')), code: 2, message: 'did you mean "sigmoid"' },
  { name: 'unknown loss', args: derive('c13.yaml', base().replace('loss: squared', 'loss: crossentropy')), code: 2, message: 'did you mean "cross-entropy"' },
  { name: 'softmax-cross-entropy without softmax', args: derive('c14.yaml', base().replace('loss: squared', 'loss: softmax-cross-entropy')), code: 2, message: 'needs activation: softmax' },
  { name: 'softmax before the last layer', args: derive('c15.yaml', 'name: t\ninput: 2\nlayers:\n  - units: 3\n    activation: softmax\n  - units: 1\nloss: squared\n'), code: 2, message: 'last layer only' },
  { name: 'init of the wrong shape', args: derive('c16.yaml', base('train:\n  rate: 0.1\n  init:\n    W1: [[1, 2]]\n')), code: 2, message: 'train.init.W1: expected 3 rows of 2 numbers' },
  { name: 'init of a layer that does not exist', args: derive('c17.yaml', base('train:\n  rate: 0.1\n  init:\n    W9: [[1]]\n')), code: 2, message: 'there is no layer 9' },
  { name: 'data x of the wrong size', args: derive('c18.yaml', base('train:\n  rate: 0.1\n  data:\n    - { x: [1], y: [1, 2, 3] }\n')), code: 2, message: 'train.data[0].x: expected 2 numbers' },
  { name: 'data y of the wrong size', args: derive('c19.yaml', base('train:\n  rate: 0.1\n  data:\n    - { x: [1, 2], y: [1] }\n')), code: 2, message: 'train.data[0].y: expected 3 numbers' },
  { name: 'a softmax target that is not a distribution', args: derive('c20b.yaml', 'name: t\ninput: 1\nlayers:\n  - units: 3\n    activation: softmax\nloss: softmax-cross-entropy\ntrain:\n  rate: 0.1\n  data:\n    - { x: [1], y: [1, 1, 0] }\n'), code: 2, message: 'train.data[0].y: a softmax-cross-entropy target must be non-negative and sum to 1' },
  { name: 'non-finite data', args: derive('c20.yaml', base('train:\n  rate: 0.1\n  data:\n    - { x: [.nan, 2], y: [1, 2, 3] }\n')), code: 2, message: 'train.data[0].x[0]' },
  { name: 'a name that is not an identifier', args: derive('c21.yaml', base().replace('name: t', 'name: "__proto__"')), code: 2, message: 'name' },
  { name: 'a reserved word as the name', args: derive('c21b.yaml', base().replace('name: t', 'name: constructor')), code: 2, message: 'reserved word' },
  { name: 'a __proto__ key', args: derive('c22.yaml', base('__proto__: { polluted: 1 }\n')), code: 2, message: '__proto__' },
  { name: 'a constructor key', args: derive('c23.yaml', base('constructor: { prototype: 1 }\n')), code: 2, message: 'constructor' },
  { name: 'property access in a formula', args: derive('c24.yaml', withFormula('cos.constructor')), code: 2, message: 'cos.constructor' },
  { name: 'evaluate in a formula', args: derive('c25.yaml', withFormula('evaluate("1+1")')), code: 2, message: 'function "evaluate" is not allowed' },
  { name: 'import in a formula', args: derive('c26.yaml', withFormula('import("fs")')), code: 2, message: 'function "import" is not allowed' },
  { name: 'a function definition in a formula', args: derive('c27.yaml', withFormula('f(x) = x')), code: 2, message: 'definitions are not allowed' },
  { name: 'createUnit in a formula', args: derive('c28.yaml', withFormula('createUnit("foo")')), code: 2, message: 'createUnit' },
  { name: 'a derivative that is not finite', args: derive('c29.yaml', withFormula('1/x')), code: 2, message: 'x = 0' },
  { name: 'a formula dividing by zero', args: derive('c29b.yaml', withFormula('x / 0')), code: 2, message: 'formula "x / 0" is not finite at x = -1000' },
  { name: 'an unknown symbol in a formula', args: derive('c30.yaml', withFormula('x + q')), code: 2, message: 'unknown symbol "q"' },
  { name: 'a formula nested too deep', args: derive('c31b.yaml', withFormula(`${'('.repeat(80)}x${')'.repeat(80)}`)), code: 2, message: 'nested deeper than 64' },
  { name: 'a formula too long', args: derive('c31.yaml', withFormula(Array.from({ length: 300 }, () => 'x').join('+'))), code: 2, message: 'longer than 500' },
  { name: 'a 100000×100000 layer', args: derive('c32.yaml', 'name: t\ninput: 100000\nlayers:\n  - units: 100000\nloss: squared\n'), code: 2, message: 'parameters' },
  { name: 'nesting too deep', args: derive('c33.yaml', `${base()}train: ${'['.repeat(40)}${']'.repeat(40)}\n`), code: 2, message: 'nested deeper' },
  { name: 'a file that does not exist', args: () => ['check', join(dir, 'missing.yaml')], code: 2, message: 'missing.yaml: cannot read the file (ENOENT)' },
  { name: 'a file too large', args: derive('c35.yaml', `${base()}#${'x'.repeat(1.1 * 2 ** 20)}\n`), code: 2, message: 'larger than' },
  { name: 'an unknown command', args: () => ['frobnicate'], code: 2, message: 'unknown command' },
  { name: 'a bad --steps', args: () => ['train', 'examples/question.yaml', '--steps', '-4'], code: 2, message: '--steps' },
  { name: 'an output path that is a folder', args: () => { mkdirSync(join(dir, 'dirout', 'question.ts'), { recursive: true }); return ['derive', 'examples/question.yaml', '--out', join(dir, 'dirout')]; }, code: 2, message: 'is a folder, not a regular file' },
  { name: 'an output folder under a file', args: () => ['derive', 'examples/question.yaml', '--out', join(file('plain.txt', 'x'), 'sub')], code: 2, message: 'cannot write' },
  { name: 'training that diverges', args: () => ['train', '--quiet', file('c40.yaml', 'name: d\ninput: 1\nlayers:\n  - units: 1\n    activation: identity\nloss: squared\ntrain:\n  rate: 10\n  steps: 1000\n  data:\n    - { x: [5.7], y: [50.1] }\n')], code: 1, message: 'diverged at step' },
  { name: 'training without data', args: () => ['train', '--quiet', file('c41.yaml', base())], code: 2, message: 'train' },
  { name: 'a definition in a verify formula', args: () => ['verify', 'examples/question.yaml', '--wrt', 'W1', '--formula', 'f(x) = x'], code: 2, message: 'definitions are not allowed' },
  { name: 'property access in a verify formula', args: () => ['verify', 'examples/question.yaml', '--wrt', 'W1', '--formula', 'cos.constructor'], code: 2, message: '.constructor' },
  { name: 'unbalanced LaTeX in verify', args: () => ['verify', 'examples/question.yaml', '--wrt', 'W1', '--latex', '\\frac{a'], code: 2, message: 'character' },
];

describe('bad inputs and faults: exit code and one clear line', () => {
  it(`has at least 30 cases (${cases.length})`, () => expect(cases.length).toBeGreaterThanOrEqual(30));
  it.concurrent.each(cases)('$name', async ({ args, code, message }) => {
    const r = await deltagen(args());
    expect(r.code, r.stderr).toBe(code);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines[0], r.stderr).toContain('deltagen: ');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    if (!args()[0]!.startsWith('verify')) expect(lines.length, r.stderr).toBe(1);
  }, 60_000);
});

describe('parsed files are plain data', () => {
  it('hostile keys do not pollute prototypes', () => {
    for (const text of ['__proto__: { polluted: 1 }\n', 'constructor: { prototype: { polluted: 1 } }\n', '{"__proto__": {"polluted": 1}}']) {
      expect(() => parseNetwork(base(text), 'x.yaml')).toThrow(UserError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('property: the parsers answer or refuse, never crash', () => {
  const valid = base('train:\n  rate: 0.1\n  data:\n    - { x: [1, 2], y: [1, 2, 3] }\n');
  const outcome = (f: () => unknown): 'ok' | 'refused' => {
    try { f(); return 'ok'; } catch (err) {
      if (err instanceof UserError) return 'refused';
      throw err;
    }
  };

  it('network files: random text, mutated files and random JSON', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => { outcome(() => parseNetwork(text, 'r.yaml')); }), { numRuns: 500 });
    const mutated = fc.tuple(fc.nat(valid.length), fc.nat(8), fc.string({ maxLength: 6 }))
      .map(([at, cut, insert]) => valid.slice(0, at) + insert + valid.slice(at + cut));
    fc.assert(fc.property(mutated, (text) => { outcome(() => parseNetwork(text, 'm.yaml')); }), { numRuns: 1000 });
    fc.assert(fc.property(fc.jsonValue(), (value) => { outcome(() => parseNetwork(JSON.stringify(value), 'j.json')); }), { numRuns: 500 });
  });

  it('formulas: random text and mutations of real formulas', () => {
    const seeds = ['x / (1 + abs(x))', 'tanh(x) + 0.1 * x', 'x * sigmoid(x)', 'log(1 + exp(x))', 'exp(-x^2)'];
    const mutated = fc.tuple(fc.constantFrom(...seeds), fc.nat(20), fc.nat(4), fc.string({ maxLength: 4 }))
      .map(([s, at, cut, insert]) => s.slice(0, at) + insert + s.slice(at + cut));
    const formula = fc.oneof(fc.string({ maxLength: 60 }), mutated);
    fc.assert(fc.property(formula, (text) => {
      try { parseScalarFormula(text, { x: U }); } catch (err) { expect(err).toBeInstanceOf(Error); }
      outcome(() => resolveActivation({ kind: 'formula', formula: text }));
    }), { numRuns: 1500 });
  });
});

describe('determinism', () => {
  it('the same network gives byte-identical files whatever the key order, locale and time zone', async () => {
    const a = file('order-a.yaml', 'name: same\ninput: 2\nlayers:\n  - units: 3\n    activation: tanh\n    bias: true\nloss: mse\n');
    const b = file('order-b.yaml', 'loss: mse\nlayers:\n  - bias: true\n    activation: tanh\n    units: 3\ninput: 2\nname: same\n');
    const outA = join(dir, 'det-a');
    const outB = join(dir, 'det-b');
    expect((await deltagen(['derive', a, '--out', outA, '--html', join(outA, 'same.html')])).code).toBe(0);
    // The other run is a real process with another locale and time zone (the end-to-end run of derive).
    const other = await spawnCli(['derive', b, '--out', outB, '--html', join(outB, 'same.html')], { LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8', TZ: 'Pacific/Kiritimati' }).done;
    expect(other.code, other.stderr).toBe(0);
    for (const f of ['same.ts', 'same.tex', 'same.html']) expect(readFileSync(join(outB, f), 'utf8')).toBe(readFileSync(join(outA, f), 'utf8'));
  });
});

describe('concurrent writes', () => {
  it('two runs writing the same folder at once end with one complete set, not a mix', async () => {
    const out = join(dir, 'concurrent');
    const one = file('conc-1.yaml', 'name: conc\ninput: 3\nlayers:\n  - units: 4\n    activation: sigmoid\nloss: squared\n');
    const two = file('conc-2.yaml', 'name: conc\ninput: 5\nlayers:\n  - units: 2\n    activation: tanh\n  - units: 2\nloss: mse\n');
    const sets: Record<string, string>[] = [];
    for (const [i, f] of [one, two].entries()) {
      const ref = join(dir, `conc-ref-${i}`);
      await deltagen(['derive', f, '--out', ref, '--html', join(ref, 'conc.html')]);
      sets.push(Object.fromEntries(['conc.ts', 'conc.tex', 'conc.html'].map((n) => [n, readFileSync(join(ref, n), 'utf8')])));
    }
    const args = (f: string): string[] => ['derive', f, '--out', out, '--html', join(out, 'conc.html')];
    const expectOneSet = (): void => {
      const final = Object.fromEntries(['conc.ts', 'conc.tex', 'conc.html'].map((n) => [n, readFileSync(join(out, n), 'utf8')]));
      expect(sets.some((set) => Object.entries(set).every(([n, c]) => final[n] === c)), 'the files are one run\'s complete set').toBe(true);
      expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
    };
    // Two processes (the lock is for them), then several runs inside this process, whose writes interleave.
    const results = await Promise.all([one, two].map((f) => spawnCli(args(f)).done));
    expect(results.map((r) => r.code), results.map((r) => r.stderr).join('')).toEqual([0, 0]);
    expectOneSet();
    const inProcess = await Promise.all([one, two, one, two].map((f) => deltagen(args(f))));
    expect(inProcess.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expectOneSet();
  }, 120_000);
});

describe('interrupted writes', () => {
  it('SIGINT during derive of a large network leaves the previous outputs intact and no temporary files', async () => {
    const out = join(dir, 'sigint');
    mkdirSync(out, { recursive: true });
    const old = file('big-old.yaml', 'name: big\ninput: 300\nlayers:\n  - units: 200\n    activation: tanh\n  - units: 10\n    activation: sigmoid\nloss: half-squared\n');
    const next = file('big-new.yaml', 'name: big\ninput: 784\nlayers:\n  - units: 400\n    activation: sigmoid\n  - units: 10\n    activation: sigmoid\nloss: half-squared\n');
    expect((await deltagen(['derive', old, '--out', out, '--html', join(out, 'big.html')])).code).toBe(0);
    const before = Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
    expect(await deltagen(['derive', next, '--out', join(dir, 'sigint-ref'), '--html', join(dir, 'sigint-ref', 'big.html')])).toMatchObject({ code: 0 });
    const after = Object.fromEntries(readdirSync(join(dir, 'sigint-ref')).map((f) => [f, readFileSync(join(dir, 'sigint-ref', f), 'utf8')]));
    let interrupted = 0;
    // Early (while loading) and late (while deriving, or near the writes: a run takes about 1.7 s here).
    for (const delay of [300, 1300]) {
      const child = spawnCli(['derive', next, '--out', out, '--html', join(out, 'big.html')]);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGINT');
      const end = await child.done;
      // Killed outright (before the writes) or exit 130 from the handler (during them).
      if (end.signal === 'SIGINT' || end.code === 130) interrupted++;
      for (const f of readdirSync(out)) {
        expect(f, 'no temporary or lock file is left').not.toMatch(/\.tmp$|\.deltagen\.lock/);
        const content = readFileSync(join(out, f), 'utf8');
        expect(content === before[f] || content === after[f], `${f} is the old or the new version, whole`).toBe(true);
      }
      expect(existsSync(join(out, 'big.ts'))).toBe(true);
    }
    expect(interrupted, 'at least one run was really interrupted').toBeGreaterThan(0);
  }, 120_000);

  it('SIGINT while the writes wait for another run\'s lock: exit 130 and a line saying so, nothing of ours left', async () => {
    const out = join(dir, 'sigint-lock');
    mkdirSync(join(out, '.deltagen.lock'), { recursive: true }); // another run is writing this folder
    const child = spawnCli(['derive', 'examples/question.yaml', '--out', out]);
    const end = Date.now() + 30_000;
    while (!child.stderr().includes('waiting for another run')) {
      expect(Date.now(), 'the run waits for the lock').toBeLessThan(end);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    const r = await child.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr.split('\n').at(-2)).toMatch(/^deltagen: interrupted \(SIGINT\); files already written are complete/);
    expect(readdirSync(out)).toEqual(['.deltagen.lock']); // the other run's lock stays; nothing of ours
  }, 60_000);

  it('inside another process, an interrupt during the writes ends the command with 130, not the process', async () => {
    const out = join(dir, 'sigint-in-process');
    const big = file('big-in.yaml', 'name: big\ninput: 784\nlayers:\n  - units: 100\n    activation: sigmoid\n  - units: 10\n    activation: sigmoid\nloss: half-squared\n');
    // Deliver SIGINT to the listener io/atomic.ts adds for the writes, as soon as it is there (and to no other:
    // the test runner's own listeners stay out of it).
    const listeners = process.listenerCount('SIGINT');
    const poll = setInterval(() => {
      for (const l of process.listeners('SIGINT').slice(listeners)) (l as (s: NodeJS.Signals) => void)('SIGINT');
    }, 0);
    const r = await deltagen(['derive', big, '--out', out, '--html', join(out, 'big.html')]).finally(() => clearInterval(poll));
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^deltagen: interrupted \(SIGINT\); files already written are complete/);
    expect(readdirSync(out).filter((f) => f.startsWith('.')), 'no temporary or lock file is left').toEqual([]);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });
});
