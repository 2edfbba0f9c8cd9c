// deltagen verify for networks with nodes: BPTT formulas for the RNN, the
// residual block's skip connection, the tied autoencoder, and the numbers the
// verdicts rest on (graph-values.ts) against finite differences.
import { describe, expect, it } from 'vitest';
import { loadNetworkFile, parseNetwork } from '../src/spec/load.ts';
import { isGraph, type GraphNetwork } from '../src/spec/graph-types.ts';
import { graphPointAt, randomGraphPoints } from '../src/verify/graph-values.ts';
import { verify } from '../src/verify/verify.ts';
import { deltagen } from './helpers.ts';

interface Out {
  verdict: string;
  of: string;
  wrt: string;
  read: { formula: string; latex: string };
  counterexample: { point: { x: unknown; y: unknown; params: Record<string, unknown> }; element: [number, number]; formula: number; expected: number } | null;
  shapes?: string;
  expected: { formula: string; latex: string } | null;
  differs: string[];
  proof: string;
  notes: string[];
}

async function run(file: string, args: string[]): Promise<{ code: number; out: Out }> {
  const r = await deltagen(['verify', file, ...args, '--json']);
  expect(r.stderr).toBe('');
  return { code: r.code, out: JSON.parse(r.stdout) as Out };
}

const graph = (file: string): GraphNetwork => {
  const n = loadNetworkFile(file);
  if (!isGraph(n)) throw new Error(`${file} is not a graph`);
  return n;
};

const RNN = 'examples/rnn.yaml';
const BPTT = { formula: "sum_t(delta_h[t] * h[t-1]')", latex: '\\sum_{t} \\delta_{h,t} h_{t-1}^\\top' };

describe('verify: the RNN through time', () => {
  it('the right BPTT formula for W_h_h, in LaTeX and in mathjs syntax', async () => {
    for (const args of [
      ['--latex', '\\sum_t \\delta_t h_{t-1}^T'],
      ['--latex', '\\frac{\\partial C}{\\partial W_{hh}} = \\sum_{t=1}^{T} \\delta_{h,t} h_{t-1}^\\top'],
      ['--formula', "sum_t(delta_h[t] * h[t-1]')"],
      ['--formula', "sum(delta[t] * h[t-1]', t)"],
    ]) {
      const { code, out } = await run(RNN, ['--wrt', 'W_h_h', ...args]);
      expect(code, args.join(' ')).toBe(0);
      expect(out.verdict).toBe('equivalent');
      expect(out.wrt).toBe('W_h_h');
      expect(out.read.formula).toBe(BPTT.formula);
      expect(out.proof).toMatch(/same polynomial/);
      expect(out.expected).toEqual(BPTT);
    }
  });

  it('δ written out by its recursion through time: equal at every point, not proved term by term', async () => {
    const { code, out } = await run(RNN, ['--wrt', 'W_h_h', '--latex',
      '\\sum_t \\left((W_{out}^T \\delta_{out,t} + W_{hh}^T \\delta_{t+1}) \\odot (1 - h_t^2)\\right) h_{t-1}^T']);
    expect(code).toBe(0);
    expect(out.verdict).toBe('numerically-equal');
    expect(out.proof).toMatch(/not proved/);
  });

  it('index form: one element, --wrt W_h_h[j,k]', async () => {
    const right = await run(RNN, ['--wrt', 'W_h_h[j,k]', '--formula', 'sum_t(delta_h[t][j] * h[t-1][k])']);
    expect(right.code).toBe(0);
    expect(right.out.verdict).toBe('equivalent');
    expect(right.out.expected).toEqual({ formula: 'sum_t(delta_h[t][j] * h[t-1][k])', latex: '\\sum_{t} \\left(\\delta_{h,t}\\right)_{j} \\left(h_{t-1}\\right)_{k}' });
    expect((await run(RNN, ['--wrt', 'W_h_h[j,k]', '--latex', '\\sum_t (\\delta_t)_j (h_{t-1})_k'])).code).toBe(0);
    const swapped = await run(RNN, ['--wrt', 'W_h_h[j,k]', '--formula', 'sum_t(delta_h[t][k] * h[t-1][j])']);
    expect(swapped.code).toBe(1);
    expect(swapped.out.differs).toContain('the indices j and k are swapped');
  });

  it('h_t where h_{t−1} belongs: different, with a counterexample and the right formula', async () => {
    const { code, out } = await run(RNN, ['--wrt', 'W_h_h', '--latex', '\\sum_t \\delta_t h_t^T']);
    expect(code).toBe(1);
    expect(out.verdict).toBe('different');
    expect(out.counterexample).not.toBeNull();
    expect(out.counterexample!.formula).not.toBeCloseTo(out.counterexample!.expected, 6);
    expect((out.counterexample!.point.x as number[][]).length).toBe(4);
    expect(out.differs).toContain('h_t where h_{t-1} belongs');
    expect(out.expected).toEqual(BPTT);
  });

  it('the transpose missing: the shapes do not fit, and the transpose is named', async () => {
    const { code, out } = await run(RNN, ['--wrt', 'W_h_h', '--latex', '\\sum_t \\delta_t h_{t-1}']);
    expect(code).toBe(1);
    expect(out.shapes).toMatch(/3×1 but ∂C\/∂W_h_h is 3×3/);
    expect(out.differs[0]).toMatch(/transpose is missing: h_\{t-1\} should be h_\{t-1\}\^\\top/);
    expect(out.expected).toEqual(BPTT);
    const m = await run(RNN, ['--wrt', 'W_h_h', '--formula', 'sum_t(delta_h[t] * h[t-1])']);
    expect(m.code).toBe(1);
    expect(m.out.differs[0]).toMatch(/transpose is missing/);
  });

  it('only the last step: the sum over t is missing', async () => {
    for (const args of [['--latex', '\\delta_T h_{T-1}^T'], ['--formula', "delta_h[t] * h[t-1]'"]]) {
      const { code, out } = await run(RNN, ['--wrt', 'W_h_h', ...args]);
      expect(code).toBe(1);
      expect(out.differs[0]).toMatch(/the sum over t is missing/);
      expect(out.expected).toEqual(BPTT);
    }
  });

  it('the factors the wrong way round', async () => {
    const { code, out } = await run(RNN, ['--wrt', 'W_h_h', '--formula', "sum_t(h[t-1] * delta_h[t]')"]);
    expect(code).toBe(1);
    expect(out.differs[0]).toMatch(/wrong way round/);
  });

  it('b_h, W_h_x and W_out', async () => {
    expect((await run(RNN, ['--wrt', 'b_h', '--latex', '\\sum_t \\delta_{h,t}'])).code).toBe(0);
    expect((await run(RNN, ['--wrt', 'W_h_x', '--latex', '\\sum_t \\delta_t x_t^T'])).code).toBe(0);
    expect((await run(RNN, ['--wrt', 'W_hx', '--formula', "sum_t(delta_h[t] * x[t]')"])).out.wrt).toBe('W_h_x');
    const out = await run(RNN, ['--wrt', 'W_out', '--latex', '\\sum_t \\delta_{out,t} h_t^\\top']);
    expect(out.code).toBe(0);
    expect(out.out.expected).toEqual({ formula: "sum_t(delta_out[t] * h[t]')", latex: '\\sum_{t} \\delta_{out,t} h_t^\\top' });
    const wrong = await run(RNN, ['--wrt', 'b_h', '--latex', '\\delta_{h,T}']);
    expect(wrong.code).toBe(1);
    expect(wrong.out.expected!.latex).toBe('\\sum_{t} \\delta_{h,t}');
  });

  it('the LSTM read out at the last step: δ_out is zero before T', async () => {
    const out = await run('examples/lstm.yaml', ['--wrt', 'W_out', '--latex', '\\delta_{out,T} h_T^T']);
    expect(out.code).toBe(0);
    expect(out.out.expected!.formula).toBe("delta_out[T] * h[T]'");
    expect((await run('examples/lstm.yaml', ['--wrt', 'W_f_h', '--latex', '\\sum_t \\delta_{f,t} h_{t-1}^T'])).code).toBe(0);
    expect((await run('examples/lstm.yaml', ['--wrt', 'W_f_x', '--latex', '\\sum_t (\\delta_{fc,t} \\odot c_{t-1} \\odot f_t \\odot (1 - f_t)) x_t^T'])).code).toBe(0);
  });
});

describe('verify: graphs without time', () => {
  it('the residual block: δ_h x^T plus the regularization', async () => {
    const right = await run('examples/residual.yaml', ['--wrt', 'W_h', '--formula', "delta_h * x' + lambda * W_h"]);
    expect(right.code).toBe(0);
    expect(right.out.expected).toEqual({ formula: "delta_h * x' + lambda * W_h", latex: '\\delta_{h} x^\\top + \\lambda W_{h}' });
    expect((await run('examples/residual.yaml', ['--wrt', 'W_h', '--latex', '\\delta_h x^T + 0.001 W_h'])).code).toBe(0);
    const noL2 = await run('examples/residual.yaml', ['--wrt', 'W_h', '--formula', "delta_h * x'"]);
    expect(noL2.code).toBe(1);
    expect(noL2.out.differs[0]).toMatch(/regularization term lambda \* W_h/);
  });

  it('the tied autoencoder: W_code has two summands', async () => {
    const both = await run('examples/autoencoder.yaml', ['--wrt', 'W_code', '--formula', "delta_code * x' + code * delta_out'"]);
    expect(both.code).toBe(0);
    expect((await run('examples/autoencoder.yaml', ['--wrt', 'W_code', '--latex', '\\delta_{code} x^T + code\\, \\delta_{out}^T'])).code).toBe(0);
    const one = await run('examples/autoencoder.yaml', ['--wrt', 'W_code', '--formula', "delta_code * x'"]);
    expect(one.code).toBe(1);
    expect(one.out.differs[0]).toMatch(/the term code \* delta_out' is missing/);
    expect(one.out.expected!.formula).toBe("delta_code * x' + code * delta_out'");
  });

  it('--of a node in a sequence model: its value at the last step', async () => {
    const right = await run(RNN, ['--of', 'out', '--wrt', 'W_out', '--formula', "h[T]'"]);
    expect(right.code).toBe(0);
    expect(right.out.of).toBe('out');
    expect(right.out.notes.join(' ')).toMatch(/at the last step/);
    const wrong = await run(RNN, ['--of', 'out', '--wrt', 'W_out', '--formula', "h[T-1]'"]);
    expect(wrong.code).toBe(1);
    expect(wrong.out.differs).toContain('h[T-1] where h[T] belongs');
    expect((await run('examples/lstm.yaml', ['--of', 'c[i]', '--wrt', 'W_f_x[j,k]', '--formula', '0'])).code).toBe(1);
  });

  it('--of a node: the Jacobian of a bias', async () => {
    expect((await run('examples/residual.yaml', ['--of', 's', '--wrt', 'b_r', '--formula', 'diag(1 - r.^2)'])).code).toBe(0);
    expect((await run('examples/residual.yaml', ['--of', 's', '--wrt', 'b_r', '--formula', 'diag(1 - r)'])).code).toBe(1);
  });
});

describe('verify: bad input for graphs', () => {
  it('an unknown name exits 2 with one line naming it and the valid names', async () => {
    const r = await deltagen(['verify', RNN, '--wrt', 'W_h_h', '--formula', "sum_t(delta_h[t] * hh[t-1]')"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown name "hh".*parameters W_h_x, W_h_h, b_h, W_out, b_out; node values h, out/);
    const w = await deltagen(['verify', RNN, '--wrt', 'W9', '--formula', 'x']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--wrt "W9": expected a parameter of rnn: W_h_x, W_h_h, b_h, W_out, b_out/);
    const l = await deltagen(['verify', RNN, '--wrt', 'W_h_h', '--latex', '\\sum_t \\delta_t g_{t-1}^T']);
    expect(l.code).toBe(2);
    expect(l.stderr).toMatch(/unknown name "g"/);
  });

  it('a parameter with a step, ∂h/∂W_h_h without indices, --update', async () => {
    expect((await deltagen(['verify', RNN, '--wrt', 'W_h_h', '--formula', 'W_h_h[t]'])).code).toBe(2);
    const r = await deltagen(['verify', RNN, '--of', 'h', '--wrt', 'W_h_h', '--formula', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/name them, as in --of h\[i\] --wrt W_h_h\[j,k\]/);
    expect((await deltagen(['verify', RNN, '--wrt', 'W_h_h', '--update', 'W_h_h'])).code).toBe(2);
  });

  it('the text form', async () => {
    const r = await deltagen(['verify', RNN, '--wrt', 'W_h_h', '--latex', '\\sum_t \\delta_t h_t^T']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^different: ∂C\/∂W_h_h/);
    expect(r.stdout).toMatch(/right formula: sum_t\(delta_h\[t\] \* h\[t-1\]'\)/);
    expect(r.stdout).toMatch(/in LaTeX: \\sum_\{t\} \\delta_\{h,t\} h_\{t-1\}\^\\top/);
  });
});

describe('graph values: the gradient against finite differences', () => {
  for (const file of ['examples/rnn.yaml', 'examples/lstm.yaml', 'examples/residual.yaml', 'examples/autoencoder.yaml']) {
    it(file, () => {
      const net = graph(file);
      const [p] = randomGraphPoints(net, 1, 3);
      const h = 1e-6;
      for (const [name, W] of p!.params) {
        W.forEach((row, r) => row.forEach((_, c) => {
          const moved = (by: number) => {
            const params = new Map([...p!.params].map(([k, m]) => [k, m.map((q) => [...q])]));
            params.get(name)![r]![c]! += by;
            return graphPointAt(net, params, p!.x, p!.y).loss;
          };
          const fd = (moved(h) - moved(-h)) / (2 * h);
          expect(p!.grad.get(name)![r]![c]!).toBeCloseTo(fd, 5);
        }));
      }
    });
  }

  it('the library verify() takes a graph network', () => {
    const r = verify(graph(RNN), { wrt: 'W_h_h', latex: '\\sum_t \\delta_t h_{t-1}^T' });
    expect(r.verdict).toBe('equivalent');
  });
});

describe('verify: random and malformed graph formulas', () => {
  const TOKENS_MATHJS = ['W_h_h', 'W_h_x', 'b_h', 'W_out', 'h', 'out', 'x', 'y', 'z_h', 'delta_h', 'delta_out', 'delta', '[t]', '[t-1]', '[T]', '[0]', '[j]', '[j,k]', "'",
    '*', '.*', '+', '-', '/', '^2', '(', ')', 'sum_t(', 'sum(', ', t)', ', i)', 'tanh(', "tanh'(", 'f(', "f'(", 'diag(', '1', '0.5', ' ', ',', '[', ']', 'e', 'lambda', 'C', '=', '@', '.'];
  const TOKENS_LATEX = ['W_{hh}', 'W_{hx}', 'b_h', 'W_{out}', 'h', 'out', 'x', 'y', 'z_t', '\\delta', '\\delta_t', '\\delta_{out,t}', '_t', '_{t-1}', '_T', '^T', '^\\top', '^2', '^{(h)}',
    '\\odot', '\\cdot', '+', '-', '(', ')', '{', '}', '\\sum_t', '\\sum_{t=1}^{T}', '\\sum_i', '\\frac{', '}{', '\\tanh', "'", '\\sigma', 'f', '\\mathbf{', '_j', '_{jk}', '1', ' ', ',', '\\lambda', '\\partial', '='];
  const rand = (() => { let s = 12345; return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648); })();
  const phrase = (tokens: string[]): string => Array.from({ length: 1 + Math.floor(rand() * 9) }, () => tokens[Math.floor(rand() * tokens.length)]).join('');
  const nets = [graph(RNN), graph('examples/residual.yaml')];
  it('each ends in a verdict or a FormulaError', () => {
    for (let k = 0; k < 1500; k++) {
      const net = nets[k % 2]!;
      const latex = k % 4 >= 2;
      const text = phrase(latex ? TOKENS_LATEX : TOKENS_MATHJS);
      const wrt = k % 3 === 0 ? (net.name === 'rnn' ? 'W_h_h[j,k]' : 'W_h[j,k]') : net.name === 'rnn' ? 'W_h_h' : 'W_h';
      try {
        const r = verify(net, { wrt, ...(latex ? { latex: text } : { formula: text }), timeLimitMs: 200 });
        expect(['equivalent', 'numerically-equal', 'different']).toContain(r.verdict);
        JSON.stringify(r);
      } catch (err) {
        if ((err as Error).name !== 'UserError') throw new Error(`${latex ? '--latex' : '--formula'} ${JSON.stringify(text)} (--wrt ${wrt}) ended in ${(err as Error).stack}`);
      }
    }
  }, 120_000);
});

describe('verify: node names that are also constants', () => {
  it('a node named delta is the node where it is written as a word (\\delta stays δ)', () => {
    const net = parseNetwork('name: nm\ninput: 2\nsequence: 2\nnodes:\n  delta: { dense: [x, delta@prev], units: 2, activation: tanh }\n  o: { dense: delta, units: 1 }\ntarget: every-step\nloss: mse\n', 'delta.yaml');
    for (const latex of ['\\sum_t \\delta_{delta,t} delta_{t-1}^\\top', '\\sum_t \\delta_{delta,t} \\mathit{delta}_{t-1}^\\top']) {
      expect(verify(net, { wrt: 'W_delta_delta', latex }).verdict, latex).toBe('equivalent');
    }
    expect(verify(net, { wrt: 'W_delta_delta', latex: '\\sum_t \\delta_{delta,t} delta_{t}^\\top' }).verdict).toBe('different');
  });

  it('a node named lambda is the node; \\lambda in LaTeX stays the l2 coefficient', () => {
    const net = parseNetwork('name: nm\ninput: 2\nsequence: 2\nnodes:\n  lambda: { dense: [x, lambda@prev], units: 2, activation: tanh }\n  o: { dense: lambda, units: 1 }\ntarget: every-step\nloss: mse\nregularization: { l2: 0.01 }\n', 'lambda.yaml');
    expect(verify(net, { wrt: 'W_lambda_lambda', formula: "sum_t(delta_lambda[t] * lambda[t-1]') + 0.01 * W_lambda_lambda" }).verdict).toBe('equivalent');
    expect(verify(net, { wrt: 'W_lambda_lambda', latex: '\\sum_t \\delta_{lambda,t} \\mathit{lambda}_{t-1}^\\top + \\lambda W_{lambda,lambda}' }).verdict).toBe('equivalent');
    expect(verify(net, { wrt: 'W_lambda_lambda', formula: "sum_t(delta_lambda[t] * lambda[t]') + 0.01 * W_lambda_lambda" }).verdict).toBe('different');
  });

  it('a node named e or pi is the node in mathjs syntax, not the constant', () => {
    for (const n of ['e', 'pi']) {
      const text = `name: nm\ninput: 2\nsequence: 2\nnodes:\n  ${n}: { dense: [x, ${n}@prev], units: 2, activation: tanh }\n  o: { dense: ${n}, units: 1 }\ntarget: every-step\nloss: mse\n`;
      const net = parseNetwork(text, `${n}.yaml`);
      expect(verify(net, { wrt: `W_${n}_${n}`, formula: `sum_t(delta_${n}[t] * ${n}[t-1]')` }).verdict, n).toBe('equivalent');
      expect(verify(net, { wrt: `W_${n}_${n}`, formula: `sum_t(delta_${n}[t] * ${n}[t]')` }).verdict, n).toBe('different');
    }
  });
});

describe('verify reads what the derivation prints', () => {
  it("every ∂C/∂P of every graph example's summary, in both notations and in bold, pasted into verify, is proved equivalent", async () => {
    const { deriveGraph } = await import('../src/derive/graph.ts');
    const { graphDerivationDocument } = await import('../src/render/graph-latex.ts');
    let checked = 0;
    for (const ex of ['rnn', 'lstm', 'residual', 'autoencoder']) {
      const net = graph(`examples/${ex}.yaml`);
      for (const notation of ['nielsen', 'question'] as const) {
        for (const bold of [false, true]) {
          for (const e of graphDerivationDocument(deriveGraph(net), { notation, bold }).equations) {
            const m = /grad-(\S+)\}$/.exec(e.label);
            if (!m) continue;
            // The right-hand side, with a split's alignment and line breaks taken out.
            const rhs = e.tex.replace(/^.*?=/s, '').replace(/\\begin\{split\}|\\end\{split\}|&|\\\\|\\quad/g, ' ');
            expect(verify(net, { wrt: m[1]!, latex: rhs }).verdict, `${ex} ${notation}${bold ? ' bold' : ''} ${m[1]}: ${rhs}`).toBe('equivalent');
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(112); // 28 parameters × 2 notations × plain and bold
  }, 120_000);

  it('steps as superscripts (h^{(t-1)}), \\mathsf T without braces', () => {
    const rnn = graph('examples/rnn.yaml');
    for (const latex of ['\\sum_{t} \\delta^{(t)} (h^{(t-1)})^T', '\\sum_t \\delta_h^{(t)} \\left(h^{(t-1)}\\right)^{\\top}', '\\sum_{t=1}^T \\delta_{h,t} h_{t-1}^{\\mathsf T}']) {
      expect(verify(rnn, { wrt: 'W_h_h', latex }).verdict, latex).toBe('equivalent');
    }
    expect(verify(rnn, { wrt: 'W_h_h', latex: '\\sum_t \\delta_h^{(t)} \\left(h^{(t)}\\right)^{\\top}' }).verdict).toBe('different');
  });
});

describe('verify --update on a graph network', () => {
  const rnn = graph('examples/rnn.yaml');
  it('the SGD update of a recurrent weight, as the question writes updates: proved, with R a symbol', () => {
    const r = verify(rnn, { wrt: 'W_h_h', update: true, latex: 'W_{h,h}(k+1) = W_{h,h}(k) - R \\sum_t \\delta_t h_{t-1}^T' });
    expect(r.verdict).toBe('equivalent');
    expect(r.update).toBe(true);
    expect(verify(rnn, { wrt: 'W_h_h', update: true, formula: "W_h_h - eta * sum_t(delta_h[t] * h[t-1]')" }).verdict).toBe('equivalent');
    expect(verify(rnn, { wrt: 'W_h_h[j,k]', update: true, formula: 'W_h_h[j,k] - R * sum_t(delta_h[t][j] * h[t-1][k])' }).verdict).toBe('equivalent');
    const residual = graph('examples/residual.yaml');
    expect(verify(residual, { wrt: 'W_h', update: true, formula: "W_h - R * (delta_h * x' + lambda * W_h)" }).verdict).toBe('equivalent');
  });

  it('a wrong update: different, what differs said of its gradient part, and the right update', () => {
    const r = verify(rnn, { wrt: 'W_h_h', update: true, latex: 'W_{h,h} - R \\delta_T h_{T-1}^T' });
    expect(r.verdict).toBe('different');
    expect(r.differs.join(' ')).toMatch(/the sum over t is missing/);
    expect(r.expected!.formula).toBe("W_h_h - R * sum_t(delta_h[t] * h[t-1]')");
    expect(verify(rnn, { wrt: 'W_h_h', update: true, latex: 'W_{h,h} + R \\sum_t \\delta_t h_{t-1}^T' }).verdict).toBe('different');
    const wrongStep = verify(rnn, { wrt: 'W_h_h', update: true, latex: 'W_{h,h} - \\eta \\sum_t \\delta_t h_t^T' });
    expect(wrongStep.differs).toContain('h_t where h_{t-1} belongs');
  });

  it('the rate is a symbol in the proof: a number in its place is at best numerically equal; no rate at all, or the next iterate without --update, is refused', async () => {
    expect(() => verify(rnn, { wrt: 'W_h_h', update: true, formula: "W_h_h - 0.1 * sum_t(delta_h[t] * h[t-1]')" })).toThrow(/does not use the rate/);
    expect(() => verify(rnn, { wrt: 'W_h_h', latex: 'W_{h,h}(k+1) = W_{h,h}(k) - R \\sum_t \\delta_t h_{t-1}^T' })).toThrow(/add --update/);
    const r = verify(rnn, { wrt: 'W_h_h', update: true, formula: "W_h_h - R * sum_t(delta_h[t] * h[t-1]') + 0 * R" });
    expect(r.verdict).toBe('equivalent');
    const cli = await deltagen(['verify', 'examples/rnn.yaml', '--wrt', 'W_h_h', '--update', '--latex', 'W_{h,h}(k+1) = W_{h,h}(k) - R \\sum_t \\delta_t h_{t-1}^T']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^equivalent: the update of W_h_h/);
  });
});

describe('verify: sums over the steps with bounds', () => {
  const rnn = graph('examples/rnn.yaml');
  it('bounds that only add zero terms (h_0 = 0) are equivalent, proved; bounds that leave a step out are different, and said so', () => {
    for (const latex of ['\\sum_{t=2}^{T} \\delta_t h_{t-1}^T', '\\sum_{t=0}^{T-1} \\delta_{t+1} h_t^T', '\\sum_{t=1}^{T-1} \\delta_{t+1} h_t^T']) {
      const r = verify(rnn, { wrt: 'W_h_h', latex });
      expect(r.verdict, latex).toBe('equivalent');
      expect(r.proof, latex).toMatch(/^the same polynomial/);
    }
    expect(verify(rnn, { wrt: 'W_h_h', formula: "sum(delta_h[t+1] * h[t]', t, 0, T-1)" }).verdict).toBe('equivalent');
    const short = verify(rnn, { wrt: 'W_h_h', latex: '\\sum_{t=1}^{T-1} \\delta_t h_{t-1}^T' });
    expect(short.verdict).toBe('different');
    expect(short.differs).toContain('the sum over t runs over every step, t = 1, …, T (this one runs from 1 to T-1)');
    // x_1 is not zero: starting at 2 leaves the first step's term out.
    expect(verify(rnn, { wrt: 'W_h_x', latex: '\\sum_{t=2}^{T} \\delta_t x_t^T' }).verdict).toBe('different');
    expect(verify(rnn, { wrt: 'W_h_h', latex: '\\sum_{t=5}^{T} \\delta_t h_{t-1}^T' }).verdict).toBe('different');
  });

  it('bounds it cannot read are a positioned error', () => {
    expect(() => verify(rnn, { wrt: "W_h_h", latex: "\\sum_{t=1}^{n} \\delta_t h_{t-1}^T" })).toThrow(/ends at T, T minus a whole number or a step number/);
    expect(verify(rnn, { wrt: "W_h_h", latex: "\\sum_{t=1}^{4} \\delta_t h_{t-1}^T" }).verdict).toBe("equivalent");
    expect(verify(rnn, { wrt: "W_h_h", latex: "\\sum_{t=1}^{3} \\delta_t h_{t-1}^T" }).verdict).toBe("different");
    expect(() => verify(rnn, { wrt: 'W_h_h', formula: "sum(delta_h[t] * h[t-1]', t, 1, n)" })).toThrow(/bounds of a sum over the steps/);
  });
});

describe('verify (graph form) reads what people and the derivation write', () => {
  it("δ of an activation node is the gradient with respect to its argument, as the derivation prints it (the LSTM's δ_tc)", () => {
    const lstm = graph('examples/lstm.yaml');
    // δ_c = δ_fc[t+1] ⊙ f[t+1] + δ_tc[t], with δ_tc = (δ_h ⊙ o) ⊙ tanh'(c): the derivation's lines, pasted.
    expect(verify(lstm, { wrt: 'b_i', formula: 'sum_t((delta_fc[t+1] .* f[t+1] + delta_tc[t]) .* g[t] .* i[t] .* (1 - i[t]))' }).verdict).toBe('numerically-equal');
    // tanh' applied a second time is wrong.
    expect(verify(lstm, { wrt: 'b_i', formula: 'sum_t((delta_fc[t+1] .* f[t+1] + delta_tc[t] .* (1 - tc[t].^2)) .* g[t] .* i[t] .* (1 - i[t]))' }).verdict).toBe('different');
  });

  it('an update written as the derivation prints it (W ← W − η …) or with the iteration as a superscript', () => {
    const rnn = graph('examples/rnn.yaml');
    for (const latex of ['W_{h,h} \\leftarrow W_{h,h} - \\eta \\sum_t \\delta_t h_{t-1}^T', 'W_{h,h}^{(k+1)} = W_{h,h}^{(k)} - \\eta \\sum_{t=1}^{T} \\delta_{h,t} h_{t-1}^\\top']) {
      expect(verify(rnn, { wrt: 'W_h_h', update: true, latex }).verdict, latex).toBe('equivalent');
    }
  });

  it('element indices as subscripts: x_k, \\delta_{h,j}, h_{t-1,k}, \\delta^{(t)}_j', () => {
    expect(verify(graph('examples/autoencoder.yaml'), { wrt: 'W_code[j,k]', latex: '\\delta_{code,j} x_k + \\mathit{code}_j \\delta_{out,k}' }).verdict).toBe('equivalent');
    expect(verify(graph('examples/residual.yaml'), { wrt: 'W_h[j,k]', latex: '\\delta_{h,j} x_k + \\lambda (W_h)_{j,k}' }).verdict).toBe('equivalent');
    const rnn = graph('examples/rnn.yaml');
    expect(verify(rnn, { wrt: 'W_h_h[j,k]', latex: '\\sum_t \\delta_{h,t,j} h_{t-1,k}' }).verdict).toBe('equivalent');
    expect(verify(rnn, { wrt: 'W_h_h[j,k]', latex: '\\sum_t \\delta^{(t)}_j h^{(t-1)}_k' }).verdict).toBe('equivalent');
    expect(verify(rnn, { wrt: 'W_h_h[j,k]', latex: '\\sum_t \\delta_{h,t,j} h_{t,k}' }).verdict).toBe('different');
  });

  it('the formula as read is printed with the brackets its meaning needs (pasting it back gives the same verdict)', () => {
    const residual = graph('examples/residual.yaml');
    const formula = "(W_out' * delta_out + W_r' * ((W_out' * delta_out) .* (1 - r.^2))) .* (1 - h.^2)";
    const first = verify(residual, { wrt: 'b_h', formula });
    expect(first.verdict).toBe('numerically-equal');
    expect(verify(residual, { wrt: 'b_h', formula: first.read.formula }).verdict).toBe('numerically-equal');
  });
});

describe('verify (graph form): a part of a vector, as the derivation prints a concat\'s term', () => {
  const net = parseNetwork('name: bi\ninput: 2\nsequence: 3\nnodes:\n  f: { dense: [x, f@prev], units: 3, activation: tanh }\n  g: { dense: [x, f, g@prev], units: 2, activation: sigmoid }\n  m: { concat: [f, g] }\n  out: { dense: m, units: 1 }\ntarget: every-step\nloss: squared\nregularization: { l2: 0.01 }\n', 'bi.yaml');
  it('[δ_m]_{1:3} in LaTeX and delta_m[t][1:3] in mathjs syntax read as rows 1 to 3', () => {
    const latex = "\\sum_{t=1}^{T} \\left(W_{f,f}^{\\top} \\delta_{f,t+1} + W_{g,f}^{\\top} \\delta_{g,t} + \\left[\\delta_{m,t}\\right]_{1:3}\\right) \\odot \\tanh'\\left(z_{f,t}\\right)";
    expect(verify(net, { wrt: 'b_f', latex }).verdict).toBe('numerically-equal');
    expect(verify(net, { wrt: 'b_f', formula: "sum_t((W_f_f' * delta_f[t+1] + W_g_f' * delta_g[t] + delta_m[t][1:3]) .* (1 - f[t].^2))" }).verdict).toBe('numerically-equal');
    // The path through g left out: different.
    expect(verify(net, { wrt: 'b_f', formula: "sum_t((W_f_f' * delta_f[t+1] + delta_m[t][1:3]) .* (1 - f[t].^2))" }).verdict).toBe('different');
    // Rows past the end: the shapes do not fit.
    expect(verify(net, { wrt: 'b_f', formula: "sum_t(delta_m[t][4:6])" }).verdict).toBe('different');
  });
});

describe('verify (graph form): a concat written out as its parts stacked', () => {
  // An Elman cell on [h_{t-1}; x_t], as LSTM papers write W·[h_{t-1}, x_t].
  const net = parseNetwork('name: cat\ninput: 2\nsequence: 3\nnodes:\n  hx: { concat: [h@prev, x] }\n  h: { dense: hx, units: 3, activation: tanh }\n  out: { dense: h, units: 1 }\ntarget: every-step\nloss: half-squared\n', 'cat.yaml');
  it('[h_{t-1}; x_t], Colah\'s [h_{t-1}, x_t], a bmatrix and mathjs [h[t-1]; x[t]] are proved equal to Σ δ hx_tᵀ', () => {
    for (const claim of [
      { latex: '\\sum_t \\delta_{h,t} [h_{t-1}; x_t]^T' },
      { latex: '\\sum_t \\delta_{h,t} \\left[h_{t-1}, x_t\\right]^\\top' },
      { latex: '\\sum_{t=1}^{T} \\delta_{h,t} \\begin{bmatrix} h_{t-1} \\\\ x_t \\end{bmatrix}^{\\mathsf T}' },
      { formula: "sum_t(delta_h[t] * [h[t-1]; x[t]]')" },
    ]) {
      const r = verify(net, { wrt: 'W_h', ...claim });
      expect(r.verdict, JSON.stringify(claim)).toBe('equivalent');
      // What was read prints back to a formula read the same way.
      expect(verify(net, { wrt: 'W_h', formula: r.read.formula }).verdict).toBe('equivalent');
      expect(verify(net, { wrt: 'W_h', latex: r.read.latex }).verdict).toBe('equivalent');
    }
  });
  it('plain \\delta_t is the one recurrent dense node, also when it reads the step before through the concat', () => {
    expect(verify(net, { wrt: 'W_h', latex: '\\sum_t \\delta_t [h_{t-1}; x_t]^T' }).verdict).toBe('equivalent');
  });
  it('parts in the wrong order or at the wrong step are different, and the step is named', () => {
    const swapped = verify(net, { wrt: 'W_h', formula: "sum_t(delta_h[t] * [x[t]; h[t-1]]')" });
    expect(swapped.verdict).toBe('different');
    expect(swapped.differs.join(' ')).toMatch(/stacked in the wrong order: \[x\[t\]; h\[t-1\]\] should be \[h\[t-1\]; x\[t\]\]/);
    const r = verify(net, { wrt: 'W_h', formula: "sum_t(delta_h[t] * [h[t]; x[t]]')" });
    expect(r.verdict).toBe('different');
    expect(r.differs.join(' ')).toContain('h[t-1]');
  });
  it('a row of vectors, or a part that is not a column, is a positioned error', () => {
    expect(() => verify(net, { wrt: 'W_h', formula: "sum_t(delta_h[t] * [h[t-1], x[t]]')" })).toThrow(/stacked with semicolons/);
    expect(() => verify(net, { wrt: 'W_h', latex: '\\sum_t \\delta_{h,t} \\begin{bmatrix} h_{t-1} & x_t \\end{bmatrix}' })).toThrow(/one column/);
    expect(verify(net, { wrt: 'W_h', formula: "sum_t(delta_h[t] * [h[t-1]'; x[t]]')" }).verdict).toBe('different');
  });
});
