import { describe, expect, it } from 'vitest';

import { UserError } from '../src/errors.ts';
import { deltagen } from './helpers.ts';
import { parseChain } from './chain.ts';

const ok = `name: t\ninput: 2\nlayers:\n  - units: 3\n    activation: sigmoid\nloss: squared\n`;

function error(text: string): string {
  try {
    parseChain(text, 'net.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('network files', () => {
  it('parses YAML and the same network as JSON', () => {
    const a = parseChain(ok, 'a.yaml');
    const b = parseChain(JSON.stringify({ name: 't', input: 2, layers: [{ units: 3, activation: 'sigmoid' }], loss: 'squared' }), 'b.json');
    expect({ ...a, source: '' }).toEqual({ ...b, source: '' });
    expect(a.layers[0]).toEqual({ units: 3, activation: { kind: 'sigmoid' }, bias: true });
  });

  it.each([
    [ok.replace('units: 3', 'units: 0'), 'net.yaml:4:12: layers[0].units'],
    [ok.replace('units: 3', 'units: 2.5'), 'layers[0].units: expected a whole number'],
    [ok.replace('sigmoid', 'sigmod'), 'did you mean "sigmoid"'],
    [ok.replace('squared', 'sqared'), 'loss: unknown loss "sqared" (did you mean "squared"?)'],
    [ok + 'input: 3\n', 'net.yaml:7:1'],
    [ok + 'train:\n  rate: 0.1\n  data:\n    - { x: [1], y: [1, 2, 3] }\n', 'train.data[0].x: expected 2 numbers'],
    [ok + 'train:\n  rate: 0.1\n  init:\n    W1: [[1, 2]]\n', 'train.init.W1: expected 3 rows of 2 numbers'],
    ['name: t\ninput: [1\n', 'net.yaml:'],
    [ok + 'colour: red\n', 'colour'],
    [ok.replace('sigmoid', 'relux'), 'layers[0].activation: unknown activation "relux" (did you mean "relu"?)'],
    // In a record (train.init) a __proto__ key would vanish when converted to data: refused where it stands.
    [ok + 'train:\n  rate: 0.1\n  init:\n    __proto__: [[1, 2]]\n', 'net.yaml:10:5: the key "__proto__" is not allowed'],
  ])('refuses bad input with the file and the field: %#', (text, fragment) => {
    expect(error(text)).toContain(fragment);
  });

  it('the command line exits 2 with one line for bad input', async () => {
    const r = await deltagen(['check', 'examples/does-not-exist.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('examples/does-not-exist.yaml');
  });
});

describe('a formula activation is read with the file', () => {
  it('its mistake is named with its field and placed at its line and column, in both forms', async () => {
    const { parseNetwork } = await import('../src/spec/load.ts');
    expect(() => parseNetwork('name: g\ninput: 2\nnodes:\n  h: { dense: x, units: 2, activation: { formula: "x * sigmoid(beta * x)" } }\n  out: { dense: h, units: 1 }\nloss: half-squared\n', 'g.yaml'))
      .toThrow(/^g\.yaml:4:51: nodes\.h\.activation: formula "x \* sigmoid\(beta \* x\)": unknown symbol "beta"/);
    expect(() => parseNetwork('name: c\ninput: 1\nlayers:\n  - { units: 1, activation: { formula: "log(-1 - x^2)" } }\nloss: { formula: "(a-y)^2" }\n', 'c.yaml'))
      .toThrow(/^c\.yaml:4:40: layers\[0\]\.activation: formula "log\(-1 - x\^2\)" is not finite at x = -1000/);
    expect(() => parseNetwork('name: c\ninput: 1\nlayers:\n  - { units: 1, activation: { formula: "x + q" } }\nloss: mse\n', 'c.yaml'))
      .toThrow(/^c\.yaml:4:40: layers\[0\]\.activation: formula "x \+ q": unknown symbol "q"/);
  });
});
