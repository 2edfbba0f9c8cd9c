// The MATLAB/Octave trainer (src/render/octave.ts) run in GNU Octave: for every
// example network its loss and gradient equal the TypeScript trainer's; it
// trains as the TypeScript trainer's gradients do by hand; generated/question.m
// prints the question's 20 values, as the README shows; and the CLI writes and
// checks it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateInInterpreter, OCTAVE_PRELUDE, runInInterpreter, trainerFile } from '../src/check/interpreters.ts';
import { UserError } from '../src/errors.ts';
import { compileNetwork, renderOctave } from '../src/pipeline.ts';

import { deltagen } from './helpers.ts';
import { expectClose, largestErrorAgainstTypeScript, NETWORKS, numbersOf, points, runs, trainingCase } from './targets-common.ts';
import { loadChain, parseChain } from './chain.ts';

const hasOctave = runs('octave-cli', ['--version']);
const matlab = (JSON.parse(readFileSync('examples/question-matlab.json', 'utf8')) as { W1: number[] }).W1;
const readme = readFileSync('README.md', 'utf8');

/** An Octave row vector literal: each number as JavaScript prints it, which reads back exactly. */
const row = (v: ArrayLike<number>): string => `[${Array.from(v, String).join(' ')}]`;

describe.skipIf(!hasOctave && !process.env.CI)('the Octave trainer in GNU Octave', () => {
  for (const { file, network } of NETWORKS) {
    it(`${file}: loss and gradient at 5 seeded points and one extreme point equal the TypeScript trainer's to 1e-12`, async () => {
      expect(await largestErrorAgainstTypeScript('octave', network)).toBeLessThanOrEqual(1e-12);
    });
  }

  it("generated/question.m, called as the README shows, prints the question's 20 values as the README has them", () => {
    // The README's second matlab block is the training call; the text block after it, what Octave printed.
    const call = [...readme.matchAll(/```matlab\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('question()'));
    const printed = readme.slice(readme.indexOf(call!)).match(/```text\n([\s\S]*?)```/)![1]!;
    const { stdout } = runInInterpreter('octave', { [join('module', 'question.m')]: readFileSync('generated/question.m', 'utf8') }, [...OCTAVE_PRELUDE, call!].join('\n'));
    const values = (text: string): number[] => text.trim().split('\n').map((l) => Number(l.trim().split(/\s+/)[1]));
    expect(values(stdout)).toHaveLength(20);
    // To 4 decimals: the README against this run, and this run against the asker's MATLAB session.
    expect(values(printed).map((v) => v.toFixed(4))).toEqual(values(stdout).map((v) => v.toFixed(4)));
    expect(values(stdout).map((v) => v.toFixed(4))).toEqual(matlab.map((v) => v.toFixed(4)));
    expect(stdout).toBe(printed);
  });

  it('trains as SGD with the TypeScript gradients: steps taking the examples in turn, epochs as passes with a shorter last batch; predict takes columns', async () => {
    const network = loadChain('examples/iris.yaml');
    const t = await trainingCase(network);
    const X = `[${t.data.map((d) => row(d.x)).join('; ')}]'`;
    const Y = `[${t.data.map((d) => row(d.y)).join('; ')}]'`;
    const script = [
      ...OCTAVE_PRELUDE,
      `net = iris(); p0 = ${row(t.start)}'; X = ${X}; Y = ${Y};`,
      `p = net.train(p0, X, Y, struct('rate', ${t.rate}, 'steps', 7, 'batch_size', 2)); fprintf(' %.17g', p); fprintf('\\n');`,
      `[p, losses] = net.train(p0, X, Y, struct('rate', ${t.rate}, 'epochs', 2, 'batch_size', 2)); fprintf(' %.17g', p); fprintf('\\n');`,
      "fprintf(' %d', numel(losses)); fprintf('\\n');",
      "a = net.predict(p0, X); fprintf(' %.17g', a); fprintf('\\n');",
    ].join('\n');
    const lines = runInInterpreter('octave', trainerFile('octave', compileNetwork(network)), script).stdout.trim().split('\n');
    expectClose(numbersOf(lines[0]!), t.afterSteps, 'steps');
    expectClose(numbersOf(lines[1]!), t.afterEpochs, 'epochs');
    expect(numbersOf(lines[2]!)).toEqual([6]);
    expectClose(numbersOf(lines[3]!), t.predictions.flat(), 'predict'); // column-major: one example's outputs after another
  });

  it('deltagen derive --target octave writes <name>.m (a - in the name becomes _), the file generated/question.m is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltagen-octave-cli-'));
    try {
      const r = await deltagen(['derive', 'examples/question-chain.yaml', '--target', 'octave', '--out', dir, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { files: string[] }).files).toEqual([join(dir, 'question_chain.m'), join(dir, 'question-chain.tex')]);
      expect(readFileSync(join(dir, 'question_chain.m'), 'utf8')).toMatch(/^function net = question_chain\(\)\n/);
      const printed = await deltagen(['derive', 'examples/question.yaml', '--target', 'octave', '--code', '-']);
      expect(printed.stdout).toBe(readFileSync('generated/question.m', 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deltagen check --target octave runs the file in octave-cli and compares it with the reference and the TypeScript trainer', async () => {
    const r = await deltagen(['check', 'examples/xor.yaml', '--target', 'octave', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { passed: boolean; interpreter: string; points: number; loss: { typescript: number } };
    expect(report).toMatchObject({ passed: true, interpreter: 'octave-cli', points: 5 });
    expect(report.loss.typescript).toBeLessThanOrEqual(1e-12);
    const text = await deltagen(['check', 'examples/iris.yaml', '--target', 'octave', '--points', '2']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('vs TypeScript');
  });

  it('a missing interpreter is bad input (exit 2) that names it and what to install', () => {
    const c = compileNetwork(loadChain('examples/question.yaml'));
    const attempt = (): unknown => evaluateInInterpreter('octave', c, points(c.network), { command: 'no-such-octave-cli' });
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(/no-such-octave-cli: not found.*GNU Octave \(Debian: apt-get install octave\)/);
  });
});

describe('the Octave file', () => {
  it('is deterministic and refuses names that cannot name a function file (keywords, its own functions), exit 2', async () => {
    const c = compileNetwork(loadChain('examples/iris.yaml'));
    expect(renderOctave(c)).toBe(renderOctave(compileNetwork(loadChain('examples/iris.yaml'))));
    for (const name of ['end', 'persistent', 'train', 'sigmoid']) {
      const text = `name: ${name}\ninput: 1\nlayers:\n  - { units: 1, activation: identity }\nloss: squared\n`;
      expect(() => renderOctave(compileNetwork(parseChain(text, 'n.yaml')))).toThrow(UserError);
      const r = await deltagen(['derive', '-', '--target', 'octave', '--code', '-'], text);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`"${name}" cannot name a MATLAB/Octave function file`);
    }
    const bad = await deltagen(['derive', 'examples/question.yaml', '--target', 'fortran']);
    expect([bad.code, bad.stderr]).toEqual([2, 'deltagen: --target: expected ts, js, octave or numpy, found "fortran"\n']);
  });
});
