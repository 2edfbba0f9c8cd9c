// The graph form of the network file: what it accepts (the examples, with the
// parameter names and sizes of the contract) and what it refuses, each mistake
// with exit 2, one line naming the node and the field, and no file written.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphLayout } from '../src/graph/graph-layout.ts';
import { loadNetworkFile, parseNetwork } from '../src/spec/load.ts';
import { exampleSizes, isGraph, type GraphNetwork } from '../src/spec/graph-types.ts';
import { deltagen } from './helpers.ts';

const graph = (file: string): GraphNetwork => {
  const n = loadNetworkFile(file);
  if (!isGraph(n)) throw new Error('expected a graph network');
  return n;
};

describe('the graph form: accepted', () => {
  it('the LSTM has the contract\'s layout, names and flat example sizes', () => {
    const lstm = graph('examples/lstm.yaml');
    const layout = graphLayout(lstm);
    expect(layout.entries.map((e) => `${e.name}:${e.rows}x${e.cols}@${e.offset}`).slice(0, 4)).toEqual(['W_f_x:4x2@0', 'W_f_h:4x4@8', 'b_f:4x1@24', 'W_i_x:4x2@28']);
    expect(layout.entries.at(-2)!.name).toBe('W_out');
    expect(layout.paramCount).toBe(4 * (4 * 2 + 4 * 4 + 4) + 4 + 1);
    expect(exampleSizes(lstm)).toEqual({ x: 6, y: 1 });
    // x as T vectors in the file, flat in the network
    expect(lstm.train!.data[0]!.x).toEqual([0.1, 0.2, 0.3, 0.1, 0.0, 0.5]);
  });

  it('a tied node has only its bias; an every-step target is flat T·n_out', () => {
    expect(graphLayout(graph('examples/autoencoder.yaml')).entries.map((e) => e.name)).toEqual(['W_code', 'b_code', 'b_out']);
    const rnn = graph('examples/rnn.yaml');
    expect(exampleSizes(rnn)).toEqual({ x: 8, y: 4 });
    expect(rnn.train!.data[0]!.y).toEqual([0.5, 0.2, 0.9, 0.1]);
  });

  it('@prev may read a later node, and sizes are inferred through it', () => {
    const n = parseNetwork('name: g\ninput: 1\nsequence: 2\nnodes:\n  m: { multiply: [x, s@prev] }\n  s: { of: m, activation: tanh }\nloss: squared\n');
    expect(isGraph(n) && n.nodes.map((m) => m.size)).toEqual([1, 1]);
  });
});

const base = (nodes: string, extra = '', loss = 'half-squared'): string => `name: g\ninput: 2\n${extra}nodes:\n${nodes}\nloss: ${loss}\n`;
const seq = 'sequence: 2\n';

/** Each bad file, and what its one-line message must say (the node and field first). */
const BAD: readonly (readonly [string, string, RegExp])[] = [
  ['an unknown input', base('  h: { dense: q, units: 2 }'), /nodes\.h\.dense: unknown input "q"/],
  ['a cycle without @prev', base('  h: { dense: [x, h], units: 2 }', seq), /nodes\.h\.dense\[1\]: "h" reads itself: a cycle/],
  ['a read of a later node without @prev', base('  h: { dense: k, units: 2 }\n  k: { dense: x, units: 2 }'), /nodes\.h\.dense: "k" is computed after "h".*cycle needs @prev/],
  ['@prev outside a sequence model', base('  h: { dense: [x, h@prev], units: 2 }'), /nodes\.h\.dense\[1\]: h@prev: @prev .*sequence/],
  ['add of different sizes', base('  h: { dense: x, units: 2 }\n  k: { dense: x, units: 3 }\n  s: { add: [h, k] }'), /nodes\.s\.add\[1\]: "k" has size 3, but "h" has 2/],
  ['multiply of different sizes', base('  h: { dense: x, units: 3 }\n  s: { multiply: [h, x] }'), /nodes\.s\.multiply\[1\]: "x" has size 2, but "h" has 3/],
  ['a tie whose shapes do not fit', base('  h: { dense: x, units: 3 }\n  o: { dense: h, units: 3, tied: h }'), /nodes\.o\.units: the tied weight W_hᵀ gives 2 numbers/],
  ['a tie to a node that is not dense', base('  h: { of: x, activation: tanh }\n  o: { dense: h, units: 2, tied: h }'), /nodes\.o\.tied: "h" is not a dense node/],
  ['a node tied to itself', base('  h: { dense: x, units: 2, tied: h }'), /nodes\.h\.tied: "h" is tied to itself/],
  ['softmax inside the graph', base('  h: { dense: x, units: 3, activation: softmax }\n  o: { dense: h, units: 1 }'), /nodes\.h\.activation: softmax is allowed on the output node only/],
  ['a softmax output read by another node', base('  h: { dense: [x, out@prev], units: 3 }\n  out: { dense: h, units: 3, activation: softmax }', seq, 'softmax-cross-entropy'), /nodes\.out\.activation: the softmax output "out" is read by "h"/],
  ['a reserved name', base('  z: { dense: x, units: 3 }'), /nodes\.z: "z" is reserved/],
  ['a reserved word of JavaScript', base('  class: { dense: x, units: 3 }'), /nodes\.class: "class" is a reserved word/],
  ['a source named twice in a dense node', base('  k: { dense: x, units: 2 }\n  h: { dense: [k, x, k], units: 2 }'), /nodes\.h\.dense\[2\]: "k": a dense node names each source once/],
  ['two kinds in one node', base('  h: { dense: x, add: [x, x], units: 2 }'), /nodes\.h: expected one kind, found dense and add/],
  ['units on an add node', base('  h: { add: [x, x], units: 2 }'), /nodes\.h\.units: an add node takes no units/],
  ['an unknown activation', base('  h: { of: x, activation: relux }'), /nodes\.h\.activation: unknown activation "relux"/],
  ['x@prev', base('  h: { dense: x@prev, units: 2 }', seq), /nodes\.h\.dense: x@prev/],
  ['an unknown output', `${base('  h: { of: x, activation: tanh }')}output: q\n`, /output: unknown node "q"/],
  ['a formula loss with an unknown symbol', base('  h: { dense: x, units: 1 }', '', '{ formula: "q * a" }'), /loss\.formula: formula "q \* a": unknown symbol "q"/],
  ['sequence data of the wrong length', `${base('  h: { dense: [x, h@prev], units: 1 }', seq)}train: { rate: 0.1, steps: 1, data: [ { x: [[1, 2]], y: [[1], [2]] } ] }\n`, /train\.data\[0\]\.x: expected 2 lists of 2 numbers/],
  ['a bad name in the single-input form', base('  h: { dense: H, units: 1 }'), /nodes\.h\.dense: expected x, a node name or NODE@prev, found "H"/],
  ['a sequence past its limit', base('  h: { dense: x, units: 1 }', 'sequence: 1000000000\n'), /sequence: expected at most 10000 steps/],
  ['an unknown regularization', base('  h: { dense: x, units: 1 }', 'regularization: { l2: 0.1, l1: 0.2 }\n'), /regularization: unknown field "l1"/],
  ['a last-step target of T vectors', `${base('  h: { dense: [x, h@prev], units: 1 }', `${seq}target: last-step\n`)}train: { rate: 0.1, steps: 1, data: [ { x: [[1, 2], [3, 4]], y: [[1], [2]] } ] }\n`, /train\.data\[0\]\.y: expected 1 numbers \(target: last-step/],
  ['init with a value that is not a number', `${base('  h: { dense: x, units: 1 }')}train: { rate: 0.1, steps: 1, init: { W_h: [[.nan, 2]] }, data: [ { x: [1, 2], y: [1] } ] }\n`, /train\.init\.W_h: expected a matrix .* of finite numbers/],
  ['a prototype key that an alias spells', base('  h: { dense: x, units: 1, activation: { formula: &p __proto__ } }\n  *p : { dense: h, units: 1 }'), /nodes\.__proto__: the key "__proto__" is not allowed/],
  ['values past the limit (a wide input over many steps, no parameters)', base('  s: { of: x, activation: tanh }', 'sequence: 10000\n').replace('input: 2', 'input: 1000000'), /sequence: the network would hold 20000000000 values per example .* at most 5000000/],
  ['a missing field, placed at its node', base('  h: { dense: x, units: 2 }\n  r: { dense: h }'), /g\.yaml:5:6: nodes\.r\.units: a dense node needs units/],
  ['init of a name not in the layout', `${base('  h: { dense: x, units: 1 }')}train: { rate: 0.1, steps: 1, init: { W_q: [[1, 2]] }, data: [ { x: [1, 2], y: [1] } ] }\n`, /train\.init\.W_q: no parameter W_q \(the layout has W_h, b_h\)/],
];

describe('the graph form: refused', () => {
  it.each(BAD)('%s: exit 2, one line naming the node and field, no file written', async (_what, text, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-graph-spec-'));
    const file = join(dir, 'g.yaml');
    writeFileSync(file, text);
    const r = await deltagen(['derive', file, '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^deltagen: .*g\.yaml/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['g.yaml']);
  });
});

describe('a graph network object given to the library', () => {
  it('goes through the file\'s rules: a hostile node name, output or formula is a one-line UserError and no code runs', async () => {
    const { trainer, UserError } = await import('../src/index.ts');
    const rnn = graph('examples/rnn.yaml');
    const hostile = [
      { ...rnn, nodes: [{ ...rnn.nodes[0]!, name: 'h\nglobalThis.__pwnedGraph=1;//' }, rnn.nodes[1]!] },
      { ...rnn, output: '__proto__' },
      { ...rnn, nodes: [{ ...rnn.nodes[0]!, activation: { kind: 'formula' as const, formula: 'x; globalThis.__pwnedGraph=1' } }, rnn.nodes[1]!] },
    ];
    for (const net of hostile) {
      const error = await trainer(net).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message.split('\n')).toHaveLength(1);
    }
    expect((globalThis as Record<string, unknown>).__pwnedGraph).toBeUndefined();
  });
});
