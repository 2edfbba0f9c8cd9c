// Derivation → what the paper says. This file decides the content (a context of
// printed equations); the printers decide how each expression looks; the
// templates (latex/*.hbs, html/page.hbs) hold the layout.
import type { Equation, LayerGradient } from '../derive/derive.ts';
import { DEFAULT_EXPAND_LIMIT, expand, inlinedGradient } from '../derive/expand.ts';
import type { Routine } from '../lower/routine.ts';
import { seededRandom, uniform } from '../check/random.ts';
import { evaluate } from '../symbolic/evaluate.ts';
import { CasTimeout, MAX_FORMULA_DEPTH, withCasDeadline } from '../symbolic/cas.ts';
import { layoutOf } from '../graph/layout.ts';
import type { Graph, GraphLayer } from '../graph/build.ts';
import type { Compiled } from '../pipeline.ts';
import type { Activation } from '../symbolic/activations.ts';
import { functionsOf, key, symKey, type Sym } from '../symbolic/expr.ts';
import type { MExpr } from '../symbolic/matrix.ts';
import { HYPERPARAMETERS, OPTIMIZERS, type Hyperparameter, type OptimizerKind, type ScheduleSpec, type TrainSpec } from '../spec/types.ts';
import { renderTemplate } from './emit.ts';
import { MatrixLatexPrinter, texWidth } from './latex-printer.ts';
import { Notation, type NotationName } from './notation.ts';
import { describe } from './typescript.ts';

/** The CAS's time to differentiate the loss written out in scalars (a tiny network's scalar level). */
export const EXPAND_CAS_MS = 10_000;

/**
 * The scalar level, or why it is left out: the CAS did not finish in time, its answer nests too deeply to
 * read back, or its derivatives disagree with the δ recursion at random points (the two routes must agree:
 * nerdamer has differentiated some forms, exp(u)/(exp(u)+exp(v)) among them, wrongly).
 */
function expandWithin(graph: Graph, routine: () => Routine): { expansion: ReturnType<typeof expand> } | { omitted: string } {
  try {
    const expansion = withCasDeadline(EXPAND_CAS_MS, () => expand(graph));
    const recursion = inlinedGradient(routine());
    const rand = seededRandom(7);
    for (let point = 0; point < 3; point++) {
      const values = new Map<string, number>();
      // Targets of softmax cross-entropy are a distribution (the recursion's a − y relies on it).
      const last = graph.layers[graph.layers.length - 1]!;
      if (graph.loss.name === 'softmax-cross-entropy') {
        const w = Array.from({ length: last.units }, () => uniform(rand, 0.1, 1));
        const total = w.reduce((a, b) => a + b, 0);
        w.forEach((v, i) => values.set(symKey({ base: 'y', index: [i + 1] }), v / total));
      }
      const env = (sym: Sym): number => {
        const k = symKey(sym);
        if (!values.has(k)) values.set(k, sym.base === 'y' ? uniform(rand, 0.1, 0.9) : uniform(rand, -1, 1));
        return values.get(k)!;
      };
      for (const d of expansion.derivatives) {
        const want = evaluate(recursion.get(symKey(d.param))!, env);
        const got = evaluate(d.expr, env);
        if (!(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)))) {
          return { omitted: 'Written out in scalars, the computer algebra\'s derivatives of this network disagree with the recursion above at a random point, so they are left out; the recursion gives every derivative.' };
        }
      }
    }
    return { expansion };
  } catch (err) {
    if (err instanceof CasTimeout) return { omitted: `Written out in scalars, the loss of this network is too large for the computer algebra to differentiate within ${EXPAND_CAS_MS / 1000} s; the recursion above gives every derivative.` };
    if (err instanceof Error && /nested deeper than/.test(err.message)) return { omitted: `Written out in scalars, the derivatives of this network nest more than ${MAX_FORMULA_DEPTH} levels deep; the recursion above gives every derivative.` };
    throw err;
  }
}

export type HeadingLevel = 'section' | 'subsection' | 'none';

export interface LatexOptions {
  readonly notation: NotationName;
  /** Body only, to \input into a paper. */
  readonly fragment: boolean;
  /** Which levels to show: the δ recursion in matrix form, index form, every scalar written out. */
  readonly levels: { readonly matrix: boolean; readonly index: boolean; readonly scalar: boolean };
  /** Write every scalar derivative out in full up to this many parameters. */
  readonly expandLimit: number;
  /**
   * Labels are eq:<prefix>:<meaning>. Default: the network's name, with
   * "-question" for the question's notation, so two networks in two notations
   * can share one paper.
   */
  readonly labelPrefix?: string;
  /** The title as \section* (parts as \subsection*), as \subsection*, or no headings (run-in bold part names). */
  readonly heading: HeadingLevel;
  /** Bold vectors and matrices. */
  readonly bold: boolean;
}

export const DEFAULT_LATEX_OPTIONS: LatexOptions = {
  notation: 'nielsen', fragment: false, levels: { matrix: true, index: true, scalar: true }, expandLimit: DEFAULT_EXPAND_LIMIT, heading: 'section', bold: false,
};

/** The widest scalar line, in texWidth glyphs, that fits a 3.5-inch column beside its left-hand side. */
const SCALAR_LINE_GLYPHS = 30;
/** The widest equation, in texWidth glyphs, that fits a 3.5-inch column. */
const COLUMN_GLYPHS = 34;

/** The label prefix used when none is given. */
export const defaultLabelPrefix = (name: string, notation: NotationName): string => (notation === 'nielsen' ? name : `${name}-question`);

const RULE_TITLES: Record<Equation['rule'], string> = {
  'loss-derivative': 'derivative of the loss',
  'chain-activation': 'chain rule through the activation',
  substitution: 'substitution',
  simplification: 'simplification',
  'chain-affine-weight': 'chain rule through the weights',
  'chain-affine-bias': 'chain rule through the bias',
  'chain-affine-input': 'chain rule back to the previous layer',
};

/** What a step's label says it is (with the layer, or l for a general step). */
const RULE_LABELS: Record<Equation['rule'], string> = {
  'loss-derivative': 'dC-da',
  'chain-activation': 'delta-def',
  substitution: 'delta-sub',
  simplification: 'delta-simp',
  'chain-affine-weight': 'step-grad-W',
  'chain-affine-bias': 'step-grad-b',
  'chain-affine-input': 'dC-da',
};

/** A display equation: its LaTeX body and the label a paper can \eqref. */
export interface DisplayEquation { readonly tex: string; readonly label: string }

/** One step of the backward pass; `intro` opens a general step "for l = …"; `remark` is kept as a LaTeX comment. */
export interface DerivationStep { number: number; rule: string; why: string; intro: string; remark: string; equation: DisplayEquation }

export interface DerivationDocument {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  readonly notation: NotationName;
  readonly labelPrefix: string;
  /** The LaTeX heading commands for the title and for each part, e.g. \section* and \subsection*; '' for none. */
  readonly headings: { readonly title: string; readonly part: string };
  readonly layers: { layer: string; units: number; activation: string; activationName: string; bias: string }[];
  /** The graph form: its nodes, listed instead of layers (name and activation as inline math $…$, reads a list of $…$). */
  readonly nodes?: { name: string; kind: string; reads: string; size: number; activation: string }[];
  /** The nodes as a list rather than a table: a table too wide for a paper's column (long names, many inputs). */
  readonly nodeList?: boolean;
  /** The graph form: examples of its labels' meanings for the header comment (the chain form's are fixed in the template). */
  readonly labelMeanings?: string;
  readonly shapes: string[];
  /** The conventions stated once: ⊙, ⊘, the gradient layout. */
  readonly conventions: string;
  /** δ^{(l)} = ∂C/∂z^{(l)} in the notation. */
  readonly deltaDefinition: string;
  /** The backpropagation equations of this network, in matrix form. */
  readonly equations: DisplayEquation[];
  readonly forward: DisplayEquation[];
  readonly loss: { title: string; equation: DisplayEquation; gradient: string };
  readonly activations: { name: string; definition: string; derivative: string; notes: readonly string[] }[];
  readonly steps: DerivationStep[] | false;
  readonly gradients: DisplayEquation[] | false;
  readonly batch: { shapes: string; equations: DisplayEquation[] };
  readonly expanded: { loss: string; derivatives: DisplayEquation[] } | false;
  /** Why the scalar level asked for is not shown, or ''. */
  readonly expandedOmitted: string;
  readonly expandLimit: number;
  readonly weightConvention: string;
  /** optimizer: false for plain SGD at a constant rate, whose section reads as it always has. */
  readonly update: { eta: string; equation: DisplayEquation; optimizer: OptimizerText | false };
}

/** What the update section says of an optimizer or a schedule: prose with $…$ inline math, before and after the equation. */
export interface OptimizerText { readonly intro: string; readonly after: string }

const HEADINGS: Record<HeadingLevel, { title: string; part: string }> = {
  section: { title: '\\section*', part: '\\subsection*' },
  subsection: { title: '\\subsection*', part: '\\subsubsection*' },
  none: { title: '', part: '' },
};

export function derivationDocument(c: Compiled, options: Partial<LatexOptions> = {}): DerivationDocument {
  const opts: LatexOptions = { ...DEFAULT_LATEX_OPTIONS, ...options };
  const { network, derivation } = c;
  const graph = derivation.graph;
  const n = new Notation(opts.notation, network);
  n.bold = opts.bold;
  const mp = new MatrixLatexPrinter(n);
  const [j, k] = n.indices;
  const L = graph.layers.length;
  const prefix = opts.labelPrefix ?? defaultLabelPrefix(network.name, opts.notation);
  const eq = (tex: string, what: string): DisplayEquation => ({ tex, label: `\\label{eq:${prefix}:${what}}` });
  // Vectors are in ℝ^n, scalars in ℝ; only a matrix has two dimensions.
  const dims = (rows: number | string, cols: number | string): string =>
    cols === 1 ? (rows === 1 ? '\\mathbb{R}' : `\\mathbb{R}^{${rows}}`) : `\\mathbb{R}^{${rows} \\times ${cols}}`;
  // Matrix and index forms on separate lines, so each fits a column; a network of single units has one form.
  const both = (matrix: string, index: string): string => {
    const forms = [opts.levels.matrix || !opts.levels.index ? matrix : '', opts.levels.index ? index : ''].filter(Boolean);
    return [...new Set(forms)].join(' \\\\\n');
  };
  const gathered = (tex: string): string => (tex.includes('\\\\') ? `\\begin{gathered}\n${tex}\n\\end{gathered}` : tex);
  /** "l = 5, …, 1" in Nielsen's numbers, "l = L-1, …, 1" in the question's. */
  const range = (from: number, to: number): string => {
    const name = (l: number): string => (opts.notation === 'nielsen' || l === 1 ? String(l) : l === L ? 'L' : `L-${L - l}`);
    if (from === to) return `l = ${name(from)}`;
    // Two layers are named, not ranged: "l = 1, 2", "l = L-1, L".
    const own = (l: number): string => (opts.notation === 'nielsen' ? String(l) : l === L ? 'L' : `L-${L - l}`);
    return Math.abs(from - to) === 1 ? `l = ${own(from)}, ${own(to)}` : `l = ${name(from)}, \\ldots, ${name(to)}`;
  };

  /**
   * The equations of layers `ls` (in this order): written once "for l = …" when
   * every layer's equations print alike relative to it, so depth costs no pages;
   * else once per layer. `rows` prints one layer's equations in a notation,
   * `tag` naming the layer in labels (its number, or l).
   */
  const perLayer = (ls: readonly number[], rows: (nn: Notation, l: number, tag: string) => DisplayEquation[], base: Notation = n): DisplayEquation[] => {
    if (ls.length >= 2) {
      const signature = (l: number): string => rows(base.general(l), l, 'l').map((r) => r.tex).join('\n');
      const first = signature(ls[0]!);
      if (ls.every((l) => signature(l) === first)) {
        const r = range(ls[0]!, ls[ls.length - 1]!);
        return rows(base.general(ls[0]!), ls[0]!, 'l').map((e) => ({ ...e, tex: withRange(e.tex, r) }));
      }
    }
    return ls.flatMap((l) => rows(base, l, String(l)));
  };
  const layerOf = (l: number): GraphLayer => graph.layers[l - 1]!;
  const upward = graph.layers.map((layer) => layer.l);
  const downward = [...upward].reverse();

  const shape = (tex: string): DisplayEquation => ({ tex, label: '' });
  // Concrete sizes: layers of different sizes are listed one by one.
  const shapes: string[] = [
    `${n.matrix('a', 0)}${opts.notation === 'question' ? '' : ' = x'} \\in ${dims(network.input, 1)}`,
    ...perLayer(upward, (nn, l) => {
      const layer = layerOf(l);
      return [
        shape(`${nn.matrix('W', l)} \\in ${dims(layer.units, layer.fanIn)}`),
        ...(layer.b ? [shape(`${nn.matrix('b', l)} \\in ${dims(layer.units, 1)}`)] : []),
        shape(`${nn.matrix('z', l)}, ${nn.matrix('a', l)}, ${nn.matrix('delta', l)} \\in ${dims(layer.units, 1)}`),
      ];
    }).map((e) => e.tex),
    `${n.matrix('y')} \\in ${dims(graph.layers[L - 1]!.units, 1)}`,
  ];

  const forward = perLayer(upward, (nn, l, tag) => {
    const layer = layerOf(l);
    const p = new MatrixLatexPrinter(nn);
    return [
      eq(gathered(both(`${nn.matrix('z', l)} = ${p.print(layer.zDef)}`, `${nn.element('z', l, [j], layer.z)} = ${p.index(layer.zDef, j, '1')}`)), `z-${tag}`),
      eq(gathered(both(`${nn.matrix('a', l)} = ${p.print(layer.aDef)}`, layer.act.elementwise
        ? `${nn.element('a', l, [j], layer.a)} = ${p.index(layer.aDef, j, '1')}`
        : `${nn.element('a', l, [j], layer.a)} = \\frac{e^{${nn.element('z', l, [j], layer.z)}}}{\\sum_{${k}} e^{${nn.element('z', l, [k], layer.z)}}}`)), `a-${tag}`),
    ];
  });

  const lastA = graph.layers[L - 1]!.a;
  const lossScalar = mp.scalar((s) => {
    if (s.index.length !== 0) return undefined;
    if (s.base === 'a') return n.element('a', L, [j], lastA);
    if (s.base === 'y') return n.element('y', undefined, [j], lastA);
    if (s.base === 'n') return n.sizeName(L);
    return undefined;
  });
  const lossTerm = lossScalar.print(graph.loss.element);
  // A sum binds looser than the product of its terms: only a sum of terms needs parentheses.
  const lossTex = lastA.rows === 1 ? `C = ${lossTerm}`
    : `C = ${lossTerm.startsWith('-') && graph.loss.element.kind !== 'add' ? `-\\sum_{${j}=1}^{${n.sizeName(L)}} ${sumBody(lossTerm.slice(1))}` : `\\sum_{${j}=1}^{${n.sizeName(L)}} ${graph.loss.element.kind === 'add' ? `\\left(${lossTerm}\\right)` : lossTerm}`}`;

  // The summary: this network's equations in matrix form, general in l where layers repeat.
  const equations = summaryEquations(derivation.gradients, n, eq, range);

  const steps = opts.levels.matrix && backwardSteps(derivation.steps, graph, n, prefix, range);

  // Output layer first: δ^(l) needs δ^(l+1).
  const gradientRows = (nn: Notation, l: number, tag: string): DisplayEquation[] => {
    const g = derivation.gradients[l - 1]!;
    const p = new MatrixLatexPrinter(nn);
    const rows = [
      eq(gathered(both(`${nn.matrix('delta', l)} = ${p.print(g.delta)}`, `${nn.element('delta', l, [j], g.layer.z)} = ${p.index(g.delta, j, '1')}`)), `delta-${tag}`),
      eq(gathered(both(`\\frac{\\partial C}{\\partial ${nn.matrix('W', l)}} = ${p.print(g.dW)}`,
        `\\frac{\\partial C}{\\partial ${nn.element('W', l, [j, k], g.layer.W)}} = ${p.index(g.dW, j, k)}`)), `grad-W-${tag}`),
    ];
    if (g.db && g.layer.b) {
      rows.push(eq(gathered(both(`\\frac{\\partial C}{\\partial ${nn.matrix('b', l)}} = ${p.print(g.db)}`,
        `\\frac{\\partial C}{\\partial ${nn.element('b', l, [j], g.layer.b)}} = ${p.index(g.db, j, '1')}`)), `grad-b-${tag}`));
    }
    return rows;
  };
  const gradients = (opts.levels.matrix || opts.levels.index) && [...gradientRows(n, L, String(L)), ...perLayer(downward.slice(1), gradientRows)];

  // The same derivation printed for a batch of m examples, one per column; C̄ is the loss averaged over the batch.
  const bn = new Notation(opts.notation, network);
  bn.batch = true;
  bn.bold = opts.bold;
  const batchForward = (nn: Notation, l: number, tag: string): DisplayEquation[] => {
    const layer = layerOf(l);
    const p = new MatrixLatexPrinter(nn);
    return [eq(`${nn.matrix('z', l)} = ${p.print(layer.zDef)}`, `batch-z-${tag}`), eq(`${nn.matrix('a', l)} = ${p.print(layer.aDef)}`, `batch-a-${tag}`)];
  };
  const batchBackward = (nn: Notation, l: number, tag: string): DisplayEquation[] => {
    const g = derivation.gradients[l - 1]!;
    const p = new MatrixLatexPrinter(nn);
    const rows = [
      eq(`${nn.matrix('delta', l)} = ${p.print(g.delta)}`, `batch-delta-${tag}`),
      eq(`\\frac{\\partial \\bar{C}}{\\partial ${nn.matrix('W', l)}} = \\frac{1}{m} ${p.print(g.dW)}`, `batch-grad-W-${tag}`),
    ];
    if (g.db && g.layer.b) rows.push(eq(`\\frac{\\partial \\bar{C}}{\\partial ${nn.single().matrix('b', l)}} = \\frac{1}{m} ${nn.matrix('delta', l)} \\mathbf{1}`, `batch-grad-b-${tag}`));
    return rows;
  };
  const batch = {
    shapes: `${bn.matrix('a', 0)} \\in ${dims(network.input, 'm')}`,
    equations: [
      ...perLayer(upward, batchForward, bn),
      ...batchBackward(bn, L, String(L)),
      ...perLayer(downward.slice(1), batchBackward, bn),
    ],
  };

  let expanded: DerivationDocument['expanded'] = false;
  let expandedOmitted = '';
  let expansion: ReturnType<typeof expandWithin> | undefined;
  const paramCount = layoutOf(network).paramCount;
  // The scalar level differentiates the loss written out whole; a kinked activation (relu, leaky relu: a step
  // function inside) has no derivative there in the CAS, so that network gets the sentence instead.
  const kinked = graph.layers.find((l) => l.act.elementwise && functionsOf(l.act.formula).has('step'));
  if (opts.levels.scalar && paramCount <= opts.expandLimit && kinked) {
    expandedOmitted = `Written out in scalars, the loss of this network has the kink of $${kinked.act.latexName}$ at $z = 0$, where it has no derivative; the recursion above gives every derivative, with the one-sided convention stated with the activation.`;
  } else if (opts.levels.scalar && paramCount <= opts.expandLimit && 'omitted' in (expansion = expandWithin(graph, () => c.routine))) {
    expandedOmitted = expansion.omitted;
  } else if (opts.levels.scalar && paramCount <= opts.expandLimit) {
    const e = (expansion as { expansion: ReturnType<typeof expand> }).expansion;
    const sp = mp.scalar();
    // A long product breaks between its factors (split) to fit a 3.5-inch column; nested functions cannot.
    const broken = (lhs: string, e: Parameters<typeof sp.print>[0]): string | undefined => {
      const rows = sp.lines(e, SCALAR_LINE_GLYPHS);
      if (!rows) return undefined;
      return rows.length === 1 ? `${lhs} = ${rows[0]}`
        : `\\begin{split}\n${lhs} &= ${rows[0]} \\\\\n${rows.slice(1).map((r) => `&\\quad \\cdot ${r}`).join(' \\\\\n')}\n\\end{split}`;
    };
    const loss = broken('C', e.loss);
    const derivatives = e.derivatives.map((d) => {
      const tex = broken(`\\frac{\\partial C}{\\partial ${mp.spellScalar(d.param)}}`, d.expr);
      return tex && eq(tex, `scalar-${[d.param.base, d.param.layer, ...d.param.index].filter((x) => x !== undefined).join('-')}`);
    });
    if (loss && derivatives.every((d) => d !== undefined)) expanded = { loss, derivatives: derivatives as DisplayEquation[] };
    else expandedOmitted = 'Written out in scalars, the loss of this network nests its activations too deeply to print in a line; the recursion above gives every derivative.';
  } else if (opts.levels.scalar) {
    // Said in the document, never silently left out.
    expandedOmitted = `The network has ${paramCount} parameters, more than ${opts.expandLimit}, so the derivatives are not written out in scalars here.`;
  }

  const optimizer = optimizerUpdate(network.train, layoutOf(network).entries.map((e) => n.matrix(e.kind, e.layer)));
  const updates = graph.layers.flatMap((layer) => {
    const out = [`${n.matrix('W', layer.l)} &\\leftarrow ${n.matrix('W', layer.l)} - \\eta \\, ${n.matrix('delta', layer.l)} \\left(${n.matrix('a', layer.l - 1)}\\right)^{\\top}`];
    if (layer.b) out.push(`${n.matrix('b', layer.l)} &\\leftarrow ${n.matrix('b', layer.l)} - \\eta \\, ${n.matrix('delta', layer.l)}`);
    return out;
  });

  const heading = HEADINGS[opts.heading];
  return {
    name: network.name,
    title: titleOf(network.name),
    summary: describe(network),
    notation: opts.notation,
    labelPrefix: prefix,
    headings: heading,
    layers: graph.layers.map((layer) => ({ layer: n.layer(layer.l), units: layer.units, activation: layer.act.latexName, activationName: layer.act.name, bias: layer.b ? 'yes' : 'no' })),
    shapes,
    conventions: conventionsText(n),
    deltaDefinition: `${n.general(1).matrix('delta', 1)} = \\partial C / \\partial ${n.general(1).matrix('z', 1)}`,
    equations,
    forward,
    loss: { title: graph.loss.title, equation: eq(lossTex, 'loss'), gradient: `\\frac{\\partial C}{\\partial ${n.element('a', L, [j], lastA)}} = ${lossScalar.print(graph.loss.gradient)}` },
    activations: distinct(graph.layers.map((l) => l.act)).map((act) => activationSection(act, mp, n)),
    steps,
    gradients,
    batch,
    expanded,
    expandedOmitted,
    expandLimit: opts.expandLimit,
    weightConvention: n.weightConvention,
    update: optimizer
      ? { eta: `\\eta = ${texNumber(network.train!.rate)}`, equation: eq(optimizer.equation, 'update'), optimizer: optimizer.text }
      : { eta: network.train ? `\\eta = ${network.train.rate}` : '\\eta', equation: eq(`\\begin{aligned}\n${updates.join(' \\\\\n')}\n\\end{aligned}`, 'update'), optimizer: false },
  };
}

/** ", l = 1, …, L" after an equation, or on a line of its own when the equation is wide. */
function withRange(tex: string, r: string): string {
  if (tex.includes('\\end{gathered}')) return tex.replace('\n\\end{gathered}', ` \\\\\n(${r})\n\\end{gathered}`);
  return texWidth(tex) + texWidth(r) <= COLUMN_GLYPHS ? `${tex}, \\quad ${r}` : `\\begin{gathered}\n${tex}, \\\\\n${r}\n\\end{gathered}`;
}

/** The term of a sum after its minus: its brackets dropped only when what they hold has no + or − of its own (−Σ (y ln a + …) keeps them). */
function sumBody(tex: string): string {
  const inner = unwrap(tex);
  if (inner === tex) return tex;
  let depth = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '{' || c === '(') depth++;
    else if (c === '}' || c === ')') depth--;
    else if (depth === 0 && (c === '+' || (c === '-' && i > 0))) return tex;
  }
  return inner;
}

/** The heading: a long network name may break after its hyphens (\\texttt never breaks by itself). */
export const titleOf = (name: string): string => `Backpropagation for \\texttt{${name.replace(/-/g, '-\\allowbreak{}')}}`;

/** A term without the parentheses around all of it: after a sum sign a product needs none. */
function unwrap(tex: string): string {
  if (!tex.startsWith('\\left(') || !tex.endsWith('\\right)')) return tex;
  let depth = 0;
  for (const m of tex.matchAll(/\\left\(|\\right\)/g)) {
    depth += m[0] === '\\left(' ? 1 : -1;
    if (depth === 0 && m.index! + m[0].length < tex.length) return tex;
  }
  return tex.slice('\\left('.length, -'\\right)'.length);
}

/** ⊙, ⊘ and the gradient layout, stated once. */
function conventionsText(n: Notation): string {
  const W = n.matrix('W', undefined);
  return `Every vector is a column. $u \\odot v$ and $u \\oslash v$ are the componentwise product and quotient; `
    + `a function of a vector, such as $\\sigma(z)$, acts on each component. A gradient has the shape of its variable: `
    + `$\\partial C / \\partial ${W}$ is the matrix of the $\\partial C / \\partial ${W}_{${n.indices.join('')}}$.`;
}

type Labeller = (tex: string, what: string) => DisplayEquation;

/**
 * Output error, recursion, weight and bias gradients of this network in matrix
 * form. Layers whose equations print the same relative to their own layer are
 * written once, "for l = …", with the notation's general layer (l).
 */
function summaryEquations(gradients: readonly LayerGradient[], n: Notation, eq: Labeller, range: (from: number, to: number) => string): DisplayEquation[] {
  const L = gradients.length;
  const print = (nn: Notation, e: MExpr): string => new MatrixLatexPrinter(nn).print(e);
  const dC = (nn: Notation, base: string, l: number): string => `\\frac{\\partial C}{\\partial ${nn.matrix(base, l)}}`;
  /** One general line when every layer prints alike, else one aligned row per layer. */
  const lines = (group: readonly LayerGradient[], left: (nn: Notation, l: number) => string, right: (g: LayerGradient) => MExpr, what: string, from: number, to: number): DisplayEquation => {
    const general = group.map((g) => print(n.general(g.layer.l), right(g)));
    if (group.length >= 2 && general.every((t) => t === general[0])) {
      const g = n.general(group[0]!.layer.l);
      return eq(withRange(`${left(g, group[0]!.layer.l)} = ${general[0]}`, range(from, to)), what);
    }
    if (group.length === 1) return eq(`${left(n, group[0]!.layer.l)} = ${print(n, right(group[0]!))}`, what);
    return eq(`\\begin{aligned}\n${group.map((g) => `${left(n, g.layer.l)} &= ${print(n, right(g))}`).join(' \\\\\n')}\n\\end{aligned}`, what);
  };
  const out = [eq(`${n.matrix('delta', L)} = ${print(n, gradients[L - 1]!.delta)}`, 'delta-out')];
  const hidden = gradients.slice(0, L - 1).reverse();
  if (hidden.length > 0) out.push(lines(hidden, (nn, l) => nn.matrix('delta', l), (g) => g.delta, 'delta-rec', L - 1, 1));
  out.push(lines(gradients, (nn, l) => dC(nn, 'W', l), (g) => g.dW, 'grad-W', 1, L));
  const biased = gradients.filter((g) => g.db && g.layer.b);
  if (biased.length > 0) {
    const contiguous = biased.length === L;
    out.push(contiguous ? lines(biased, (nn, l) => dC(nn, 'b', l), (g) => g.db!, 'grad-b', 1, L)
      : eq(`\\begin{aligned}\n${biased.map((g) => `${dC(n, 'b', g.layer.l)} &= ${print(n, g.db!)}`).join(' \\\\\n')}\n\\end{aligned}`, 'grad-b'));
  }
  return out;
}

/**
 * The backward pass, step by step, from the loss back to the first layer.
 * Hidden layers whose steps print alike relative to their own layer are
 * written once as a general step for l = L−1, …, 1.
 */
function backwardSteps(all: readonly Equation[], graph: Graph, n: Notation, prefix: string, range: (from: number, to: number) => string): DerivationStep[] {
  const L = graph.layers.length;
  const groups = new Map<number, Equation[]>();
  for (const s of all) groups.set(s.layer, [...(groups.get(s.layer) ?? []), s]);
  const render = (steps: readonly Equation[], nn: Notation, general: boolean): Omit<DerivationStep, 'number' | 'intro'>[] => {
    const mp = new MatrixLatexPrinter(nn);
    const seen = new Map<string, number>();
    return steps.map((s) => {
      const layerName = general ? 'l' : String(s.layer);
      const base = `${RULE_LABELS[s.rule]}-${layerName}`;
      const count = (seen.get(base) ?? 0) + 1;
      seen.set(base, count);
      const what = count === 1 ? base : `${base}-${count}`;
      return {
        rule: RULE_TITLES[s.rule],
        why: capitalize(stepWhy(s, graph, nn)),
        remark: s.remark ?? '',
        equation: { tex: stepTex(lhs(s, mp, nn), mp.print(s.rhs), s.rhs.kind === 'matmul' ? mp.factors(s.rhs) : undefined), label: `\\label{eq:${prefix}:${what}}` },
      };
    });
  };
  const out: Omit<DerivationStep, 'number'>[] = render(groups.get(L) ?? [], n, false).map((s) => ({ ...s, intro: '' }));
  const hidden = [...groups.keys()].filter((l) => l < L).sort((a, b) => b - a);
  const signature = (l: number): string => render(groups.get(l)!, n.general(l), true).map((s) => `${s.why}|${s.equation.tex}`).join('\n');
  const alike = hidden.length >= 2 && hidden.every((l) => signature(l) === signature(hidden[0]!));
  if (alike) {
    out.push(...render(groups.get(hidden[0]!)!, n.general(hidden[0]!), true).map((s, i) => ({
      ...s, intro: i === 0 ? `Every layer before the last repeats the same steps; for $${range(hidden[0]!, 1)}$:` : '',
    })));
  } else {
    for (const l of hidden) out.push(...render(groups.get(l)!, n, false).map((s) => ({ ...s, intro: '' })));
  }
  return out.map((s, i) => ({ ...s, number: i + 1 }));
}

/** A step's equation; a definition δ ≡ ∂C/∂z too wide for a column puts its value on a second line. */
function stepTex(left: string, right: string, product?: [string, string]): string {
  const parts = left.split(' \\equiv ');
  if (texWidth(`${left} = ${right}`) <= COLUMN_GLYPHS) return `${left} = ${right}`;
  if (parts.length === 2) return `\\begin{split}\n${parts[0]} &\\equiv ${parts[1]} \\\\\n&= ${right}\n\\end{split}`;
  // A wide matrix product breaks between its two factors.
  if (product) return `\\begin{split}\n${left} &= ${product[0]} \\\\\n&\\quad ${product[1]}\n\\end{split}`;
  return `${left} = ${right}`;
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Why a step holds, in the notation's own symbols (no word of the other notation). */
function stepWhy(s: Equation, graph: Graph, n: Notation): string {
  const L = graph.layers.length;
  const layer = graph.layers[Math.max(0, s.layer - 1)]!;
  const [r, c] = n.indices;
  const act = layer.act.latexName;
  const z = n.matrix('z', s.layer);
  switch (s.rule) {
    case 'loss-derivative':
      return `the derivative of the ${graph.loss.title} with respect to the output $${n.matrix('a', L)}$, component by component`;
    case 'chain-activation':
      if (!layer.act.elementwise) {
        const a = (i: string): string => n.element('a', s.layer, [i], layer.a);
        return `every output of the softmax depends on every input, $\\partial ${a(r)} / \\partial ${n.element('z', s.layer, [c], layer.z)} = ${a(r)} \\left([${r} = ${c}] - ${a(c)}\\right)$, `
          + `where $[${r} = ${c}]$ is 1 if $${r} = ${c}$ and 0 otherwise; so the Jacobian is $\\operatorname{diag}(${n.matrix('a', s.layer)}) - ${n.matrix('a', s.layer)} (${n.matrix('a', s.layer)})^{\\top}$`;
      }
      return `$${n.matrix('a', s.layer)} = ${act}(${z})$ acts on each component alone, so its Jacobian is the diagonal matrix $\\operatorname{diag}(${act}'(${z}))$ and the chain rule multiplies componentwise`;
    case 'substitution':
      return s.layer === L ? 'substitute the derivative of the loss' : `substitute $\\partial C / \\partial ${n.matrix('a', s.layer)}$ from the step before`;
    case 'simplification':
      if (!layer.act.elementwise) return softmaxWhy(graph, n, s.layer);
      return s.why;
    case 'chain-affine-weight': {
      const zj = n.element('z', s.layer, [r], { rows: 2, cols: 1 });
      // The question's asker took this factor for the layer's own output; say which it is.
      const input = n.name === 'question' ? ` (the layer's input $${n.matrix('a', s.layer - 1)}$, not its output $${n.matrix('a', s.layer)}$)` : '';
      return `$${z} = ${affine(layer, n)}$, and $\\partial ${zj} / \\partial ${n.element('W', s.layer, [r, c], { rows: 2, cols: 2 })} = ${n.element('a', s.layer - 1, [c], { rows: 2, cols: 1 })}$${input}, so the gradient is an outer product`;
    }
    case 'chain-affine-bias':
      return `$\\partial ${z} / \\partial ${n.matrix('b', s.layer)} = I$`;
    case 'chain-affine-input': {
      const next = graph.layers[s.layer]!;
      return `$${n.matrix('z', next.l)} = ${affine(next, n)}$ has the Jacobian $${n.matrix('W', next.l)}$ with respect to $${n.matrix('a', s.layer)}$, so the gradient is carried back by its transpose`;
    }
  }
}

/** W a + b of a layer, without b when it has none. */
function affine(layer: GraphLayer, n: Notation): string {
  return `${n.matrix('W', layer.l)} ${n.matrix('a', layer.l - 1)}${layer.b ? ` + ${n.matrix('b', layer.l)}` : ''}`;
}

/** The softmax-cross-entropy simplification, in general: the one line of algebra with Σ y = 1. */
function softmaxWhy(graph: Graph, n: Notation, l: number): string {
  const layer = graph.layers[l - 1]!;
  const [r, c] = n.indices;
  const a = (i: string): string => n.element('a', l, [i], layer.a);
  const y = (i: string): string => n.element('y', undefined, [i], layer.a);
  const d = n.element('delta', l, [r], layer.z);
  return `in components, with $\\partial C / \\partial ${a(c)} = -${y(c)} / ${a(c)}$, `
    + `$${d} = \\sum_{${c}} ${a(c)} \\left([${c} = ${r}] - ${a(r)}\\right) \\left(-\\frac{${y(c)}}{${a(c)}}\\right) = -${y(r)} + ${a(r)} \\sum_{${c}} ${y(c)} = ${a(r)} - ${y(r)}$, `
    + `since the targets sum to one, $\\sum_{${c}} ${y(c)} = 1$`;
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
export function optimizerUpdate(train: TrainSpec | undefined, params: readonly string[]): { equation: string; text: OptimizerText } | undefined {
  const kind = train?.optimizer?.kind ?? 'sgd';
  const schedule = train?.schedule?.kind === 'constant' ? undefined : train?.schedule;
  const examples = train?.data.length ?? 0;
  const batch = Math.max(1, Math.min(train?.batch ?? 1, examples));
  // Plain SGD of one example a step reads as it always has; a batch makes the rule a mean.
  if (!train || (kind === 'sgd' && !schedule && batch === 1)) return undefined;
  const rule = OPTIMIZER_RULES[kind];
  const eta = schedule ? '\\eta_k' : '\\eta';
  const gradient = batch === 1 ? 'g_t &= \\frac{\\partial C}{\\partial \\theta}' : 'g_t &= \\frac{1}{|B|} \\sum_{e \\in B} \\frac{\\partial C_e}{\\partial \\theta}';
  // A line may break after any comma of the list (TeX does not break inline math at commas by itself).
  const theta = (params.length <= 4 ? params : [...params.slice(0, 3), '\\ldots', params[params.length - 1]!]).join(', \\allowbreak ');
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

/** The LaTeX of an already built document (a standalone file, or the body alone). */
/** The part titles, in the order the document shows them. */
export const PART_TITLES = {
  summary: 'The backpropagation equations', network: 'The network and its notation', forward: 'Forward pass',
  activations: 'Derivatives of the activations', steps: 'Backward pass, step by step', gradients: 'The gradients',
  batch: 'A batch of examples', expanded: 'Every derivative written out', update: 'Update rule',
} as const;

export function latexOf(doc: DerivationDocument, fragment: boolean): string {
  // With no headings, a part opens with its name in bold, as a run-in paragraph head (no class letters or numbers it).
  const part = (title: string): string => (doc.headings.part ? `${doc.headings.part}{${title}}` : `\\par\\medskip\\noindent\\textbf{${title}.}`);
  const h = {
    title: doc.headings.title ? `${doc.headings.title}{${doc.title}}` : '',
    ...Object.fromEntries(Object.entries(PART_TITLES).map(([k, t]) => [k, part(t)])),
  };
  // An activation's equations end with their punctuation, inside a broken block's last line (not beside its middle).
  const activations = doc.activations.map((a) => ({ ...a, definition: a.definition && punctuate(a.definition, ','), derivative: punctuate(a.derivative, '.') }));
  const context = { ...doc, h, activations, shapes: doc.shapes.join(' \\\\\n') };
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

/** Textbook definitions of the activations whose CAS formula is only their own name (σ(z) = σ(z) says nothing). */
const DEFINITIONS: Readonly<Record<string, string>> = {
  sigmoid: '\\frac{1}{1 + e^{-z}}',
  tanh: '\\frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}',
  softplus: '\\ln\\left(1 + e^{z}\\right)',
  relu: '\\begin{cases} z, & z > 0, \\\\ 0, & z \\le 0, \\end{cases}',
};
const DERIVATIVES: Readonly<Record<string, string>> = {
  relu: '\\begin{cases} 1, & z > 0, \\\\ 0, & z \\le 0 \\end{cases}',
};

export function activationSection(act: Activation, mp: MatrixLatexPrinter, n: Notation): DerivationDocument['activations'][number] {
  const name = act.latexName;
  if (!act.elementwise) {
    const [r, c] = n.indices;
    // s names softmax(z), so the derivative fits a column.
    return {
      name: act.name,
      definition: `s_${r} = ${name}(z)_${r} = \\frac{e^{z_${r}}}{\\sum_${c} e^{z_${c}}}`,
      derivative: `\\frac{\\partial s_${r}}{\\partial z_${c}} = s_${r} \\left([${r} = ${c}] - s_${c}\\right)`,
      notes: [`Here $[${r} = ${c}]$ is 1 if $${r} = ${c}$ and 0 otherwise. Subtracting $\\max_${c} z_${c}$ from every $z_${r}$ leaves the softmax unchanged and keeps its exponentials finite.`],
    };
  }
  const leaky = /^leaky-relu\((.+)\)$/.exec(act.name);
  if (leaky) {
    const alpha = String(Number(leaky[1])); // the slope as the file gives it: 0.1, not \frac{1}{10}
    return {
      name: act.name,
      definition: `${name}(z) = \\begin{cases} z, & z > 0, \\\\ ${alpha} \\, z, & z \\le 0, \\end{cases}`,
      derivative: `${name}'(z) = \\begin{cases} 1, & z > 0, \\\\ ${alpha}, & z \\le 0 \\end{cases}`,
      notes: act.notes,
    };
  }
  const sp = mp.scalar((s) => (s.base === 'v' && s.index.length === 0 ? `${name}(z)` : undefined));
  const own = sp.print(act.formula);
  const empty = own.replace(/\\left\(|\\right\)/g, (m) => (m.endsWith('(') ? '(' : ')')) === `${name}(z)`;
  const formula = DEFINITIONS[act.name] ?? (empty ? undefined : own);
  // A textbook activation gets the textbook derivative, in its forward value (σ' = σ(1 − σ), tanh' = 1 − tanh²);
  // a custom formula shows its derivative, then that form where one was found.
  const outputForm = act.fromOutput && key(act.fromOutput) !== key(act.derivative) ? sp.print(act.fromOutput) : undefined;
  const custom = !DERIVATIVES[act.name] && !DEFINITIONS[act.name];
  // A formula of the network file breaks across lines where it is wider than a column.
  const derivative = custom
    ? sp.equation(`${name}'(z)`, act.derivative, COLUMN_GLYPHS, outputForm ? [act.fromOutput!] : [])
    : `${name}'(z) = ${DERIVATIVES[act.name] ?? (DEFINITIONS[act.name] && outputForm ? outputForm : sp.print(act.derivative))}`;
  const definition = formula === undefined ? '' : DEFINITIONS[act.name] ? `${name}(z) = ${formula}` : sp.equation(`${name}(z)`, act.formula, COLUMN_GLYPHS);
  return { name: act.name, definition, derivative, notes: act.notes };
}

/** `tex` followed by `mark`; an aligned block gets it at the end of its last line. */
function punctuate(tex: string, mark: string): string {
  const end = '\n\\end{aligned}';
  return tex.endsWith(end) ? `${tex.slice(0, -end.length)}${mark}${end}` : `${tex}${mark}`;
}

/** Each activation once, in the order of first use (two layers of one activation share one object). */
export function distinct(acts: Activation[]): Activation[] {
  const seen = new Set<Activation>();
  return acts.filter((a) => (seen.has(a) ? false : (seen.add(a), true)));
}
