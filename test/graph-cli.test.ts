// The graph form through the command line: check proves every graph example,
// derive writes exactly the files asked for (the Octave and NumPy trainers as
// well), train runs the generated trainer, and a chain with a formula loss and
// l2 goes the same way.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphCorpus } from './corpus.ts';
import { deltagen } from './helpers.ts';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'deltagen-graph-cli-'));

describe('deltagen check on every graph example', () => {
  it.each(graphCorpus.map((c) => c.file))('%s passes: strict type-check, reference, finite differences', async (file) => {
    const r = await deltagen(['check', file, '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { passed: boolean; typecheck: { ok: boolean }; parameters: { name: string; reference: number; finiteDifference: number }[] };
    expect(report.passed).toBe(true);
    expect(report.typecheck.ok).toBe(true);
    for (const p of report.parameters) {
      expect(p.reference).toBeLessThan(1e-9);
      expect(p.finiteDifference).toBeLessThan(1e-6);
    }
  }, 60_000);

  it('in loops as well as straight-line', async () => {
    for (const unroll of ['loops', 'full']) {
      const r = await deltagen(['check', 'examples/lstm.yaml', '--unroll', unroll, '--json', '--quiet']);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 60_000);
});

describe('derive and train with a graph network', () => {
  it('derive writes the trainer and the derivation, and --target js its .d.ts beside it', async () => {
    const dir = fresh();
    expect((await deltagen(['derive', 'examples/rnn.yaml', '--out', dir, '--quiet'])).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['rnn.tex', 'rnn.ts']);
    expect(readFileSync(join(dir, 'rnn.ts'), 'utf8')).toContain("{ name: 'W_h_h', offset: 6, rows: 3, cols: 3 }");
    const js = fresh();
    expect((await deltagen(['derive', 'examples/rnn.yaml', '--target', 'js', '--code', join(js, 'rnn.js'), '--quiet'])).code).toBe(0);
    expect(readdirSync(js).sort()).toEqual(['rnn.d.ts', 'rnn.js']);
    expect(readFileSync(join(js, 'rnn.d.ts'), 'utf8')).toContain('export declare const inputSize = 8;');
  });

  it('derive --target octave and --target numpy write the graph trainer as <name>.m and <name>.py, printed from the same derivation', async () => {
    const dir = fresh();
    const r = await deltagen(['derive', 'examples/lstm.yaml', '--target', 'octave', '--out', dir, '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['lstm.m', 'lstm.tex']);
    const m = readFileSync(join(dir, 'lstm.m'), 'utf8');
    expect(m).toMatch(/^function net = lstm\(\)\n/);
    expect(m).toContain("net.layout = struct('name', {'W_f_x', 'W_f_h', 'b_f'");
    expect(m).toContain('function [C, g] = loss_and_gradient(p, x, y)');
    const py = fresh();
    expect((await deltagen(['derive', 'examples/rnn.yaml', '--target', 'numpy', '--code', join(py, 'rnn.py'), '--quiet'])).code).toBe(0);
    expect(readdirSync(py)).toEqual(['rnn.py']);
    const text = readFileSync(join(py, 'rnn.py'), 'utf8');
    expect(text).toContain('input_size = 8\noutput_size = 4\nparam_count = 22\n');
    expect(text).toContain('def _loss_and_gradient(params, x, y):');
    expect(text).toContain('{"name": "W_h_h", "offset": 6, "rows": 3, "cols": 3},');
  });

  it('train lowers the loss of every graph example', async () => {
    for (const { file } of graphCorpus) {
      const r = await deltagen(['train', file, '--json', '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      const { losses } = JSON.parse(r.stdout) as { losses: number[] };
      const k = Math.min(20, losses.length >> 2);
      const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
      expect(mean(losses.slice(-k)), file).toBeLessThan(mean(losses.slice(0, k)));
    }
  }, 60_000);
});

describe('a chain with a formula loss and l2 regularization', () => {
  it('keeps the names W1, b1 and passes check', async () => {
    const dir = fresh();
    const file = join(dir, 'quartic.yaml');
    writeFileSync(file, 'name: quartic\ninput: 2\nlayers:\n  - { units: 3, activation: tanh }\n  - { units: 1 }\nloss: { formula: "(a - y)^4 / 4" }\nregularization: { l2: 0.01 }\n');
    const r = await deltagen(['check', file, '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { parameters: { name: string }[] }).parameters.map((p) => p.name)).toEqual(['W1', 'b1', 'W2', 'b2']);
  }, 60_000);
});

describe('check on wider and longer sequence models', () => {
  // Random points scale a wide input's weights as 2/√fan-in (else the pre-activations and, over many steps, the
  // gradients explode and no difference quotient is accurate), and with relu the difference step crosses no kink.
  it.each([
    ['an LSTM of 32 units over 20 steps', readFileSync('examples/lstm.yaml', 'utf8').replace(/units: 4/g, 'units: 32').replace('sequence: 3', 'sequence: 20').replace(/\ntrain:[\s\S]*$/, '\n')],
    ['a relu RNN of 48 units over 30 steps', 'name: relurnn\ninput: 8\nsequence: 30\nnodes:\n  h: { dense: [x, h@prev], units: 48, activation: relu }\n  out: { dense: h, units: 2 }\nloss: half-squared\n'],
  ])('%s passes', async (_what, text) => {
    const r = await deltagen(['check', '-', '--points', '2', '--json', '--quiet'], text);
    expect(r.code, r.stdout).toBe(0);
    expect((JSON.parse(r.stdout) as { passed: boolean }).passed).toBe(true);
  }, 60_000);
});

describe('a formula activation fed by relu', () => {
  it('checks out though its input is exactly 0 where the relu is off (the reference\'s d|x|/dx = |x|/x is 0/0 there)', async () => {
    const text = 'name: g2\ninput: 3\nnodes:\n  a1: { dense: x, units: 2, activation: relu }\n  b1: { dense: x, units: 2, activation: { leaky-relu: 0.1 } }\n  cc: { concat: [a1, b1, x] }\n  m: { multiply: [a1, b1] }\n  o: { of: cc, activation: { formula: "x / (1 + abs(x))" } }\n  out: { dense: [o, m], units: 3, activation: softmax }\nloss: softmax-cross-entropy\n';
    const r = await deltagen(['check', '-', '--json', '--quiet'], text);
    expect(r.code, r.stdout).toBe(0);
    expect((JSON.parse(r.stdout) as { parameters: { reference: number }[] }).parameters.every((p) => p.reference <= 1e-9)).toBe(true);
  }, 60_000);
});
