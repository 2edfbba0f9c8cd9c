// A graph network's derivation → the same DerivationDocument the chain form
// prints (latexOf, htmlOf): the nodes and their forward equations, the δ
// recursion written as the multivariable chain rule (one summand per reader,
// backpropagation through time as a recursion over t with the terms of step
// t+1), and the gradients summed over the steps. Matrix form only.
import { lossSteps, type GraphDerivation, type Term } from '../derive/graph.ts';
import { biasName, weightName } from '../graph/graph-layout.ts';
import type { GraphNetwork, NodeSpec, SourceRef } from '../spec/graph-types.ts';
import type { Network } from '../spec/types.ts';
import type { Activation } from '../symbolic/activations.ts';
import { plainDivisions } from '../symbolic/losses.ts';
import { num, substitute, symbolsOf, type Expr, type Sym } from '../symbolic/expr.ts';
import {
  activationSection, DEFAULT_LATEX_OPTIONS, defaultLabelPrefix, distinct, titleOf,
  type DerivationDocument, type DerivationStep, type DisplayEquation, type HeadingLevel, type LatexOptions,
  optimizerUpdate,
} from './latex.ts';
import { LatexPrinter, MatrixLatexPrinter, texWidth } from './latex-printer.ts';
import { Notation, type NotationName } from './notation.ts';

/** The widest line, in texWidth glyphs, that fits a 3.5-inch column (as the chain form's). */
const COLUMN_GLYPHS = 34;
/** The widest row of the node table, in texWidth glyphs, that fits a 3.5-inch column; a wider one is a list. */
const NODE_TABLE_GLYPHS = 30;

const HEADINGS: Record<HeadingLevel, { title: string; part: string }> = {
  section: { title: '\\section*', part: '\\subsection*' },
  subsection: { title: '\\subsection*', part: '\\subsubsection*' },
  none: { title: '', part: '' },
};

/** A step relative to t: 0 is t, -1 is t-1, +1 is t+1. */
type Dt = number;

/**
 * How the graph form's names look: a node's value h_t (Nielsen-like, time as a
 * subscript) or h^{(t)} (the question's, time as a superscript like its layers);
 * its pre-activation z_{h,t}, its δ_{h,t}; weights W_{h,x}, biases b_h; the
 * target y_t, or out^{(t)*} in the question's notation. Without a sequence no t.
 */
class GraphSymbols {
  constructor(readonly notation: NotationName, readonly bold: boolean, readonly net: GraphNetwork, readonly seq: boolean) {}

  /** A node's name in a subscript: h, \mathit{fc}. */
  sub(name: string): string {
    return name.length === 1 ? name : `\\mathit{${name}}`;
  }

  /** The head of a vector or matrix symbol, bold when asked. */
  private head(base: string): string {
    if (!this.bold) return base.length === 1 || base.startsWith('\\') ? base : `\\mathit{${base}}`;
    return base.startsWith('\\') ? `\\boldsymbol{${base}}` : `\\mathbf{${base}}`;
  }

  /** t, t-1, t+1. */
  time(dt: Dt | 'T'): string {
    if (dt === 'T') return 'T';
    return dt === 0 ? 't' : dt > 0 ? `t+${dt}` : `t${dt}`;
  }

  /** base with subscripts `subs` at time dt (no time without a sequence). */
  private timed(base: string, subs: string[], dt: Dt | 'T' | undefined): string {
    const head = this.head(base);
    if (!this.seq || dt === undefined) return subs.length ? `${head}_{${subs.join(',')}}` : head;
    if (this.notation === 'question') return `${head}${subs.length ? `_{${subs.join(',')}}` : ''}^{(${this.time(dt)})}`;
    return `${head}_{${[...subs, this.time(dt)].join(',')}}`;
  }

  /** The value of a node (or x) at t+dt. */
  value(node: string, dt: Dt | 'T' = 0): string {
    return this.timed(node, [], dt);
  }

  /** What a source names, read by a node at step t+dt (a prev source one step earlier). */
  source(s: SourceRef, dt: Dt = 0): string {
    return this.value(s.node, s.prev ? dt - 1 : dt);
  }

  z(node: string, dt: Dt = 0): string {
    return this.timed('z', [this.sub(node)], dt);
  }

  delta(node: string, dt: Dt | undefined = 0): string {
    return this.timed('\\delta', [this.sub(node)], dt);
  }

  /** ∂C/∂N_t. */
  g(node: string, dt: Dt = 0): string {
    return `\\frac{\\partial C}{\\partial ${this.value(node, dt)}}`;
  }

  /** A parameter by its layout name: W_f_h → W_{f,h}, W_out → W_{\mathit{out}}, b_h → b_{h}. */
  param(name: string): string {
    // A chain of layers run through the graph pipeline keeps the chain form's names, W1 and b1.
    const numbered = /^([Wb])(\d+)$/.exec(name);
    if (numbered) return `${this.head(numbered[1]!)}_{${numbered[2]}}`;
    const [kind, ...parts] = name.split('_');
    return `${this.head(kind!)}_{${parts.map((p) => this.sub(p)).join(',')}}`;
  }

  /** The target of the output at t (every step), or of the last step. */
  target(dt: Dt | 'T' = 0): string {
    const last = this.net.target === 'last-step' && this.seq;
    if (this.notation === 'question') {
      const out = this.head(this.net.output);
      if (!this.seq) return `${out}^{*}`;
      return `${out}^{(${last ? 'T' : this.time(dt)})^*}`;
    }
    return last ? this.head('y') : this.timed('y', [], dt);
  }

  /** Xᵀ, with parentheses around a symbol that already has a superscript. */
  transpose(tex: string): string {
    return tex.includes('^') ? `\\left(${tex}\\right)^{\\top}` : `${tex}^{\\top}`;
  }

  /** Σ_t of a summand, or the summand alone without a sequence. */
  sumOverT(body: string): string {
    return this.seq ? `\\sum_{t=1}^{T} ${body}` : body;
  }
}

/** ℝ, ℝ^n or ℝ^{m×n}. */
const dims = (rows: number, cols = 1): string => (cols === 1 ? (rows === 1 ? '\\mathbb{R}' : `\\mathbb{R}^{${rows}}`) : `\\mathbb{R}^{${rows} \\times ${cols}}`);

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A sum of terms on lines of at most `width` glyphs, as rows of an aligned block after `lhs &= `. */
function breakSum(lhs: string, terms: readonly string[], width = COLUMN_GLYPHS): string[] {
  const rows: string[] = [];
  let line = '';
  for (const t of terms) {
    const next = line === '' ? t : `${line} + ${t}`;
    if (line !== '' && texWidth(`${rows.length === 0 ? `${lhs} = ` : '+ '}${next}`) > width) {
      rows.push(line);
      line = t;
    } else line = next;
  }
  rows.push(line);
  return rows.map((r, i) => (i === 0 ? `${lhs} &= ${r}` : `&\\quad + ${r}`));
}

/** atT at the last step, 0 before: the δ or gradient of an output whose loss reads the last step only. */
const casesAtT = (atT: string): string => `\\begin{cases} ${atT}, & t = T, \\\\ 0, & t < T \\end{cases}`;

/**
 * lhs = (atT at t = T, 0 before) as cases, or, too wide for a column, as two aligned lines (a definition
 * lhs, δ ≡ ∂C/∂z, on a line of its own first).
 */
function lastStepCases(lhs: string, atT: string): string {
  const cases = `${lhs} = ${casesAtT(atT)}`;
  // The cases stack: as wide as the left side and the wider row.
  if (texWidth(`${lhs} = {${atT}, t = T,`) <= COLUMN_GLYPHS) return cases;
  const [name, definition] = lhs.split(' \\equiv ');
  const head = definition ? `${name} &\\equiv ${definition} \\\\\n&= ` : `${name} &= `;
  return `\\begin{aligned}\n${head}${atT} \\quad \\text{at } t = T, \\\\\n${name} &= 0 \\quad \\text{for } t < T\n\\end{aligned}`;
}

/** lhs = a sum, on one line when it fits, else broken between its terms. */
function sumEquation(lhs: string, terms: readonly string[]): string {
  const one = `${lhs} = ${terms.join(' + ')}`;
  if (texWidth(one) <= COLUMN_GLYPHS || terms.length === 1) return one;
  return `\\begin{split}\n${breakSum(lhs, terms).join(' \\\\\n')}\n\\end{split}`;
}

/**
 * A scalar formula printed with its symbols spelled by `spell`: a symbol that
 * has a superscript of its own (h^{(t)}) gets parentheses where a power follows.
 */
function printScalar(e: Expr, spell: (s: Sym) => string, vectorValued?: (e: Expr) => boolean, lhs?: string): string {
  const names: string[] = [];
  const p = new LatexPrinter((x) => {
    names.push(spell(x));
    return `@${names.length - 1}@`;
  }, vectorValued);
  // With lhs: the equation lhs = e, broken across lines where wider than a column.
  return (lhs === undefined ? p.print(e) : p.equation(lhs, e, COLUMN_GLYPHS)).replace(/@(\d+)@(\^)?/g, (_, i: string, hat?: string) => {
    const tex = names[Number(i)]!;
    return hat ? `${tex.includes('^') ? `\\left(${tex}\\right)` : tex}^` : tex;
  }).replace(/ \+ -/g, ' - ');
}

/** The output and every node it reads, directly or through others (also through @prev). */
function nodesOnTheWayToTheLoss(net: GraphNetwork): Set<string> {
  const on = new Set([net.output]);
  for (let grew = true; grew;) {
    grew = false;
    for (const node of net.nodes) {
      if (!on.has(node.name)) continue;
      for (const src of node.inputs) if (src.node !== 'x' && !on.has(src.node)) { on.add(src.node); grew = true; }
    }
  }
  return on;
}

/** Component `idx` of a vector or matrix: x_{k}, or (z_{h,t})_{j} when it has a subscript already. */
const component = (tex: string, idx: string): string => (/[_^]/.test(tex) ? `\\left(${tex}\\right)_{${idx}}` : `${tex}_{${idx}}`);

const atomic = (tex: string): boolean => !/\s/.test(tex.replace(/\\frac\{[^{}]*\}\{[^{}]*\}/g, 'F'));
const paren = (tex: string): string => (atomic(tex) ? tex : `\\left(${tex}\\right)`);

export function graphDerivationDocument(der: GraphDerivation, options: Partial<LatexOptions> = {}): DerivationDocument {
  const opts: LatexOptions = { ...DEFAULT_LATEX_OPTIONS, ...options };
  const net = der.network;
  const seq = net.sequence !== undefined; // T = 1 too: the steps, h_{t-1} = 0 at t = 1, are what make the equations true
  const s = new GraphSymbols(opts.notation, opts.bold, net, seq);
  const prefix = opts.labelPrefix ?? defaultLabelPrefix(net.name, opts.notation);
  const eq = (tex: string, what: string): DisplayEquation => ({ tex, label: `\\label{eq:${prefix}:${what}}` });
  const [j] = opts.notation === 'question' ? ['i'] : ['j'];
  const out = net.nodes.find((n) => n.name === net.output)!;
  const lastOnly = lossSteps(der) === 'last';
  const T = der.steps;
  const act = (name: string): Activation => der.activations.get(name)!;
  const l2 = der.gradients.find((g) => g.l2 !== undefined)?.l2;
  const weights = der.gradients.filter((g) => g.entry.kind === 'W');

  // ---- Forward equations ----------------------------------------------------------------------------
  /** The affine part of a dense node: Σ_k W_k in_k + b, or W_Mᵀ in + b when tied. */
  const affineTerms = (node: Extract<NodeSpec, { kind: 'dense' }>, dt: Dt = 0): string[] => {
    const parts = node.tied !== undefined
      ? [`${s.param(weightName(net, node, node.inputs[0]!))}^{\\top} ${s.source(node.inputs[0]!, dt)}`]
      : node.inputs.map((src) => `${s.param(weightName(net, node, src))} ${s.source(src, dt)}`);
    if (node.bias) parts.push(s.param(biasName(net, node)));
    return parts;
  };
  const affine = (node: Extract<NodeSpec, { kind: 'dense' }>, dt: Dt = 0): string => affineTerms(node, dt).join(' + ');
  /** Whether a dense node has a z of its own (an activation other than the identity). */
  const hasZ = (node: NodeSpec): boolean => node.kind === 'dense' && !act(node.name).identityJacobian;
  const applied = (a: Activation, arg: string): string => `${a.latexName}\\left(${arg}\\right)`;
  const forward: DisplayEquation[] = net.nodes.flatMap((node): DisplayEquation[] => {
    const v = s.value(node.name);
    switch (node.kind) {
      // A sum too wide for a column breaks before a term (several inputs, long names).
      case 'dense':
        if (!hasZ(node)) return [eq(sumEquation(v, affineTerms(node)), `forward-${node.name}`)];
        return [eq(sumEquation(s.z(node.name), affineTerms(node)), `z-${node.name}`), eq(`${v} = ${applied(act(node.name), s.z(node.name))}`, `forward-${node.name}`)];
      case 'add': return [eq(sumEquation(v, node.inputs.map((i) => s.source(i))), `forward-${node.name}`)];
      case 'multiply': return [eq(`${v} = ${node.inputs.map((i) => s.source(i)).join(' \\odot ')}`, `forward-${node.name}`)];
      case 'concat': return [eq(`${v} = \\begin{bmatrix} ${node.inputs.map((i) => s.source(i)).join(' \\\\ ')} \\end{bmatrix}`, `forward-${node.name}`)];
      case 'of': return [eq(`${v} = ${applied(act(node.name), s.source(node.inputs[0]!))}`, `forward-${node.name}`)];
    }
  });

  // ---- The loss -------------------------------------------------------------------------------------
  const outSize = out.size;
  /** ℓ or ∂ℓ/∂a printed with a, y spelled by `spell` (n is the output's size). */
  const lossPrinter = (a: string, y: string, vector: boolean): { print(e: Expr, lhs?: string): string } => {
    const spell = (sym: Sym): string => (sym.base === 'a' ? a : sym.base === 'y' ? y : sym.base);
    const isVec = (e: Expr): boolean => [...symbolsOf(e).values()].some((x) => x.base === 'a' || x.base === 'y');
    return { print: (e: Expr, lhs?: string) => printScalar(substitute(e, (x) => (x.base === 'n' && x.index.length === 0 ? num(outSize) : undefined)), spell, vector ? isVec : undefined, lhs) };
  };
  const scalarA = outSize === 1 ? 'a' : `a_{${j}}`;
  // The target of ℓ's second argument: y, or a^* in the question's notation (its starred output).
  const yName = opts.notation === 'question' ? 'a^{*}' : 'y';
  const scalarY = outSize === 1 ? yName : opts.notation === 'question' ? `a^{*}_{${j}}` : `y_{${j}}`;
  const scalarLoss = lossPrinter(scalarA, scalarY, false);
  const elementTex = scalarLoss.print(der.loss.element);
  const summed = `\\ell(a, ${yName}) = \\sum_{${j}=1}^{${outSize}} ${der.loss.element.kind === 'add' ? `\\left(${elementTex}\\right)` : elementTex}`;
  // A sum over the outputs too wide for a column names its term, ℓ(a_j, y_j), and breaks that on its own lines.
  const term = scalarLoss.print(der.loss.element, `\\ell\\left(${scalarA}, ${scalarY}\\right)`);
  const lossDefinition = outSize === 1 ? scalarLoss.print(der.loss.element, `\\ell(a, ${yName})`)
    : !term.startsWith('\\begin{aligned}') ? summed
      : `\\ell(a, ${yName}) = \\sum_{${j}=1}^{${outSize}} \\ell\\left(${scalarA}, ${scalarY}\\right) \\\\\n${term}`;
  // In scalars the guarded quotient (0 where its numerator is) reads as the plain one.
  const lossGradientScalar = `\\frac{\\partial \\ell}{\\partial ${scalarA}} = ${scalarLoss.print(plainDivisions(der.loss.gradient))}`;
  const outAt = lastOnly ? s.value(out.name, 'T') : s.value(out.name);
  const cOf = lastOnly ? `\\ell\\left(${outAt}, ${s.target('T')}\\right)` : s.sumOverT(`\\ell\\left(${s.value(out.name)}, ${s.target()}\\right)`);
  const norms = weights.map((w) => `\\left\\lVert ${s.param(w.entry.name)} \\right\\rVert_F^2`);
  const penalty = l2 === undefined ? '' : ` + \\frac{\\lambda}{2} ${norms.length === 1 ? norms[0] : `\\left(${norms.join(' + ')}\\right)`}`;
  // Too wide for a column, the penalty is written one weight a term, broken between the terms.
  const cRow = l2 === undefined || texWidth(`C = ${cOf}${penalty}`) <= COLUMN_GLYPHS ? `C = ${cOf}${penalty}`
    : `\\begin{aligned}\n${breakSum('C', [cOf, ...norms.map((n) => `\\frac{\\lambda}{2} ${n}`)]).join(' \\\\\n')}\n\\end{aligned}`;
  const lossRows = [cRow, lossDefinition];
  if (der.loss.name === 'formula') lossRows.push(scalarLoss.print(plainDivisions(der.loss.gradient), `\\frac{\\partial \\ell}{\\partial ${scalarA}}`));
  if (l2 !== undefined) lossRows.push(`\\lambda = ${l2}`);
  const lossTitle = der.loss.name === 'formula' ? 'loss written in the network file, with its derivative from the computer algebra'
    : `${der.loss.title}${l2 !== undefined ? ' with an L2 penalty on the weights' : ''}`;

  // ---- Terms of each adjoint -----------------------------------------------------------------------
  const vecLoss = lossPrinter(s.value(out.name), s.target(), outSize > 1);
  const lossTermTex = vecLoss.print(der.loss.gradient);
  const lossTermLast = lossPrinter(s.value(out.name, 'T'), s.target('T'), outSize > 1).print(der.loss.gradient);
  /** δ of a consumer at the step it reads N: t, or t+1 through @prev. */
  const dc = (consumer: NodeSpec, later: boolean): string => s.delta(consumer.name, later ? 1 : 0);
  const termTex = (t: Term): string => {
    switch (t.rule) {
      case 'loss': return lastOnly ? `[t = T] ${paren(lossTermTex)}` : lossTermTex;
      case 'dense': return t.tied ? `${s.param(t.weight)} ${dc(t.consumer, t.later)}` : `${s.param(t.weight)}^{\\top} ${dc(t.consumer, t.later)}`;
      case 'add': return dc(t.consumer, t.later);
      case 'multiply': return `${dc(t.consumer, t.later)} \\odot ${s.source(t.other, t.later ? 1 : 0)}`;
      case 'concat': return `\\left[${dc(t.consumer, t.later)}\\right]_{${t.offset + 1}:${t.offset + rowsOf(t)}}`;
      case 'of': return dc(t.consumer, t.later);
    }
  };
  /** How many rows of the consumer's δ a concat term takes: the size of the node it belongs to. */
  const termNode = new Map<Term, NodeSpec>();
  for (const a of der.adjoints) for (const t of a.terms) termNode.set(t, a.node);
  function rowsOf(t: Term): number {
    return termNode.get(t)!.size;
  }
  /** The consumer of a term at the step it reads the node. */
  const reader = (t: Exclude<Term, { rule: 'loss' }>): string => s.value(t.consumer.name, t.later ? 1 : 0);
  const lossWhy = `the derivative of the ${der.loss.name === 'formula' ? 'loss $\\ell$ of the network file (from the computer algebra)' : `${der.loss.title} $\\ell$`} in its first argument, componentwise ${texWidth(lossGradientScalar) <= COLUMN_GLYPHS ? `$${lossGradientScalar}$` : 'as the loss above writes it'}${lastOnly ? '; the loss reads the output at the last step only' : ''}`;
  /** "$a$", "$a$ and $b$", "$a$, $b$ and $c$". */
  const list = (xs: readonly string[]): string => {
    const m = [...new Set(xs)].map((x) => `$${x}$`);
    return m.length === 1 ? m[0]! : `${m.slice(0, -1).join(', ')} and ${m[m.length - 1]}`;
  };
  /** What terms of one kind send back, and why: terms alike (rule, tie, step) are said once. */
  const termsWhy = (ts: readonly Term[]): string => {
    const groups = new Map<string, Term[]>();
    for (const t of ts) {
      const k = `${t.rule}|${'tied' in t && t.tied}|${'later' in t && t.later}`;
      groups.set(k, [...(groups.get(k) ?? []), t]);
    }
    return [...groups.values()].map((g) => {
      const t = g[0]!;
      if (t.rule === 'loss') return `$${termTex(t)}$ from the loss, ${lossWhy}`;
      const several = new Set(g.map((x) => (x as Exclude<Term, { rule: 'loss' }>).consumer.name)).size > 1;
      const head = `${list(g.map(termTex))} from ${list(g.map((x) => reader(x as Exclude<Term, { rule: 'loss' }>)))}`;
      const tail = t.later ? `, at step $t+1$, where ${several ? 'they read' : 'it reads'} it as the value of the step before` : '';
      switch (t.rule) {
        case 'dense':
          return t.tied
            ? `${head}, whose weight is ${list(g.map((x) => `${s.param((x as typeof t).weight)}^{\\top}`))} (tied): the weight itself carries the $\\delta$ back${tail}`
            : `${head}, which ${several ? 'multiply' : 'multiplies'} it by ${list(g.map((x) => s.param((x as typeof t).weight)))}: the transpose carries the $\\delta$ back${tail}`;
        case 'add': return `${head}, ${several ? 'sums' : 'a sum'}, whose Jacobian is the identity${tail}`;
        case 'multiply': return `${head}, ${several ? 'componentwise products' : 'a componentwise product'}: the other factor multiplies componentwise${tail}`;
        case 'concat': return `${head}, which ${several ? 'stack' : 'stacks'} its inputs: the rows that hold this node${tail}`;
        case 'of': return `${head}, whose $\\delta$ already holds the derivative of the activation${tail}`;
      }
    }).join('; ');
  };

  // ---- The δ of each node: summary rows and steps ---------------------------------------------------
  const derivativeAt = (a: Activation, node: NodeSpec): string => {
    const arg = node.kind === 'dense' ? s.z(node.name) : s.source(node.inputs[0]!);
    return `${a.latexName}'\\left(${arg}\\right)`;
  };
  /** σ'(arg) from the node's own value, componentwise, when the activation has that form. */
  const fromOutput = (a: Activation, node: NodeSpec): string => {
    if (!a.fromOutput) return '';
    const v = s.value(node.name);
    return ` = ${printScalar(a.fromOutput, (x) => (x.base === 'v' ? v : x.base === 'u' ? 'z' : x.base))}`;
  };
  const cancelWhy = (a: Activation): string => (a.elementwise
    ? `with a sigmoid output and the cross-entropy, $\\partial \\ell / \\partial a = (a - ${yName}) \\oslash \\left(a \\odot (1 - a)\\right)$ and $\\sigma'(z) = a \\odot (1 - a)$ cancel, leaving $a - ${yName}$`
    : `with a softmax output and its cross-entropy, the Jacobian $\\operatorname{diag}(a) - a a^{\\top}$ times $-${yName} \\oslash a$ is $a - ${yName}$, since the targets sum to one`);

  const summary: DisplayEquation[] = [];
  const steps: Omit<DerivationStep, 'number'>[] = [];
  let firstStep = true;
  const intro = (): string => {
    if (!firstStep) return '';
    firstStep = false;
    return seq
      ? `The recursion runs backwards in time, $t = T, T-1, \\ldots, 1$, and at each step through the nodes in reverse order; a term from step $t+1$ is zero at $t = T$:`
      : '';
  };
  const onTheWay = nodesOnTheWayToTheLoss(net);
  for (const adj of der.adjoints) {
    const node = adj.node;
    const name = node.name;
    if (!onTheWay.has(name)) {
      // A node nothing on the way to the loss reads: C does not depend on it (its readers' terms are zero too).
      summary.push(eq(`${s.delta(name)} = 0`, `delta-${name}`));
      steps.push({
        rule: 'no reader', intro: intro(), remark: '', equation: eq(`${s.delta(name)} = 0`, `delta-def-${name}`),
        why: `No node on the way to the loss reads $${s.value(name)}$, so $C$ does not depend on it: its gradient, its $\\delta$ and the gradients of its parameters are zero`,
      });
      continue;
    }
    const terms = adj.terms.map(termTex);
    const multi = adj.terms.length > 1;
    const onlyLastLoss = lastOnly && adj.terms.length === 1 && adj.terms[0]!.rule === 'loss';
    const gRhs = onlyLastLoss ? casesAtT(lossTermLast) : undefined;
    const gWhy = multi
      ? `by the multivariable chain rule the gradient of $${s.value(name)}$ is the sum over the nodes that read it, one term each: ${termsWhy(adj.terms)}`
      : adj.terms[0]!.rule === 'loss' ? lossWhy : `its one reader sends back ${termsWhy(adj.terms)}`;
    const gRule = multi ? 'multivariable chain rule' : ({
      loss: 'derivative of the loss', dense: 'chain rule back through the weights', add: 'chain rule through the sum',
      multiply: 'chain rule through the product', concat: 'chain rule through the stacking', of: 'chain rule through the activation',
    } as const)[adj.terms[0]!.rule];
    // The loss's derivative alone (a formula of the network file, say) breaks across lines where it is wider than a column.
    const onlyLoss = !gRhs && adj.terms.length === 1 && adj.terms[0]!.rule === 'loss';
    const gTex = (lhs: string): string => (gRhs ? lastStepCases(lhs, lossTermLast) : onlyLoss ? vecLoss.print(der.loss.gradient, lhs) : sumEquation(lhs, terms));
    const local = adj.local;
    if (local.kind === 'identity') {
      const lhs = `${s.delta(name)} \\equiv ${s.g(name)}`;
      summary.push(eq(gTex(s.delta(name)), `delta-${name}`));
      steps.push({ rule: gRule, why: capitalize(gWhy), intro: intro(), remark: '', equation: eq(gTex(lhs), `delta-def-${name}`) });
      continue;
    }
    const a = local.act;
    steps.push({ rule: gRule, why: capitalize(gWhy), intro: intro(), remark: '', equation: eq(gTex(s.g(name)), `dC-d${name}`) });
    const wrt = node.kind === 'dense' ? s.z(name) : s.source(node.inputs[0]!);
    if (local.kind === 'cancel') {
      // With a loss at the last step only, a − y is δ at t = T; before it nothing reads the output.
      const diff = `${s.value(name)} - ${s.target()}`;
      // Read by other nodes too (fed back through @prev): their part goes through σ′ as usual, the loss's cancels.
      const readerTex = adj.terms.filter((term) => term.rule !== 'loss').map(termTex);
      const readersPart = readerTex.length ? `${paren(readerTex.join(' + '))} \\odot ${derivativeAt(a, node)}` : undefined;
      const atT = `${s.value(name, 'T')} - ${s.target('T')}`;
      const rhs = readersPart ? `${readersPart} + ${lastOnly ? `[t = T] \\left(${diff}\\right)` : diff}` : diff;
      const equation = (lhs: string): string => (!readersPart && lastOnly ? lastStepCases(lhs, atT) : `${lhs} = ${rhs}`);
      summary.push(eq(equation(s.delta(name)), `delta-${name}`));
      const why = capitalize(cancelWhy(a)) + (readersPart ? '; what the nodes that read it send back goes through $\\sigma\'$ as usual' : '');
      steps.push({ rule: 'simplification', why, intro: '', remark: '', equation: eq(equation(`${s.delta(name)} \\equiv \\frac{\\partial C}{\\partial ${wrt}}`), `delta-def-${name}`) });
      continue;
    }
    const deriv = derivativeAt(a, node);
    if (multi || gRhs) {
      summary.push(eq(`\\begin{aligned}\n${gRhs ? `${s.g(name)} &= ${gRhs}` : breakSum(s.g(name), terms).join(' \\\\\n')} \\\\\n${s.delta(name)} &= ${s.g(name)} \\odot ${deriv}\n\\end{aligned}`, `delta-${name}`));
    } else {
      const one = `${s.delta(name)} = ${paren(terms[0]!)} \\odot ${deriv}`;
      // Too wide for a column: the product breaks before its ⊙.
      summary.push(eq(texWidth(one) <= COLUMN_GLYPHS ? one : `\\begin{split}\n${s.delta(name)} &= ${paren(terms[0]!)} \\\\\n&\\quad \\odot ${deriv}\n\\end{split}`, `delta-${name}`));
    }
    const value = s.value(name);
    const why = node.kind === 'dense'
      ? `$${value} = ${applied(a, s.z(name))}$ acts on each component alone, so the chain rule multiplies componentwise by $${deriv}${fromOutput(a, node)}$`
      : `$${value} = ${applied(a, wrt)}$ acts on each component alone; its $\\delta$ is the gradient with respect to its argument $${wrt}$ as this node reads it, $${deriv}${fromOutput(a, node)}$ componentwise`;
    const defTex = `${s.delta(name)} \\equiv \\frac{\\partial C}{\\partial ${wrt}} = ${s.g(name)} \\odot ${deriv}`;
    steps.push({
      rule: 'chain rule through the activation', why: capitalize(why), intro: '', remark: '',
      equation: eq(texWidth(defTex) <= COLUMN_GLYPHS ? defTex : `\\begin{split}\n${s.delta(name)} &\\equiv \\frac{\\partial C}{\\partial ${wrt}} \\\\\n&= ${s.g(name)} \\odot ${deriv}\n\\end{split}`, `delta-def-${name}`),
    });
  }

  // ---- Gradients -------------------------------------------------------------------------------------
  let firstGradient = true;
  for (const grad of der.gradients) {
    const e = grad.entry;
    const P = s.param(e.name);
    const lhs = `\\frac{\\partial C}{\\partial ${P}}`;
    const summands = grad.entry.kind === 'b'
      ? [s.sumOverT(s.delta(grad.uses[0]!.node.name))]
      : grad.uses.map((u) => s.sumOverT(u.tied
        ? `${s.source(u.source)} \\, ${s.transpose(s.delta(u.node.name))}`
        : `${s.delta(u.node.name)} \\, ${s.transpose(s.source(u.source))}`));
    if (grad.l2 !== undefined) summands.push(`\\lambda ${P}`);
    const tex = sumEquation(lhs, summands);
    summary.push(eq(tex, `grad-${e.name}`));
    const owner = grad.uses[0]!.node;
    const over = seq ? ', at every step; the steps add up' : '';
    let why: string;
    if (e.kind === 'b') {
      why = `$\\partial ${hasZ(owner) ? s.z(owner.name) : s.value(owner.name)} / \\partial ${P} = I$${over}`;
    } else {
      const u = grad.uses[0]!;
      const zOf = hasZ(owner) ? s.z(owner.name) : s.value(owner.name);
      const k = opts.notation === 'question' ? 'j' : 'k';
      const rowJ = opts.notation === 'question' ? 'i' : 'j';
      why = `$${zOf} = ${affine(owner)}$, so component $${rowJ}$ of $${zOf}$ has the derivative $${component(s.source(u.source), k)}$ with respect to $${component(P, rowJ + k)}$, and the gradient is the outer product $${s.delta(owner.name)} \\, ${s.transpose(s.source(u.source))}$${over}`;
      if (grad.uses.length > 1) {
        why += `; the weight is used a second time, transposed, by $${s.value(grad.uses[1]!.node.name)}$ (tied), whose use contributes the transposed outer product, and by the multivariable chain rule the two uses add`;
      }
      if (grad.l2 !== undefined) why += `; the penalty $\\frac{\\lambda}{2} \\lVert ${P} \\rVert_F^2$ adds $\\lambda ${P}$`;
    }
    steps.push({
      rule: e.kind === 'b' ? 'chain rule through the bias' : 'chain rule through the weights', why: capitalize(why), remark: '',
      intro: firstGradient ? (seq ? 'With every $\\delta$ known at every step, the gradients sum the contributions of the steps:' : 'With every $\\delta$ known, the gradients follow:') : '',
      equation: eq(tex, `step-grad-${e.name}`),
    });
    firstGradient = false;
  }

  // ---- The network and its shapes -------------------------------------------------------------------
  const reads = (node: NodeSpec): string => node.inputs.map((i) => `$${s.source(i)}$`).join(', ');
  const nodes = net.nodes.map((node) => {
    const a = der.activations.get(node.name);
    return {
      name: `$${s.value(node.name)}$`,
      kind: node.kind === 'dense' && node.tied !== undefined ? 'dense, tied' : node.kind,
      reads: reads(node),
      size: node.size,
      activation: a ? `$${a.latexName}$` : 'none',
    };
  });
  // A table wider than a paper's column (long names, a node reading several others) becomes a list, which wraps.
  const nodeList = Math.max(...nodes.map((r) => texWidth(`${r.name}${r.kind}${r.reads}${r.size}${r.activation}`))) > NODE_TABLE_GLYPHS;
  // Symbols of one dimension share a line (a few to a line), in the order the nodes introduce them.
  const byDims = new Map<string, string[]>();
  const put = (tex: string, d: string): void => void byDims.set(d, [...(byDims.get(d) ?? []), tex]);
  put(s.value('x'), dims(net.input));
  for (const node of net.nodes) {
    for (const g of der.gradients.filter((x) => x.entry.node === node.name)) put(s.param(g.entry.name), dims(g.entry.rows, g.entry.cols));
    for (const v of [...(hasZ(node) ? [s.z(node.name)] : []), s.value(node.name), s.delta(node.name)]) put(v, dims(node.size));
  }
  put(s.target(lastOnly ? 'T' : 0), dims(outSize));
  const shapes = [...byDims].flatMap(([d, texs]) => {
    const lines: string[][] = [[]];
    for (const t of texs) {
      const line = lines[lines.length - 1]!;
      if (line.length > 0 && texWidth([...line, t].join(', ')) > COLUMN_GLYPHS - 4) lines.push([t]);
      else line.push(t);
    }
    return lines.map((l) => `${l.join(', ')} \\in ${d}`);
  });

  // ---- Prose -----------------------------------------------------------------------------------------
  const W = s.param('W_N');
  const prevNodes = [...new Set(net.nodes.flatMap((n) => n.inputs.filter((i) => i.prev).map((i) => i.node)))];
  const timeText = seq
    ? ` The network runs over the steps $t = 1, \\ldots, T$ with $T = ${T}$, reading $${s.value('x')}$ at step $t$; `
      + (prevNodes.length ? `a node read at the step before starts from zero, $${prevNodes.map((p) => `${s.value(p, -1).replace(/t-1/, '0')} = 0`).join('$, $')}$, ` : '')
      + `and every $\\delta$ of step $T+1$ is zero. The weights are the same at every step, so their gradients sum over $t$.`
    : '';
  const conventions = `Every vector is a column. $u \\odot v$ is the componentwise product and $u \\oslash v$ the componentwise quotient; `
    + `a function of a vector, such as $\\sigma(z)$, acts on each component. A gradient has the shape of its variable: `
    + `$\\partial C / \\partial ${W}$ is the matrix of the $\\partial C / \\partial (${W})_{${opts.notation === 'question' ? 'ij' : 'jk'}}$. `
    + `$W_{N,M}$ is the weight by which node $N$ multiplies its input $M$ (just $W_N$ when it has one input), and $[v]_{p:q}$ rows $p$ to $q$ of $v$.${timeText}`;
  const deltaDefinition = `${s.delta('N')} = \\partial C / \\partial ${s.z('N')}$ for a dense node $N$ with an activation `
    + `(for a node that applies an activation alone, the gradient with respect to its argument), and otherwise $${s.delta('N')} = \\partial C / \\partial ${s.value('N')}`;

  // ---- Update -----------------------------------------------------------------------------------------
  const train = net.train;
  const optimizer = train?.optimizer?.kind ?? 'sgd';
  const eta = train ? `\\eta = ${train.rate}` : '\\eta';
  const updates = der.gradients.map((g) => {
    const P = s.param(g.entry.name);
    const row = `${P} &\\leftarrow ${P} - \\eta \\, \\frac{\\partial C}{\\partial ${P}}`;
    // A long parameter name: the step goes on a line of its own, to fit a column.
    return texWidth(row) <= COLUMN_GLYPHS ? row : `${P} &\\leftarrow ${P} \\\\\n&\\quad - \\eta \\, \\frac{\\partial C}{\\partial ${P}}`;
  });
  const optimized = optimizerUpdate(train, der.gradients.map((g) => s.param(g.entry.name)));
  const updateIntro = optimizer === 'sgd' && !(train?.schedule && train.schedule.kind !== 'constant')
    ? `Stochastic gradient descent with rate $${eta}$ updates every parameter:`
    : `The trainer updates the parameters with its optimizer (${optimizer}${train?.schedule && train.schedule.kind !== 'constant' ? `, ${train.schedule.kind} schedule` : ''}) from these gradients; with plain stochastic gradient descent at rate $${eta}$ the update is`;

  /** The levels asked for that the graph form does not print (said in the document, never silently left out). */
  const otherLevels = [...(opts.levels.index ? ['index form'] : []), ...(opts.levels.scalar ? ['scalar level'] : [])];
  const describeNet = `${net.nodes.length}-node graph network${seq ? ` over ${T} steps (${net.target === 'last-step' ? 'a loss at the last step' : 'a loss at every step'})` : ''}, loss ${typeof net.loss === 'string' ? net.loss : 'given by a formula'}${l2 !== undefined ? `, L2 penalty ${l2}` : ''}`;

  return {
    name: net.name,
    title: titleOf(net.name),
    summary: describeNet,
    notation: opts.notation,
    labelPrefix: prefix,
    headings: HEADINGS[opts.heading],
    layers: [],
    nodes,
    nodeList,
    labelMeanings: labelMeanings(net),
    shapes,
    conventions,
    deltaDefinition,
    equations: summary,
    forward,
    loss: { title: lossTitle, equation: eq(`\\begin{gathered}\n${lossRows.join(' \\\\\n')}\n\\end{gathered}`, 'loss'), gradient: lossGradientScalar },
    activations: distinct([...der.activations.values()]).map((a) => activationSection(a, new MatrixLatexPrinter(chainNotation(opts.notation, net)), chainNotation(opts.notation, net))),
    // levels.matrix off leaves the summary alone, as the chain form does (the loss's derivative then follows the loss);
    // but when only levels a graph has not are asked for, the matrix steps stand in for them (the note says so).
    steps: (opts.levels.matrix || otherLevels.length > 0) && steps.map((st, i) => ({ ...st, number: i + 1 })),
    gradients: false,
    batch: { shapes: '', equations: [] },
    expanded: false,
    expandedOmitted: otherLevels.length > 0
      ? `The ${otherLevels.join(' and the ')} ${otherLevels.length > 1 ? 'are' : 'is'} written for chains of layers only; this network of nodes is derived in matrix form${opts.levels.matrix ? ', above' : ' above instead'}.`
      : '',
    expandLimit: opts.expandLimit,
    weightConvention: '',
    update: {
      eta,
      // An optimizer other than plain SGD: the rule the trainer runs, as the chain form prints it.
      ...(optimized && updates.length
        ? { equation: eq(optimized.equation, 'update'), optimizer: optimized.text }
        : {
          // A network of activations alone has nothing to learn; the label stays for a paper's \\eqref.
          equation: eq(updates.length ? `\\begin{aligned}\n${updates.join(' \\\\\n')}\n\\end{aligned}` : '\\text{(no parameters)}', 'update'),
          optimizer: { intro: updates.length ? updateIntro : 'The network has no parameters, so training leaves it as it is:', after: '' },
        }),
    },
  };
}

/** Examples of the labels, named after this network's own nodes and parameters. */
function labelMeanings(net: GraphNetwork): string {
  const dense = net.nodes.find((n) => n.kind === 'dense' && n.tied === undefined && n.name !== net.output) ?? net.nodes.find((n) => n.kind === 'dense') ?? net.nodes[0]!;
  const weight = dense.kind === 'dense' && dense.tied === undefined ? weightName(net, dense, dense.inputs[dense.inputs.length - 1]!) : undefined;
  return [`delta-${dense.name}`, ...(weight ? [`grad-${weight}`] : []), `forward-${dense.name}`, 'loss', `delta-def-${dense.name}`, 'update', '...'].join(', ');
}

/** The chain form's notation, for the activations' scalar definitions (which name only z). */
function chainNotation(name: NotationName, net: GraphNetwork): Notation {
  const stand: Network = { name: net.name, input: net.input, layers: [], loss: 'squared', source: net.source };
  return new Notation(name, stand);
}

