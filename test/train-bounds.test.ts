// Training's bounds and messages: work a user can ask for is bounded before it
// starts, and a divergence names where it came from, advising on the rate only
// when the rate is the cause.
import { describe, expect, it } from 'vitest';
import { deltagen } from './helpers.ts';

const net = (rate: string, w: string): string =>
  `name: q\ninput: 1\nlayers:\n  - { units: 1, activation: identity, bias: false }\nloss: squared\ntrain:\n  rate: ${rate}\n  steps: 20\n  init: { W1: [[${w}]] }\n  data: [ { x: [5.7], y: [50.1] } ]\n`;

describe('train: bounds', () => {
  it('--steps above 10^7 is refused before anything runs', async () => {
    const r = await deltagen(['train', 'examples/question.yaml', '--steps', '20000000', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^deltagen: --steps: 20000000 steps; at most 10000000 in one run\n$/);
  });

  it('--trace that would record more than 10^7 numbers is refused', async () => {
    const r = await deltagen(['train', 'examples/iris.yaml', '--steps', '1000000', '--trace', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--trace\) would keep 1000000 × \d+ numbers; at most 10000000/);
  });

  it('an --init that is a device stops at the size limit', async () => {
    const r = await deltagen(['train', 'examples/question.yaml', '--init', '/dev/zero', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--init /dev/zero: larger than');
  });
});

describe('train: a divergence says where it came from', () => {
  it('a start that is already infinite names the parameter, not the rate', async () => {
    const r = await deltagen(['train', '-', '--quiet'], net('0.007', '1e308'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the loss is Infinity at the starting parameters (example 1; largest: W1[1,1] = 1e+308)');
    expect(r.stderr).not.toContain('rate');
  });

  it('a rate that makes it blow up is named with its value', async () => {
    const r = await deltagen(['train', '-', '--quiet'], net('1e300', '-23.1'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/training diverged at step \d+ \(example 1\): .*smaller train\.rate \(now 1e\+300\)|parameter W1\[1,1\] became .*rate 1e\+300/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a gradient that is not a number at the start is named as such, not blamed on the rate', async () => {
    const file = 'name: l1s\ninput: 2\nnodes:\n  out: { dense: x, units: 1 }\nloss: { formula: "sqrt((a - y)^2)" }\ntrain:\n  rate: 0.1\n  steps: 3\n  init: { W_out: [[0, 0]], b_out: [0] }\n  data:\n    - { x: [1, 2], y: [0] }\n';
    const r = await deltagen(['train', '-', '--quiet'], file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the gradient of W_out\[1,1\] is not a number at the starting parameters \(example 1\), though the loss is 0/);
    expect(r.stderr).not.toMatch(/smaller rate/);
  });
});
