// Formula tree → text, one printer per syntax. Both print only what their own
// front end reads back (tests parse the output again), with the fewest
// parentheses the precedence allows.
import type { FNode, Idx } from './ast.ts';

/** How the person wrote the LaTeX notation, so that answers come back in it. */
export interface Notation {
  /** Layers in parentheses, W^{(2)}, rather than bare, w^{2}. */
  readonly paren: boolean;
  /** Layers written from the last (L, L-1), from --wrt's (l, l+1), or as numbers. */
  readonly relative: 'none' | 'L' | 'l';
  readonly weight: 'W' | 'w';
  /** The transpose mark, as written after ^. */
  readonly transpose: string;
  /** The target as a^{(L)*} (the question's notation) or y. */
  readonly target: 'y' | 'star';
  readonly hadamard: string;
}

export const DEFAULT_NOTATION: Notation = { paren: true, relative: 'none', weight: 'W', transpose: '\\top', target: 'y', hadamard: '\\odot' };

export interface PrintStyle {
  /** Number of layers L, for (L), (L-1). */
  readonly depth: number;
  readonly notation: Notation;
  /** The layer l stands for, when the notation is relative to it. */
  readonly layer?: number;
  /** How the input is named in mathjs text. */
  readonly input: 'x' | 'a0';
  /** How the rate is named. */
  readonly rate: 'R' | 'eta';
  /** Each layer's activation (kind, index l − 1): σ′ is printed as that layer's own derivative. */
  readonly activations?: readonly string[];
}

export const DEFAULT_STYLE: PrintStyle = { depth: 1, notation: DEFAULT_NOTATION, input: 'x', rate: 'R' };

// Precedence: higher binds tighter.
const ADD = 1;
const MUL = 2;
const NEG = 3;
const POW = 4;
const POSTFIX = 5;
const ATOM = 6;

interface Printed { readonly text: string; readonly prec: number }

const opPrec = (op: string): number => (op === '+' || op === '-' ? ADD : op === '^' || op === '.^' ? POW : MUL);

function formatNumber(v: number): string {
  if (v === Math.PI) return 'pi';
  return Number.isInteger(v) || Math.abs(v) >= 1e-4 ? String(v) : v.toExponential();
}

/** A product inside a different product (A * B) .* C; a number times something (2 * x) is never ambiguous. */
function isMixed(c: FNode, parentOp: string): boolean {
  if (c.kind !== 'bin' || c.op === parentOp || opPrec(c.op) !== MUL) return false;
  return !(c.op === '*' && c.left.kind === 'num');
}

const idxText = (i: Idx): string => (i.kind === 'lit' ? String(i.value) : i.name);

/** mathjs syntax: `2 * (a2 - y) .* a2 .* (1 - a2)`, `W2[j,k]`, `sum(…, i)`. */
export function printMathjs(n: FNode, style: PrintStyle = DEFAULT_STYLE): string {
  return mathjs(n, style).text;
}

function mathjs(n: FNode, style: PrintStyle): Printed {
  const wrap = (p: Printed, min: number): string => (p.prec < min ? `(${p.text})` : p.text);
  switch (n.kind) {
    case 'num': return n.value < 0 ? { text: `-${formatNumber(-n.value)}`, prec: NEG } : { text: formatNumber(n.value), prec: ATOM };
    case 'ref': {
      let name: string;
      if (n.base === 'rate') name = style.rate;
      else if (n.base === 'y') name = 'y';
      else if (n.base === 'a' && n.layer === 0) name = style.input;
      else name = `${n.base}${n.layer ?? ''}`;
      return { text: n.indices.length ? `${name}[${n.indices.map(idxText).join(',')}]` : name, prec: ATOM };
    }
    case 'neg': return { text: `-${wrap(mathjs(n.arg, style), NEG + 1)}`, prec: NEG };
    case 'transpose': return { text: `${wrap(mathjs(n.arg, style), ATOM)}'`, prec: POSTFIX };
    case 'bin': {
      const p = opPrec(n.op);
      const l = mathjs(n.left, style);
      const r = mathjs(n.right, style);
      if (n.op === '^' || n.op === '.^') return { text: `${wrap(l, POW + 1)}${n.op}${wrap(r, POW)}`, prec: POW };
      // A matrix product next to an elementwise one reads ambiguously to a person: parenthesize.
      const mixed = (c: FNode): boolean => p === MUL && isMixed(c, n.op);
      return { text: `${mixed(n.left) ? `(${l.text})` : wrap(l, p)} ${n.op} ${mixed(n.right) ? `(${r.text})` : wrap(r, p + 1)}`, prec: p };
    }
    case 'call':
      if (n.inclusive) return { text: `(${n.args.map((a) => mathjs(a, style).text).join(', ')} >= 0)`, prec: ATOM };
      return { text: `${mathjsFunction(n, style)}(${n.args.map((a) => mathjs(a, style).text).join(', ')})`, prec: ATOM };
    case 'sum': return { text: `sum(${mathjs(n.body, style).text}, ${n.index})`, prec: ATOM };
    case 'matrix': return { text: `[${n.rows.map((r) => r.map((c) => mathjs(c, style).text).join(', ')).join('; ')}]`, prec: ATOM };
  }
}

/** σ′ of a layer as the derivative of the layer's real activation: relu′ is a step, softplus′ the sigmoid. */
const MATHJS_DERIVATIVES = new Map([['relu', 'step'], ['tanh', 'dtanh'], ['softplus', 'sigmoid']]);
const LATEX_DERIVATIVES = new Map([['sigmoid', "\\sigma'"], ['tanh', "\\tanh'"], ['softplus', "\\operatorname{softplus}'"], ['formula', "f'"]]);

const activationOfCall = (n: Extract<FNode, { kind: 'call' }>, style: PrintStyle): string | undefined =>
  n.layer === undefined ? undefined : style.activations?.[n.layer - 1];

function mathjsFunction(n: Extract<FNode, { kind: 'call' }>, style: PrintStyle): string {
  const kind = n.fn === 'dsigma' ? activationOfCall(n, style) : undefined;
  return (kind && MATHJS_DERIVATIVES.get(kind)) ?? n.fn;
}

const LATEX_FUNCTIONS = new Map([
  ['exp', '\\exp'], ['log', '\\ln'], ['tanh', '\\tanh'], ['sinh', '\\sinh'], ['cosh', '\\cosh'], ['sin', '\\sin'], ['cos', '\\cos'],
  ['sigma', '\\sigma'], ['dsigma', "\\sigma'"], ['sech', '\\operatorname{sech}'], ['dtanh', "\\tanh'"], ['dsigmoid', "\\operatorname{sigmoid}'"],
]);

/** LaTeX in the notation the person used: `2 (a^{(L)} - a^{(L)^*}) a^{(L-1)}`, `(w^{l+1})^T \\delta^{l+1}`. */
export function printLatex(n: FNode, style: PrintStyle = DEFAULT_STYLE): string {
  return latex(n, style).text;
}

function layerText(l: number, style: PrintStyle): string {
  const { relative, paren } = style.notation;
  let t = String(l);
  if (relative === 'L') t = l === style.depth ? 'L' : `L-${style.depth - l}`;
  else if (relative === 'l' && style.layer !== undefined) t = l === style.layer ? 'l' : l > style.layer ? `l+${l - style.layer}` : `l-${style.layer - l}`;
  return paren ? `(${t})` : t;
}

function latexName(n: Extract<FNode, { kind: 'ref' }>, style: PrintStyle): string {
  const subs = n.indices.length ? `_{${n.indices.map(idxText).join(',')}}` : '';
  const { notation } = style;
  switch (n.base) {
    case 'rate': return style.rate === 'eta' ? '\\eta' : 'R';
    case 'y': return notation.target === 'star' ? `a^{${layerText(style.depth, style)}${notation.paren ? '^*' : '*'}}${subs}` : `y${subs}`;
    case 'delta': return `\\delta^{${layerText(n.layer ?? 0, style)}}${subs}`;
    case 'W': return `${notation.weight}^{${layerText(n.layer ?? 0, style)}}${subs}`;
    case 'a': if (n.layer === 0 && notation.relative !== 'L' && style.input === 'x') return `x${subs}`; // falls through
    default: return `${n.base}^{${layerText(n.layer ?? 0, style)}}${subs}`;
  }
}

function latex(n: FNode, style: PrintStyle): Printed {
  const wrap = (p: Printed, min: number): string => (p.prec < min ? `\\left(${p.text}\\right)` : p.text);
  switch (n.kind) {
    case 'num': return n.value < 0 ? { text: `-${formatNumber(-n.value)}`, prec: NEG } : { text: formatNumber(n.value).replace('pi', '\\pi'), prec: ATOM };
    case 'ref': return { text: latexName(n, style), prec: ATOM };
    case 'neg': return { text: `-${wrap(latex(n.arg, style), NEG + 1)}`, prec: NEG };
    case 'transpose': {
      const inner = latex(n.arg, style);
      // x^{\top}, but (W^{(2)})^{\top}: a second superscript needs the parentheses.
      const bare = inner.prec === ATOM && (n.arg.kind !== 'ref' || !inner.text.includes('^'));
      return { text: `${bare ? inner.text : `\\left(${inner.text}\\right)`}^{${style.notation.transpose}}`, prec: POSTFIX };
    }
    case 'bin': {
      const l = latex(n.left, style);
      const r = latex(n.right, style);
      const paren = (p: Printed): string => `\\left(${p.text}\\right)`;
      const mixed = (c: FNode): boolean => isMixed(c, n.op);
      switch (n.op) {
        case '+': case '-': return { text: `${wrap(l, ADD)} ${n.op} ${wrap(r, ADD + 1)}`, prec: ADD };
        case '/': return { text: `\\frac{${l.text}}{${r.text}}`, prec: ATOM };
        case './': return { text: `${mixed(n.left) ? paren(l) : wrap(l, MUL)} \\oslash ${mixed(n.right) ? paren(r) : wrap(r, MUL + 1)}`, prec: MUL };
        case '.*': return { text: `${mixed(n.left) ? paren(l) : wrap(l, MUL)} ${style.notation.hadamard} ${mixed(n.right) ? paren(r) : wrap(r, MUL + 1)}`, prec: MUL };
        case '^': case '.^': {
          // {a^{(1)}}^{2}: braces keep TeX from seeing a double superscript.
          const base = n.left.kind === 'ref' ? `{${l.text}}` : l.prec === ATOM && n.left.kind !== 'bin' ? l.text : `\\left(${l.text}\\right)`;
          return { text: `${base}^{${r.text}}`, prec: POW };
        }
        case '*': {
          const rt = mixed(n.right) ? paren(r) : wrap(r, MUL + 1);
          // Juxtaposition, except where two numbers would run together.
          const sep = /^[\d.-]/.test(rt) ? ' \\cdot ' : ' ';
          return { text: `${mixed(n.left) ? paren(l) : wrap(l, MUL)}${sep}${rt}`, prec: MUL };
        }
      }
      break;
    }
    case 'call': {
      const args = n.args.map((a) => latex(a, style).text).join(', ');
      if (n.fn === 'sqrt') return { text: `\\sqrt{${args}}`, prec: ATOM };
      // An Iverson bracket: the mask of relu′, 1 where the argument is positive.
      const kind = n.fn === 'dsigma' ? activationOfCall(n, style) : undefined;
      if (n.fn === 'step' || kind === 'relu') return { text: `\\left[${args} ${n.inclusive ? '\\geq' : '>'} 0\\right]`, prec: ATOM };
      const head = (kind && LATEX_DERIVATIVES.get(kind)) ?? LATEX_FUNCTIONS.get(n.fn) ?? `\\operatorname{${n.fn}}`;
      return { text: `${head}\\left(${args}\\right)`, prec: ATOM };
    }
    // A sum reaches to the end of the product it starts, so it is parenthesized as a factor.
    case 'sum': return { text: `\\sum_{${n.index}} ${wrap(latex(n.body, style), MUL)}`, prec: ADD };
    case 'matrix':
      return { text: `\\begin{bmatrix} ${n.rows.map((r) => r.map((c) => latex(c, style).text).join(' & ')).join(' \\\\ ')} \\end{bmatrix}`, prec: ATOM };
  }
  throw new Error('internal: unprintable node');
}
