// The network file's train section for optimizers, schedules, shuffling,
// validation and early stopping (errors name the field), and the update rule
// the LaTeX and the page print for each: the rule the trainer runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.ts';
import { compileNetwork, renderLatex } from '../src/pipeline.ts';
import { generateHtml, renderDisplay } from '../src/render/html.ts';
import { derivationDocument } from '../src/render/latex.ts';

import { OPTIMIZERS } from '../src/spec/types.ts';
import { deltagen } from './helpers.ts';
import { parseChain } from './chain.ts';

const base = `name: t
input: 2
layers:
  - units: 3
    activation: sigmoid
  - units: 1
    activation: sigmoid
loss: half-squared
train:
  rate: 0.1
  data:
    - { x: [0, 1], y: [1] }
    - { x: [1, 0], y: [1] }
    - { x: [1, 1], y: [0] }
`;

function error(text: string): string {
  try {
    parseChain(text, 'net.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('train section: optimizer, schedule, shuffle, validation, patience', () => {
  it('reads a name or a name with hyperparameters', () => {
    expect(parseChain(`${base}  optimizer: adam\n`).train!.optimizer).toEqual({ kind: 'adam' });
    expect(parseChain(`${base}  optimizer: { adam: { beta1: 0.8, epsilon: 1e-7 } }\n`).train!.optimizer).toEqual({ kind: 'adam', beta1: 0.8, epsilon: 1e-7 });
    expect(parseChain(`${base}  optimizer:\n    momentum:\n`).train!.optimizer).toEqual({ kind: 'momentum' });
    expect(parseChain(`${base}  optimizer: { adamw: { weightDecay: 0 } }\n`).train!.optimizer).toEqual({ kind: 'adamw', weightDecay: 0 });
    for (const kind of Object.keys(OPTIMIZERS)) expect(parseChain(`${base}  optimizer: ${kind}\n`).train!.optimizer).toEqual({ kind });
    const t = parseChain(`${base}  epochs: 5\n  shuffle: true\n  schedule: { cosine: { over: 5 } }\n  validation: [{ x: [0, 0], y: [0] }]\n  patience: 2\n  restoreBest: false\n`).train!;
    expect([t.shuffle, t.schedule, t.validation, t.patience, t.restoreBest]).toEqual([true, { kind: 'cosine', over: 5, min: 0 }, [{ x: [0, 0], y: [0] }], 2, false]);
    expect(parseChain(`${base}  schedule: { step: { every: 3, factor: 0.5 } }\n`).train!.schedule).toEqual({ kind: 'step', every: 3, factor: 0.5 });
    expect(parseChain(`${base}  schedule: constant\n`).train!.schedule).toEqual({ kind: 'constant' });
    const json = { name: 't', input: 2, layers: [{ units: 1 }], loss: 'squared', train: { rate: 0.1, data: [{ x: [0, 1], y: [1] }], optimizer: { nesterov: { momentum: 0.95 } } } };
    expect(parseChain(JSON.stringify(json), 'net.json').train!.optimizer).toEqual({ kind: 'nesterov', momentum: 0.95 });
  });

  it.each([
    ['  optimizer: adm\n', 'net.yaml:15:14: train.optimizer: unknown optimizer "adm" (expected one of sgd, momentum, nesterov, rmsprop, adam, adamw)'],
    ['  optimizer: { adam: { beta3: 0.5 } }\n', 'train.optimizer.adam: unknown setting "beta3" (adam takes beta1, beta2, epsilon)'],
    ['  optimizer: { rmsprop: { beta1: 0.5 } }\n', 'train.optimizer.rmsprop: unknown setting "beta1" (rmsprop takes rho, epsilon)'],
    ['  optimizer: { sgd: { momentum: 0.9 } }\n', 'train.optimizer.sgd: sgd takes no settings'],
    ['  optimizer: { adam: { beta1: 1 } }\n', 'train.optimizer.adam.beta1: expected a number in [0, 1)'],
    ['  optimizer: { adam: { epsilon: 0 } }\n', 'train.optimizer.adam.epsilon: expected a positive number'],
    ['  optimizer: { adamw: { weightDecay: -1 } }\n', 'train.optimizer.adamw.weightDecay: expected a number of at least 0'],
    ['  optimizer: { momentum: { momentum: "high" } }\n', 'train.optimizer.momentum.momentum: expected a finite number'],
    ['  optimizer: { adam: {}, sgd: {} }\n', 'train.optimizer: expected one optimizer'],
    ['  optimizer: 3\n', 'train.optimizer: expected a name (sgd, momentum, nesterov, rmsprop, adam, adamw) or { name: { … } }'],
    ['  optimizer: __proto__\n', 'train.optimizer: unknown optimizer "__proto__"'],
    ['  schedule: exp\n', 'train.schedule: unknown schedule "exp" (expected one of constant, step, exponential, cosine)'],
    ['  schedule: { step: { every: 0, factor: 0.5 } }\n', 'train.schedule.step.every: expected a number of at least 1'],
    ['  schedule: { exponential: { factor: -1 } }\n', 'train.schedule.exponential.factor: expected a positive number'],
    ['  schedule: { cosine: { over: 10, max: 1 } }\n', 'train.schedule.cosine: unknown setting "max" (cosine takes over, min)'],
    ['  shuffle: yes\n', 'train.shuffle: expected true or false'],
    ['  validation: []\n', 'train.validation: expected at least one example'],
    ['  validation: [{ x: [1], y: [1] }]\n', 'train.validation[0].x: expected 2 numbers (input: 2), found 1'],
    ['  validation: [{ x: [1, 2], y: [1, 0] }]\n', 'train.validation[0].y: expected 1 numbers'],
    ['  patience: 3\n', 'train.patience: early stopping watches the validation loss: give train.validation'],
    ['  patience: 0\n  validation: [{ x: [1, 2], y: [1] }]\n', 'train.patience: expected a number of at least 1'],
    ['  restoreBest: true\n', 'train.restoreBest: restoreBest goes with patience'],
  ])('refuses bad settings with the field: %#', (extra, message) => {
    expect(error(base + extra)).toContain(message);
  });

  it('the command line exits 2 naming the field', async () => {
    const r = await deltagen(['train', '-', '--quiet'], `${base}  optimizer: { adam: { beta1: 2 } }\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('train.optimizer.adam.beta1: expected a number in [0, 1)');
  });
});

const hasPdflatex = spawnSync('pdflatex', ['--version']).status === 0;

describe('the update rule in the LaTeX and the page is the one the trainer runs', () => {
  const plain = compileNetwork(parseChain(base));
  const section = (tex: string): string => tex.slice(tex.indexOf('\\subsection*{Update rule}'));

  it('plain SGD, or sgd named, at a constant rate: the section as it always was', () => {
    const old = section(renderLatex(plain));
    expect(old).toContain('Stochastic gradient descent with rate $\\eta = 0.1$ updates, for every layer,\n\\begin{equation}\n\\begin{aligned}\nW^{(1)} &\\leftarrow W^{(1)} - \\eta');
    expect(section(renderLatex(compileNetwork(parseChain(`${base}  optimizer: sgd\n  schedule: constant\n`))))).toBe(old);
    expect(derivationDocument(plain).update.optimizer).toBe(false);
  });

  const expectations: Record<string, string[]> = {
    momentum: ['classical momentum', 'v_t &= \\mu \\, v_{t-1} - \\eta \\, g_t', '\\theta &\\leftarrow \\theta + v_t', '$\\mu = 0.9$'],
    nesterov: ['Nesterov', '\\theta &\\leftarrow \\theta + \\mu \\, v_t - \\eta \\, g_t', 'look-ahead point'],
    rmsprop: ['RMSProp', 's_t &= \\rho \\, s_{t-1} + (1 - \\rho) \\, g_t \\odot g_t', '\\frac{g_t}{\\sqrt{s_t} + \\epsilon}', '$\\rho = 0.9$', '$\\epsilon = 10^{-8}$', 'outside the square root'],
    adam: ['Adam (Kingma and Ba, 2015)', 'm_t &= \\beta_1 m_{t-1} + (1 - \\beta_1) \\, g_t', '\\frac{m_t / (1 - \\beta_1^{t})}{\\sqrt{v_t / (1 - \\beta_2^{t})} + \\epsilon}', '$\\beta_1 = 0.8$', '$\\beta_2 = 0.999$'],
    adamw: ['AdamW', '+ \\lambda \\, \\theta\\right)', '$\\lambda = 0.01$', 'decoupled'],
  };
  const settings: Record<string, string> = { adam: '{ adam: { beta1: 0.8 } }' };

  for (const [kind, fragments] of Object.entries(expectations)) {
    it(`${kind}: its equations and hyperparameters, in LaTeX that KaTeX renders and pdflatex compiles, and in the page`, () => {
      const text = `${base}  optimizer: ${settings[kind] ?? kind}\n  batch: 2\n  epochs: 3\n`;
      const c = compileNetwork(parseChain(text));
      const tex = renderLatex(c);
      const s = section(tex);
      for (const f of fragments) expect(s).toContain(f);
      expect(s).toContain('g_t &= \\frac{1}{|B|} \\sum_{e \\in B} \\frac{\\partial C_e}{\\partial \\theta}');
      expect(s).toContain('$|B| = 2$');
      expect(s).toContain('The last batch of each epoch has 1 example.');
      expect(s).toContain('$\\eta = 0.1$');
      expect(s).toContain('\\label{eq:t:update}');
      const doc = derivationDocument(c);
      expect(() => renderDisplay(doc.update.equation.tex)).not.toThrow();
      const html = generateHtml(c);
      expect(html).toContain('<h2>Update rule</h2>');
      expect(html).not.toContain('Stochastic gradient descent with rate');
      expect(html).toContain(fragments[0]); // the name, in prose
      if (hasPdflatex) {
        const dir = mkdtempSync(join(tmpdir(), 'deltagen-optim-tex-'));
        try {
          for (const notation of ['nielsen', 'question'] as const) {
            writeFileSync(join(dir, 'doc.tex'), renderLatex(c, { notation }));
            const r = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'doc.tex'], { cwd: dir, encoding: 'utf8' });
            expect(r.status, r.stdout.slice(-2000)).toBe(0);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    });
  }

  it('one example a step, and a schedule: the gradient of the example and η_k with its formula', () => {
    const cases: [string, string][] = [
      ['{ step: { every: 10, factor: 0.5 } }', '\\eta_k = \\eta \\cdot 0.5^{\\lfloor k / 10 \\rfloor}'],
      ['{ exponential: { factor: 0.99 } }', '\\eta_k = \\eta \\cdot 0.99^{k}'],
      ['{ cosine: { over: 100, min: 0.001 } }', '\\eta_k = 0.001 + \\tfrac{1}{2} \\left(\\eta - 0.001\\right) \\left(1 + \\cos \\frac{\\pi \\min(k, 100)}{100}\\right)'],
    ];
    for (const [schedule, formula] of cases) {
      const s = section(renderLatex(compileNetwork(parseChain(`${base}  steps: 50\n  schedule: ${schedule}\n`))));
      expect(s).toContain('Stochastic gradient descent updates every parameter');
      expect(s).toContain('g_t &= \\frac{\\partial C}{\\partial \\theta}');
      expect(s).toContain('\\theta &\\leftarrow \\theta - \\eta_k \\, g_t');
      expect(s).toContain(formula);
      expect(s).toContain('with $k$ the step from 0');
      expect(() => renderDisplay(formula)).not.toThrow();
    }
  });
});
