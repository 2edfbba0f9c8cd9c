// Derivation → LaTeX. This file decides what to say; the printers decide how
// each expression looks; templates/latex/*.hbs hold the layout.
import type { Rule, Equation } from '../derive/derive.ts';
import { DEFAULT_EXPAND_LIMIT, expand } from '../derive/expand.ts';
import type { Compiled } from '../pipeline.ts';
import { U, V, type Activation } from '../symbolic/activations.ts';
import { Y } from '../symbolic/losses.ts';
import { key } from '../symbolic/expr.ts';
import { renderTemplate } from './emit.ts';
import { MatrixLatexPrinter } from './latex-printer.ts';
import { Notation, type NotationName } from './notation.ts';
import { describe } from './typescript.ts';

export interface LatexOptions {
  readonly notation: NotationName;
  /** Body only, to \input into a paper. */
  readonly fragment: boolean;
  /** Write every scalar derivative out in full up to this many parameters. */
  readonly expandLimit: number;
}

const RULE_TITLES: Record<Rule, string> = {
  'loss-derivative': 'derivative of the loss',
  'chain-activation': 'chain rule through the activation',
  substitution: 'substitution',
  simplification: 'simplification',
  'chain-affine-weight': 'chain rule through the weights',
  'chain-affine-bias': 'chain rule through the bias',
  'chain-affine-input': 'chain rule back to the previous layer (transpose of the Jacobian)',
};

export function generateLatex(c: Compiled, options: Partial<LatexOptions> = {}): string {
  const opts: LatexOptions = { notation: 'nielsen', fragment: false, expandLimit: DEFAULT_EXPAND_LIMIT, ...options };
  const { network, derivation, routine } = c;
  const graph = derivation.graph;
  const n = new Notation(opts.notation, network);
  const mp = new MatrixLatexPrinter(n);
  const [j, k] = n.indices;
  const L = graph.layers.length;
  const label = (what: string): string => `\\label{eq:${network.name}:${what}}`;
  const dims = (rows: number, cols: number): string => `\\mathbb{R}^{${rows} \\times ${cols}}`;

  const layers = graph.layers.map((layer) => ({
    layer: n.layer(layer.l),
    units: layer.units,
    activation: `$${layer.act.latexName}$ (${layer.act.name})`,
    bias: layer.b ? 'yes' : 'no',
  }));

  const shapes: string[] = [`${n.matrix('a', 0)} = x \\in ${dims(network.input, 1)}`];
  for (const layer of graph.layers) {
    shapes.push(`${n.matrix('W', layer.l)} \\in ${dims(layer.units, layer.fanIn)}`);
    if (layer.b) shapes.push(`${n.matrix('b', layer.l)} \\in ${dims(layer.units, 1)}`);
    shapes.push(`${n.matrix('z', layer.l)}, ${n.matrix('a', layer.l)}, ${n.matrix('delta', layer.l)} \\in ${dims(layer.units, 1)}`);
  }
  shapes.push(`${n.matrix('y')} \\in ${dims(graph.layers[L - 1]!.units, 1)}`);

  const forward = graph.layers.flatMap((layer) => [
    { matrix: `${n.matrix('z', layer.l)} = ${mp.print(layer.zDef)}`, index: `${n.element('z', layer.l, [j], layer.z)} = ${mp.index(layer.zDef, j, '1')}`, label: label(`z${layer.l}`) },
    { matrix: `${n.matrix('a', layer.l)} = ${mp.print(layer.aDef)}`, index: `${n.element('a', layer.l, [j], layer.a)} = ${mp.index(layer.aDef, j, '1')}`, label: label(`a${layer.l}`) },
  ]);

  const lastA = graph.layers[L - 1]!.a;
  const lossScalar = mp.scalar((s) => {
    if (s.index.length !== 0) return undefined;
    if (s.base === 'a') return n.element('a', L, [j], lastA);
    if (s.base === 'y') return n.element('y', undefined, [j], lastA);
    if (s.base === 'n') return n.sizeName(L);
    return undefined;
  });
  const lossTerm = lossScalar.print(graph.loss.element);
  const lossEquation = lastA.rows === 1 ? `C = ${lossTerm}`
    : `C = \\sum_{${j}=1}^{${n.sizeName(L)}} ${graph.loss.element.kind === 'add' ? `\\left(${lossTerm}\\right)` : lossTerm}`;
  const lossGradient = `\\frac{\\partial C}{\\partial ${n.element('a', L, [j], lastA)}} = ${lossScalar.print(graph.loss.gradient)}`;

  const activations = distinct(graph.layers.map((l) => l.act)).map((act) => activationSection(act, mp));

  const steps = derivation.steps.map((eq, i) => ({
    number: i + 1,
    rule: RULE_TITLES[eq.rule],
    why: eq.why.charAt(0).toUpperCase() + eq.why.slice(1),
    equation: `${lhs(eq, mp, n)} = ${mp.print(eq.rhs)}`,
    label: label(`step${i + 1}`),
  }));

  const gradients = derivation.gradients.map((g) => {
    const l = g.layer.l;
    const rows = [
      { matrix: `${n.matrix('delta', l)} = ${mp.print(g.delta)}`, index: `${n.element('delta', l, [j], g.layer.z)} = ${mp.index(g.delta, j, '1')}`, label: label(`delta${l}`) },
      { matrix: `\\frac{\\partial C}{\\partial ${n.matrix('W', l)}} = ${mp.print(g.dW)}`, index: `\\frac{\\partial C}{\\partial ${n.element('W', l, [j, k], g.layer.W)}} = ${mp.index(g.dW, j, k)}`, label: label(`dW${l}`) },
    ];
    if (g.db && g.layer.b) rows.push({ matrix: `\\frac{\\partial C}{\\partial ${n.matrix('b', l)}} = ${mp.print(g.db)}`, index: `\\frac{\\partial C}{\\partial ${n.element('b', l, [j], g.layer.b)}} = ${mp.index(g.db, j, '1')}`, label: label(`db${l}`) });
    return { layer: n.layer(l), rows };
  });

  let expanded: { loss: string; derivatives: { equation: string; label: string }[] } | undefined;
  if (routine.layout.paramCount <= opts.expandLimit) {
    const e = expand(graph);
    const sp = mp.scalar();
    expanded = {
      loss: `C = ${sp.print(e.loss)}`,
      derivatives: e.derivatives.map((d, i) => ({
        equation: `\\frac{\\partial C}{\\partial ${mp.spellScalar(d.param)}} = ${sp.print(d.expr)}`,
        label: label(`expanded${i + 1}`),
      })),
    };
  }

  const eta = network.train ? `\\eta = ${network.train.rate}` : '\\eta';
  const updates = graph.layers.flatMap((layer) => {
    const out = [`${n.matrix('W', layer.l)} \\leftarrow ${n.matrix('W', layer.l)} - \\eta \\, ${n.matrix('delta', layer.l)} \\left(${n.matrix('a', layer.l - 1)}\\right)^{\\top}`];
    if (layer.b) out.push(`${n.matrix('b', layer.l)} \\leftarrow ${n.matrix('b', layer.l)} - \\eta \\, ${n.matrix('delta', layer.l)}`);
    return out;
  });

  const context = {
    name: network.name,
    title: `Backpropagation for \\texttt{${network.name}}`,
    summary: describe(network),
    notation: opts.notation,
    layers, shapes: shapes.join(' \\\\\n'), forward,
    loss: { title: graph.loss.title, equation: lossEquation, gradient: lossGradient, label: label('loss') },
    activations, steps, gradients,
    expanded: expanded ?? false,
    expandLimit: opts.expandLimit,
    update: { eta, rules: updates.join(' \\\\\n'), label: label('update') },
  };
  const body = renderTemplate('latex/fragment', context);
  return opts.fragment ? body : renderTemplate('latex/document', { ...context, body });
}

function lhs(eq: Equation, mp: MatrixLatexPrinter, n: Notation): string {
  if (eq.lhs.kind === 'delta') {
    return eq.rule === 'chain-activation'
      ? `${n.matrix('delta', eq.lhs.layer)} \\equiv \\frac{\\partial C}{\\partial ${n.matrix('z', eq.lhs.layer)}}`
      : n.matrix('delta', eq.lhs.layer);
  }
  return `\\frac{\\partial C}{\\partial ${mp.print(eq.lhs.wrt)}}`;
}

function activationSection(act: Activation, mp: MatrixLatexPrinter): { name: string; definition: string; derivative: string; notes: readonly string[] } {
  const name = act.latexName;
  const sp = mp.scalar((s) => (s.base === 'v' && s.index.length === 0 ? `${name}(z)` : undefined));
  let derivative = `${name}'(z) = ${sp.print(act.derivative)}`;
  if (act.fromOutput && key(act.fromOutput) !== key(act.derivative)) derivative += ` = ${sp.print(act.fromOutput)}`;
  return { name: act.name, definition: `${name}(z) = ${sp.print(act.formula)}`, derivative, notes: act.notes };
}

function distinct(acts: Activation[]): Activation[] {
  const seen = new Set<Activation>();
  return acts.filter((a) => (seen.has(a) ? false : (seen.add(a), true)));
}


export { U, V, Y };
