// The NumPy trainer (src/render/numpy.ts) run in Python: for every example
// network its loss and gradient equal the TypeScript trainer's; it trains as
// the TypeScript trainer's gradients do by hand; and the CLI writes and checks it.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateInInterpreter, PYTHON_PRELUDE, runInInterpreter, trainerFile } from '../src/check/interpreters.ts';
import { UserError } from '../src/errors.ts';
import { compileNetwork, renderNumPy } from '../src/pipeline.ts';

import { deltagen } from './helpers.ts';
import { expectClose, largestErrorAgainstTypeScript, NETWORKS, numbersOf, points, runs, trainingCase } from './targets-common.ts';
import { loadChain, parseChain } from './chain.ts';

// python3 on PATH, or Debian's, where python3-numpy installs (as the check itself tries them).
const hasNumPy = runs('python3', ['-c', 'import numpy']) || runs('/usr/bin/python3', ['-c', 'import numpy']);

/** A Python list literal: each number as JavaScript prints it, which Python reads back exactly. */
const list = (v: ArrayLike<number>): string => `[${Array.from(v, String).join(', ')}]`;

describe.skipIf(!hasNumPy && !process.env.CI)('the NumPy trainer in Python', () => {
  for (const { file, network } of NETWORKS) {
    it(`${file}: loss and gradient at 5 seeded points and one extreme point equal the TypeScript trainer's to 1e-12`, async () => {
      expect(await largestErrorAgainstTypeScript('numpy', network)).toBeLessThanOrEqual(1e-12);
    });
  }

  it('trains as SGD with the TypeScript gradients: steps taking the examples in turn, epochs as passes with a shorter last batch; rows are examples', async () => {
    const network = loadChain('examples/iris.yaml');
    const t = await trainingCase(network);
    const show = 'print(" ".join("%.17g" % v for v in np.ravel(VALUE)))';
    const script = [
      ...PYTHON_PRELUDE,
      'import iris as net',
      `p0 = np.array(${list(t.start)}); xs = np.array([${t.data.map((d) => list(d.x)).join(', ')}]); ys = np.array([${t.data.map((d) => list(d.y)).join(', ')}])`,
      `p = p0.copy(); net.train(p, xs, ys, ${t.rate}, steps=7, batch_size=2)`, show.replace('VALUE', 'p'),
      `p = p0.copy(); losses = net.train(p, xs, ys, ${t.rate}, epochs=2, batch_size=2)`, show.replace('VALUE', 'p'),
      'print(len(losses))',
      show.replace('VALUE', 'net.predict(p0, xs)'),
      // One example (1-D) gives 1-D outputs; a batch's mean is the sum over rows divided by their number.
      'print(net.predict(p0, xs[0]).shape == (net.output_size,))',
      'c, g = net.batch_loss_and_gradient(p0, xs, ys); s, h = net.loss_and_gradient(p0, xs, ys)',
      'print(c == s / 5 and np.array_equal(g, h / 5) and g.shape == (net.param_count,))',
      'p = p0.copy(); c = net.sgd_step(p, xs[0], ys[0], 0.1); print(c == net.loss(p0, xs[0], ys[0]) and np.array_equal(p, p0 - 0.1 * net.loss_and_gradient(p0, xs[0], ys[0])[1]))',
    ].join('\n');
    const lines = runInInterpreter('numpy', trainerFile('numpy', compileNetwork(network)), script).stdout.trim().split('\n');
    expectClose(numbersOf(lines[0]!), t.afterSteps, 'steps');
    expectClose(numbersOf(lines[1]!), t.afterEpochs, 'epochs');
    expect(lines[2]).toBe('6');
    expectClose(numbersOf(lines[3]!), t.predictions.flat(), 'predict'); // one row of outputs per example
    expect(lines.slice(4)).toEqual(['True', 'True', 'True']);
  });

  it('deltagen derive --target numpy writes <name>.py (a - in the name becomes _), and check --target numpy runs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-numpy-cli-'));
    try {
      const r = await deltagen(['derive', 'examples/question-chain.yaml', '--target', 'numpy', '--code', join(dir, 'question_chain.py')]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(dir, 'question_chain.py'), 'utf8')).toBe(renderNumPy(compileNetwork(loadChain('examples/question-chain.yaml'))));
      const check = await deltagen(['check', 'examples/custom.yaml', '--target', 'numpy', '--json']);
      expect(check.code, check.stderr).toBe(0);
      expect(JSON.parse(check.stdout)).toMatchObject({ network: 'custom', target: 'numpy', passed: true, points: 5 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing Python, or one without NumPy, is bad input (exit 2) that says what to install', () => {
    const c = compileNetwork(loadChain('examples/question.yaml'));
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-no-numpy-'));
    try {
      const withoutNumPy = join(dir, 'python-without-numpy');
      writeFileSync(withoutNumPy, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'numpy'\" >&2\nexit 1\n");
      chmodSync(withoutNumPy, 0o755);
      for (const command of ['no-such-python3', withoutNumPy]) {
        const attempt = (): unknown => evaluateInInterpreter('numpy', c, points(c.network), { command });
        expect(attempt).toThrow(UserError);
        expect(attempt).toThrow(/install Python 3 with NumPy \(Debian: apt-get install python3-numpy\)/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the NumPy module', () => {
  it('is deterministic and refuses names Python cannot import (keywords) or that shadow numpy, exit 2', async () => {
    const c = compileNetwork(loadChain('examples/xor.yaml'));
    expect(renderNumPy(c)).toBe(renderNumPy(compileNetwork(loadChain('examples/xor.yaml'))));
    for (const name of ['lambda', 'numpy']) {
      const text = `name: ${name}\ninput: 1\nlayers:\n  - { units: 1, activation: identity }\nloss: squared\n`;
      expect(() => renderNumPy(compileNetwork(parseChain(text, 'n.yaml')))).toThrow(UserError);
      const r = await deltagen(['derive', '-', '--target', 'numpy', '--code', '-'], text);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`"${name}" cannot name a Python module`);
    }
  });
});
