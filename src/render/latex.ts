// Derivation → what the paper says. This file decides the content (a context of
// printed equations); the printers decide how each expression looks; the
// templates (latex/*.hbs, html/page.hbs) hold the layout.
import type { Equation, Rule } from '../derive/derive.ts';
import { DEFAULT_EXPAND_LIMIT, expand } from '../derive/expand.ts';
import { layoutOf } from '../graph/layout.ts';
import type { Compiled } from '../pipeline.ts';
import type { Activation } from '../symbolic/activations.ts';
import { key } from '../symbolic/expr.ts';
import { HYPERPARAMETERS, OPTIMIZERS, type Hyperparameter, type Network, type OptimizerKind, type ScheduleSpec } from '../spec/types.ts';
import { renderTemplate } from './emit.ts';
import { MatrixLatexPrinter } from './latex-printer.ts';
import { Notation, type NotationName } from './notation.ts';
import { describe } from './typescript.ts';

export interface LatexOptions {
  readonly notation: NotationName;
  /** Body only, to \input into a paper. */
  readonly fragment: boolean;
  /** Which levels to show: the δ recursion in matrix form, index form, every scalar written out. */
  readonly levels: { readonly matrix: boolean; readonly index: boolean; readonly scalar: boolean };
  /** Write every scalar derivative out in full up to this many parameters. */
  readonly expandLimit: number;
}

export const DEFAULT_LATEX_OPTIONS: LatexOptions = {
  notation: 'nielsen', fragment: false, levels: { matrix: true, index: true, scalar: true }, expandLimit: DEFAULT_EXPAND_LIMIT,
};

const RULE_TITLES: Record<Rule, string> = {
  'loss-derivative': 'derivative of the loss',
  'chain-activation': 'chain rule through the activation',
  substitution: 'substitution',
  simplification: 'simplification',
  'chain-affine-weight': 'chain rule through the weights',
  'chain-affine-bias': 'chain rule through the bias',
  'chain-affine-input': 'chain rule back to the previous layer (transpose of the Jacobian)',
};

/** A display equation: its LaTeX body and the label a paper can \eqref. */
export interface DisplayEquation { readonly tex: string; readonly label: string }

export interface DerivationDocument {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly notation: NotationName;
  readonly layers: { layer: string; units: number; activation: string; activationName: string; bias: string }[];
  readonly shapes: string[];
  readonly forward: DisplayEquation[];
  readonly loss: { title: string; equation: DisplayEquation; gradient: string };
  readonly activations: { name: string; definition: string; derivative: string; notes: readonly string[] }[];
  readonly steps: { number: number; rule: string; why: string; equation: DisplayEquation }[] | false;
  readonly gradients: DisplayEquation[] | false;
  readonly batch: { shapes: string; equations: DisplayEquation[] };
  readonly expanded: { loss: string; derivatives: DisplayEquation[] } | false;
  readonly expandLimit: number;
  readonly weightConvention: string;
  /** optimizer: false for plain SGD at a constant rate, whose section reads as it always has. */
  readonly update: { eta: string; equation: DisplayEquation; optimizer: OptimizerText | false };
}

/** What the update section says of an optimizer or a schedule: prose with $…$ inline math, before and after the equation. */
export interface OptimizerText { readonly intro: string; readonly after: string }

export function derivationDocument(c: Compiled, options: Partial<LatexOptions> = {}): DerivationDocument {
  const opts: LatexOptions = { ...DEFAULT_LATEX_OPTIONS, ...options };
  const { network, derivation } = c;
  const graph = derivation.graph;
  const n = new Notation(opts.notation, network);
  const mp = new MatrixLatexPrinter(n);
  const [j, k] = n.indices;
  const L = graph.layers.length;
  const eq = (tex: string, what: string): DisplayEquation => ({ tex, label: `\\label{eq:${network.name}:${what}}` });
  const dims = (rows: number | string, cols: number | string): string => `\\mathbb{R}^{${rows} \\times ${cols}}`;
  const both = (matrix: string, index: string): string => {
    const forms = [opts.levels.matrix || !opts.levels.index ? matrix : '', opts.levels.index ? index : ''].filter(Boolean);
    // For a network of single units the two forms coincide: print it once.
    return [...new Set(forms)].join(' \\qquad ');
  };

  const shapes: string[] = [`${n.matrix('a', 0)} = x \\in ${dims(network.input, 1)}`];
  for (const layer of graph.layers) {
    shapes.push(`${n.matrix('W', layer.l)} \\in ${dims(layer.units, layer.fanIn)}`);
    if (layer.b) shapes.push(`${n.matrix('b', layer.l)} \\in ${dims(layer.units, 1)}`);
    shapes.push(`${n.matrix('z', layer.l)}, ${n.matrix('a', layer.l)}, ${n.matrix('delta', layer.l)} \\in ${dims(layer.units, 1)}`);
  }
  shapes.push(`${n.matrix('y')} \\in ${dims(graph.layers[L - 1]!.units, 1)}`);

  const forward = graph.layers.flatMap((layer) => [
    eq(both(`${n.matrix('z', layer.l)} = ${mp.print(layer.zDef)}`, `${n.element('z', layer.l, [j], layer.z)} = ${mp.index(layer.zDef, j, '1')}`), `z${layer.l}`),
    eq(both(`${n.matrix('a', layer.l)} = ${mp.print(layer.aDef)}`, layer.act.elementwise
      ? `${n.element('a', layer.l, [j], layer.a)} = ${mp.index(layer.aDef, j, '1')}`
      : `${n.element('a', layer.l, [j], layer.a)} = \\frac{e^{${n.element('z', layer.l, [j], layer.z)}}}{\\sum_{${k}} e^{${n.element('z', layer.l, [k], layer.z)}}}`), `a${layer.l}`),
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
  const lossTex = lastA.rows === 1 ? `C = ${lossTerm}`
    : `C = \\sum_{${j}=1}^{${n.sizeName(L)}} ${graph.loss.element.kind === 'add' ? `\\left(${lossTerm}\\right)` : lossTerm}`;

  const steps = opts.levels.matrix && derivation.steps.map((s, i) => ({
    number: i + 1,
    rule: RULE_TITLES[s.rule],
    why: s.why.charAt(0).toUpperCase() + s.why.slice(1),
    equation: eq(`${lhs(s, mp, n)} = ${mp.print(s.rhs)}`, `step${i + 1}`),
  }));

  const gradients = (opts.levels.matrix || opts.levels.index) && derivation.gradients.flatMap((g) => {
    const l = g.layer.l;
    const rows = [
      eq(both(`${n.matrix('delta', l)} = ${mp.print(g.delta)}`, `${n.element('delta', l, [j], g.layer.z)} = ${mp.index(g.delta, j, '1')}`), `delta${l}`),
      eq(both(`\\frac{\\partial C}{\\partial ${n.matrix('W', l)}} = ${mp.print(g.dW)}`,
        `\\frac{\\partial C}{\\partial ${n.element('W', l, [j, k], g.layer.W)}} = ${mp.index(g.dW, j, k)}`), `dW${l}`),
    ];
    if (g.db && g.layer.b) {
      rows.push(eq(both(`\\frac{\\partial C}{\\partial ${n.matrix('b', l)}} = ${mp.print(g.db)}`,
        `\\frac{\\partial C}{\\partial ${n.element('b', l, [j], g.layer.b)}} = ${mp.index(g.db, j, '1')}`), `db${l}`));
    }
    return rows;
  });

  // The same derivation printed for a batch of m examples, one per column.
  const bn = new Notation(opts.notation, network);
  bn.batch = true;
  const bp = new MatrixLatexPrinter(bn);
  const batchEquations = [...derivation.gradients].reverse().flatMap((g) => {
    const l = g.layer.l;
    const rows = [
      eq(`${bn.matrix('delta', l)} = ${bp.print(g.delta)} \\in ${dims(g.layer.units, 'm')}`, `batch-delta${l}`),
      eq(`\\frac{\\partial C}{\\partial ${bn.matrix('W', l)}} = \\frac{1}{m} ${bp.print(g.dW)}`, `batch-dW${l}`),
    ];
    if (g.db && g.layer.b) rows.push(eq(`\\frac{\\partial C}{\\partial b^{${bn.layer(l)}}} = \\frac{1}{m} ${bn.matrix('delta', l)} \\mathbf{1}`, `batch-db${l}`));
    return rows;
  });
  const batch = {
    shapes: `${bn.matrix('a', 0)} = X \\in ${dims(network.input, 'm')}, \\quad ${bn.matrix('z', 1)}, ${bn.matrix('a', 1)} \\in ${dims(graph.layers[0]!.units, 'm')}, \\quad \\ldots`,
    equations: [
      ...graph.layers.map((layer) => eq(`${bn.matrix('z', layer.l)} = ${bp.print(layer.zDef)}, \\qquad ${bn.matrix('a', layer.l)} = ${bp.print(layer.aDef)}`, `batch-forward${layer.l}`)),
      ...batchEquations,
    ],
  };

  let expanded: DerivationDocument['expanded'] = false;
  if (opts.levels.scalar && layoutOf(network).paramCount <= opts.expandLimit) {
    const e = expand(graph);
    const sp = mp.scalar();
    expanded = {
      loss: `C = ${sp.print(e.loss)}`,
      derivatives: e.derivatives.map((d, i) => eq(`\\frac{\\partial C}{\\partial ${mp.spellScalar(d.param)}} = ${sp.print(d.expr)}`, `expanded${i + 1}`)),
    };
  }

  const optimizer = optimizerUpdate(network, n);
  const updates = graph.layers.flatMap((layer) => {
    const out = [`${n.matrix('W', layer.l)} &\\leftarrow ${n.matrix('W', layer.l)} - \\eta \\, ${n.matrix('delta', layer.l)} \\left(${n.matrix('a', layer.l - 1)}\\right)^{\\top}`];
    if (layer.b) out.push(`${n.matrix('b', layer.l)} &\\leftarrow ${n.matrix('b', layer.l)} - \\eta \\, ${n.matrix('delta', layer.l)}`);
    return out;
  });

  return {
    name: network.name,
    title: `Backpropagation for \\texttt{${network.name}}`,
    summary: describe(network),
    notation: opts.notation,
    layers: graph.layers.map((layer) => ({ layer: n.layer(layer.l), units: layer.units, activation: layer.act.latexName, activationName: layer.act.name, bias: layer.b ? 'yes' : 'no' })),
    shapes,
    forward,
    loss: { title: graph.loss.title, equation: eq(lossTex, 'loss'), gradient: `\\frac{\\partial C}{\\partial ${n.element('a', L, [j], lastA)}} = ${lossScalar.print(graph.loss.gradient)}` },
    activations: distinct(graph.layers.map((l) => l.act)).map((act) => activationSection(act, mp)),
    steps,
    gradients,
    batch,
    expanded,
    expandLimit: opts.expandLimit,
    weightConvention: n.weightConvention,
    update: optimizer
      ? { eta: `\\eta = ${texNumber(network.train!.rate)}`, equation: eq(optimizer.equation, 'update'), optimizer: optimizer.text }
      : { eta: network.train ? `\\eta = ${network.train.rate}` : '\\eta', equation: eq(`\\begin{aligned}\n${updates.join(' \\\\\n')}\n\\end{aligned}`, 'update'), optimizer: false },
  };
}

/**
 * The update rule of each optimizer as the module's UPDATES runs it, for every
 * parameter θ elementwise, with g_t the gradient of step t: the rows after g_t
 * of an aligned block (eta is η, or η_k under a schedule), and what the prose
 * adds.
 */
const OPTIMIZER_RULES: Readonly<Record<OptimizerKind, { readonly name: string; readonly state?: string; readonly rows: (eta: string) => string[]; readonly note?: string }>> = {
  sgd: { name: 'Stochastic gradient descent', rows: (eta) => [`\\theta &\\leftarrow \\theta - ${eta} \\, g_t`] },
  momentum: {
    name: 'Gradient descent with classical momentum (Polyak, 1964; Sutskever et al., 2013)', state: 'v_0 = 0',
    rows: (eta) => [`v_t &= \\mu \\, v_{t-1} - ${eta} \\, g_t`, `\\theta &\\leftarrow \\theta + v_t`],
  },
  nesterov: {
    name: 'Nesterov momentum (Sutskever et al., 2013)', state: 'v_0 = 0',
    rows: (eta) => [`v_t &= \\mu \\, v_{t-1} - ${eta} \\, g_t`, `\\theta &\\leftarrow \\theta + \\mu \\, v_t - ${eta} \\, g_t`],
    note: 'The parameters hold the look-ahead point $\\theta + \\mu v$ of Sutskever et al. (as Bengio et al., 2013, write it), so $g_t$ is the gradient at the parameters themselves.',
  },
  rmsprop: {
    name: 'RMSProp (Tieleman and Hinton, 2012)', state: 's_0 = 0',
    rows: (eta) => [`s_t &= \\rho \\, s_{t-1} + (1 - \\rho) \\, g_t \\odot g_t`, `\\theta &\\leftarrow \\theta - ${eta} \\, \\frac{g_t}{\\sqrt{s_t} + \\epsilon}`],
    note: 'The $\\epsilon$ is added outside the square root, as PyTorch does.',
  },
  adam: {
    name: 'Adam (Kingma and Ba, 2015)', state: 'm_0 = v_0 = 0',
    rows: (eta) => [...ADAM_MOMENTS, `\\theta &\\leftarrow \\theta - ${eta} \\, \\frac{m_t / (1 - \\beta_1^{t})}{\\sqrt{v_t / (1 - \\beta_2^{t})} + \\epsilon}`],
  },
  adamw: {
    name: 'AdamW (Loshchilov and Hutter, 2019)', state: 'm_0 = v_0 = 0',
    rows: (eta) => [...ADAM_MOMENTS, `\\theta &\\leftarrow \\theta - ${eta} \\left(\\frac{m_t / (1 - \\beta_1^{t})}{\\sqrt{v_t / (1 - \\beta_2^{t})} + \\epsilon} + \\lambda \\, \\theta\\right)`],
    note: 'The weight decay $\\lambda \\theta$ is decoupled: it is not part of the gradient that $m_t$ and $v_t$ average.',
  },
};

const ADAM_MOMENTS = [`m_t &= \\beta_1 m_{t-1} + (1 - \\beta_1) \\, g_t`, `v_t &= \\beta_2 v_{t-1} + (1 - \\beta_2) \\, g_t \\odot g_t`];

const HYPERPARAMETER_TEX: Readonly<Record<Hyperparameter, string>> = {
  momentum: '\\mu', rho: '\\rho', beta1: '\\beta_1', beta2: '\\beta_2', epsilon: '\\epsilon', weightDecay: '\\lambda',
};

/** A number in LaTeX: 0.999, 10^{-8}, 2.5 \cdot 10^{-7}. */
function texNumber(v: number): string {
  const [mantissa, exponent] = String(v).split('e');
  if (exponent === undefined) return mantissa!;
  const power = `10^{${Number(exponent)}}`;
  return mantissa === '1' ? power : `${mantissa} \\cdot ${power}`;
}

/**
 * The update section of a network that names an optimizer other than SGD, or a
 * schedule: the rule the trainer module runs, with its hyperparameters, the
 * batch mean and the rate. Undefined for plain SGD at a constant rate.
 */
function optimizerUpdate(network: Network, n: Notation): { equation: string; text: OptimizerText } | undefined {
  const train = network.train;
  const kind = train?.optimizer?.kind ?? 'sgd';
  const schedule = train?.schedule?.kind === 'constant' ? undefined : train?.schedule;
  if (!train || (kind === 'sgd' && !schedule)) return undefined;
  const rule = OPTIMIZER_RULES[kind];
  const eta = schedule ? '\\eta_k' : '\\eta';
  const examples = train.data.length;
  const batch = Math.max(1, Math.min(train.batch ?? 1, examples));
  const gradient = batch === 1 ? 'g_t &= \\frac{\\partial C}{\\partial \\theta}' : 'g_t &= \\frac{1}{|B|} \\sum_{e \\in B} \\frac{\\partial C_e}{\\partial \\theta}';
  const params = layoutOf(network).entries.map((e) => n.matrix(e.kind, e.layer));
  const theta = params.length <= 4 ? params.join(', ') : `${params.slice(0, 3).join(', ')}, \\ldots, ${params[params.length - 1]}`;
  const short = examples % batch;
  const over = batch === 1 ? "for the step's example" : `averaged over the step's batch $B$ of $|B| = ${batch}$ examples`;
  const settings = OPTIMIZERS[kind].map((h: Hyperparameter) => `${HYPERPARAMETER_TEX[h]} = ${texNumber(train.optimizer?.[h] ?? HYPERPARAMETERS[h])}`);
  const given = [`\\eta = ${texNumber(train.rate)}`, ...(rule.state ? [rule.state] : []), ...settings];
  const intro = `${rule.name} updates every parameter $\\theta \\in \\{${theta}\\}$ elementwise at each step $t = 1, 2, \\ldots$ from $g_t$, its gradient (above) ${over}, with $${given.join('$, $')}$:`;
  const unit = train.steps === undefined ? 'epoch' : 'step';
  const after = [
    batch > 1 && short > 0 && train.steps === undefined ? `The last batch of each epoch has ${short === 1 ? '1 example' : `${short} examples`}.` : '',
    rule.note ?? '',
    schedule ? `The rate follows a schedule, $${scheduleTex(schedule)}$, with $k$ the ${unit} from 0.` : '',
  ].filter(Boolean).join(' ');
  return { equation: `\\begin{aligned}\n${[gradient, ...rule.rows(eta)].join(' \\\\\n')}\n\\end{aligned}`, text: { intro, after } };
}

function scheduleTex(s: Exclude<ScheduleSpec, { kind: 'constant' }>): string {
  switch (s.kind) {
    case 'step': return `\\eta_k = \\eta \\cdot ${texNumber(s.factor)}^{\\lfloor k / ${s.every} \\rfloor}`;
    case 'exponential': return `\\eta_k = \\eta \\cdot ${texNumber(s.factor)}^{k}`;
    case 'cosine': return `\\eta_k = ${texNumber(s.min)} + \\tfrac{1}{2} \\left(\\eta - ${texNumber(s.min)}\\right) \\left(1 + \\cos \\frac{\\pi \\min(k, ${s.over})}{${s.over}}\\right)`;
  }
}

export function generateLatex(c: Compiled, options: Partial<LatexOptions> = {}): string {
  return latexOf(derivationDocument(c, options), options.fragment ?? false);
}

/** The LaTeX of an already built document (a standalone file, or the body alone). */
export function latexOf(doc: DerivationDocument, fragment: boolean): string {
  const context = { ...doc, shapes: doc.shapes.join(' \\\\\n') };
  const body = renderTemplate('latex/fragment', context);
  return fragment ? body : renderTemplate('latex/document', { ...context, body });
}

function lhs(eq: Equation, mp: MatrixLatexPrinter, n: Notation): string {
  if (eq.lhs.kind === 'delta') {
    return eq.rule === 'chain-activation'
      ? `${n.matrix('delta', eq.lhs.layer)} \\equiv \\frac{\\partial C}{\\partial ${n.matrix('z', eq.lhs.layer)}}`
      : n.matrix('delta', eq.lhs.layer);
  }
  return `\\frac{\\partial C}{\\partial ${mp.print(eq.lhs.wrt)}}`;
}

function activationSection(act: Activation, mp: MatrixLatexPrinter): DerivationDocument['activations'][number] {
  const name = act.latexName;
  if (!act.elementwise) {
    return { name: act.name, definition: `${name}(z)_j = \\frac{e^{z_j}}{\\sum_k e^{z_k}}`, derivative: `\\frac{\\partial\\, ${name}(z)_i}{\\partial z_j} = ${name}(z)_i \\left(\\delta_{ij} - ${name}(z)_j\\right)`, notes: ['The code subtracts $\\max_k z_k$ before exponentiating, which leaves the result unchanged and cannot overflow.'] };
  }
  const sp = mp.scalar((s) => (s.base === 'v' && s.index.length === 0 ? `${name}(z)` : undefined));
  let derivative = `${name}'(z) = ${sp.print(act.derivative)}`;
  if (act.fromOutput && key(act.fromOutput) !== key(act.derivative)) derivative += ` = ${sp.print(act.fromOutput)}`;
  return { name: act.name, definition: `${name}(z) = ${sp.print(act.formula)}`, derivative, notes: act.notes };
}

function distinct(acts: Activation[]): Activation[] {
  const seen = new Set<Activation>();
  return acts.filter((a) => (seen.has(a) ? false : (seen.add(a), true)));
}
