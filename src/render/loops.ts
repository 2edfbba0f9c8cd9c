// The loop form of the trainer, for layers too large to unroll: the same
// derivation's matrix expressions printed as loop nests over module-level
// buffers, with the sizes baked in as constants. One method per node kind.
import type { Compiled } from '../pipeline.ts';
import type { GraphLayer } from '../graph/build.ts';
import { layoutOf, type Layout } from '../graph/layout.ts';
import { lossExpression } from '../lower/routine.ts';
import { applyActivation, applyDerivative } from '../symbolic/activations.ts';
import { substitute, sym, symKey, type Expr, type Sym } from '../symbolic/expr.ts';
import type { MExpr } from '../symbolic/matrix.ts';
import { TsPrinter } from './ts-printer.ts';

export interface Bodies {
  readonly scratch: string[];
  readonly predict: string[];
  readonly loss: string[];
  readonly lossAndGradient: string[];
  readonly sgdStep: string[];
  readonly used: Expr[];
}

/** Buffer names: z1, a1, d1 (δ); a0 is the input x. */
const buffer = (base: string, layer: number): string => (base === 'a' && layer === 0 ? 'x' : `${base === 'delta' ? 'd' : base}${layer}`);

class LoopPrinter {
  private counter = 0;
  private readonly codes = new Map<string, string>();
  private readonly printer = new TsPrinter((s) => this.spell(s));
  constructor(private readonly layout: Layout) {}

  private spell(s: Sym): string {
    const code = this.codes.get(symKey(s));
    if (code !== undefined) return code;
    if (s.base === 'y') return `y[${s.index[0]! - 1}]`;
    if (s.base === 'm' || s.base === 's') return `${s.base}${s.layer}`;
    if (s.base === 'x') return `x[${s.index[0]! - 1}]`;
    if (s.base === 'a' || s.base === 'z') return `${buffer(s.base, s.layer!)}[${s.index[0]! - 1}]`;
    throw new Error(`internal: no loop name for ${symKey(s)}`);
  }

  /** Print a scalar formula whose placeholder symbols stand for already-printed code. */
  formula(e: Expr, places: Record<string, string>): string {
    for (const [name, code] of Object.entries(places)) this.codes.set(symKey({ base: name, index: [] }), atom(code));
    return this.printer.print(e);
  }

  scalar(e: Expr): string {
    return this.printer.print(e);
  }

  /** Code for element (i, j) of m; statements it needs first go to `pre`. Indices are 0-based code. */
  element(m: MExpr, i: string, j: string, pre: string[]): string {
    switch (m.kind) {
      case 'mvar': {
        const l = m.layer ?? 0;
        if (m.base === 'W') {
          const e = this.layout.entries.find((x) => x.kind === 'W' && x.layer === l)!;
          return `params[${e.offset} + ${i} * ${e.cols} + ${j}]`;
        }
        if (m.base === 'b') {
          const e = this.layout.entries.find((x) => x.kind === 'b' && x.layer === l)!;
          return `params[${e.offset} + ${i}]`;
        }
        if (m.base === 'y') return `y[${i}]`;
        return `${buffer(m.base, l)}[${i}]`;
      }
      case 'transpose': return this.element(m.arg, j, i, pre);
      case 'matmul': {
        const K = m.left.cols;
        if (K === 1) return `${this.element(m.left, i, '0', pre)} * ${this.element(m.right, '0', j, pre)}`;
        const n = ++this.counter;
        const inner: string[] = [];
        const term = `${this.element(m.left, i, `k${n}`, inner)} * ${this.element(m.right, `k${n}`, j, inner)}`;
        pre.push(`let acc${n} = 0;`, `for (let k${n} = 0; k${n} < ${K}; k${n}++) {`, ...inner.map((s) => `  ${s}`), `  acc${n} += ${term};`, '}');
        return `acc${n}`;
      }
      case 'hadamard': return `${atom(this.element(m.left, i, j, pre))} * ${atom(this.element(m.right, i, j, pre))}`;
      case 'plus': return `${this.element(m.left, i, j, pre)} + ${this.element(m.right, i, j, pre)}`;
      case 'apply': return this.formula(applyActivation(m.act, sym('p0')), { p0: this.element(m.arg, i, j, pre) });
      case 'applyDeriv':
        return this.formula(applyDerivative(m.act, sym('p0'), sym('p1')), { p0: this.element(m.arg, i, j, pre), p1: this.element(m.output, i, j, pre) });
      case 'ewise': {
        const places: Record<string, string> = {};
        const renamed = substitute(m.expr, (s) => {
          if (s.index.length !== 0 || s.layer !== undefined) return undefined;
          if (Object.hasOwn(m.args, s.base)) { places[`q_${s.base}`] = this.element(m.args[s.base]!, i, j, pre); return sym(`q_${s.base}`); }
          if (s.base === 'n') return { kind: 'num', value: m.rows };
          return undefined;
        });
        return this.formula(renamed, places);
      }
      case 'softmaxJacobian': throw new Error('internal: the softmax Jacobian is simplified away before code');
    }
  }
}

/** Parenthesize code unless it is a name or an element access. */
const atom = (code: string): string => (/^[A-Za-z_][\w.]*(\[[^\]]*\])?$/.test(code) ? code : `(${code})`);

const loop = (n: number, index: string, body: string[]): string[] =>
  [`for (let ${index} = 0; ${index} < ${n}; ${index}++) {`, ...body.map((s) => `  ${s}`), '}'];

export function loopBodies(c: Compiled): Bodies {
  const graph = c.derivation.graph;
  const layout = layoutOf(c.network);
  const lp = new LoopPrinter(layout);
  const scratch: string[] = [];
  const forward: string[] = [];
  for (const layer of graph.layers) {
    scratch.push(`const z${layer.l} = new Float64Array(${layer.units});`, `const a${layer.l} = new Float64Array(${layer.units});`, `const d${layer.l} = new Float64Array(${layer.units});`);
    forward.push(`// layer ${layer.l}: z = W a + b, a = ${layer.act.name}(z)`, ...forwardLayer(lp, layer));
  }
  const last = graph.layers[graph.layers.length - 1]!;
  const lossLine = `const C = ${lp.scalar(lossExpression(graph))};`;
  const backward: string[] = [];
  for (const g of [...c.derivation.gradients].reverse()) {
    const pre: string[] = [];
    const code = lp.element(g.delta, 'j', '0', pre);
    backward.push(`// δ^(${g.layer.l})`, ...loop(g.layer.units, 'j', [...pre, `d${g.layer.l}[j] = ${code};`]));
  }
  const gradientLoops = (write: (index: string, value: string) => string): string[] => {
    const out: string[] = [];
    for (const g of c.derivation.gradients) {
      const w = layout.entries.find((e) => e.kind === 'W' && e.layer === g.layer.l)!;
      const preW: string[] = [];
      const dW = lp.element(g.dW, 'j', 'k', preW);
      const inner = loop(w.cols, 'k', [...preW, write(`${w.offset} + j * ${w.cols} + k`, dW)]);
      const body = [...inner];
      if (g.db) {
        const b = layout.entries.find((e) => e.kind === 'b' && e.layer === g.layer.l)!;
        const preB: string[] = [];
        body.push(...preB, write(`${b.offset} + j`, lp.element(g.db, 'j', '0', preB)));
      }
      out.push(`// ∂C/∂W^(${g.layer.l})${g.db ? ` and ∂C/∂b^(${g.layer.l})` : ''}`, ...loop(w.rows, 'j', body));
    }
    return out;
  };
  return {
    scratch,
    predict: [...forward, ...loop(last.units, 'j', [`out[j] = a${last.l}[j];`]), 'return out;'],
    loss: [...forward, lossLine, 'return C;'],
    lossAndGradient: [...forward, lossLine, ...backward, ...gradientLoops((i, v) => `grad[${i}] = ${v};`), 'return C;'],
    // δ never reads the parameters it updates, so each update can happen in place.
    sgdStep: [...forward, lossLine, ...backward, ...gradientLoops((i, v) => `params[${i}] -= rate * (${v});`), 'return C;'],
    used: [lossExpression(graph), ...graph.layers.map((l) => l.act.formula), ...graph.layers.map((l) => l.act.fromOutput ?? l.act.derivative)],
  };
}

function forwardLayer(lp: LoopPrinter, layer: GraphLayer): string[] {
  const pre: string[] = [];
  const z = lp.element(layer.zDef, 'j', '0', pre);
  if (layer.act.elementwise) {
    const a = lp.formula(applyActivation(layer.act, sym('p0')), { p0: `z${layer.l}[j]` });
    return loop(layer.units, 'j', [...pre, `z${layer.l}[j] = ${z};`, `a${layer.l}[j] = ${a};`]);
  }
  const l = layer.l;
  return [
    ...loop(layer.units, 'j', [...pre, `z${l}[j] = ${z};`]),
    `let m${l} = -Infinity;`,
    ...loop(layer.units, 'j', [`if (z${l}[j] > m${l}) m${l} = z${l}[j];`]),
    `let s${l} = 0;`,
    ...loop(layer.units, 'j', [`a${l}[j] = Math.exp(z${l}[j] - m${l});`, `s${l} += a${l}[j];`]),
    ...loop(layer.units, 'j', [`a${l}[j] /= s${l};`]),
  ];
}
