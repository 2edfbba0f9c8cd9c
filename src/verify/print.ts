// Formula tree → text, one printer per syntax. Both print only what their own
// front end reads back (tests parse the output again), with the fewest
// parentheses the precedence allows.
import type { FNode, Idx } from './ast.ts';

export interface PrintStyle {
  /** Number of layers L, for the question's (L), (L-1). */
  readonly depth: number;
  /** LaTeX layers as (L), (L-1) rather than (2), (1). */
  readonly question: boolean;
  /** How the input is named in mathjs text. */
  readonly input: 'x' | 'a0';
  /** How the rate is named. */
  readonly rate: 'R' | 'eta';
}

export const DEFAULT_STYLE: PrintStyle = { depth: 1, question: false, input: 'x', rate: 'R' };

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
    case 'call': return { text: `${n.fn}(${n.args.map((a) => mathjs(a, style).text).join(', ')})`, prec: ATOM };
    case 'sum': return { text: `sum(${mathjs(n.body, style).text}, ${n.index})`, prec: ATOM };
    case 'matrix': return { text: `[${n.rows.map((r) => r.map((c) => mathjs(c, style).text).join(', ')).join('; ')}]`, prec: ATOM };
  }
}

const LATEX_FUNCTIONS = new Map([
  ['exp', '\\exp'], ['log', '\\ln'], ['tanh', '\\tanh'], ['sinh', '\\sinh'], ['cosh', '\\cosh'], ['sin', '\\sin'], ['cos', '\\cos'],
  ['sigma', '\\sigma'], ['dsigma', "\\sigma'"],
]);

/** LaTeX in the question's notation or Nielsen's: `2 (a^{(L)} - a^{(L)^*}) a^{(L-1)}`. */
export function printLatex(n: FNode, style: PrintStyle = DEFAULT_STYLE): string {
  return latex(n, style).text;
}

function layerText(l: number, style: PrintStyle): string {
  if (!style.question) return `(${l})`;
  const back = style.depth - l;
  return back === 0 ? '(L)' : `(L-${back})`;
}

function latexName(n: Extract<FNode, { kind: 'ref' }>, style: PrintStyle): string {
  const subs = n.indices.length ? `_{${n.indices.map(idxText).join(',')}}` : '';
  switch (n.base) {
    case 'rate': return style.rate === 'eta' ? '\\eta' : 'R';
    case 'y': return style.question ? `a^{(L)^*}${subs}` : `y${subs}`;
    case 'delta': return `\\delta^{${layerText(n.layer ?? 0, style)}}${subs}`;
    case 'a': if (n.layer === 0 && !style.question && style.input === 'x') return `x${subs}`; // falls through
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
      return { text: `${bare ? inner.text : `\\left(${inner.text}\\right)`}^{\\top}`, prec: POSTFIX };
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
        case '.*': return { text: `${mixed(n.left) ? paren(l) : wrap(l, MUL)} \\odot ${mixed(n.right) ? paren(r) : wrap(r, MUL + 1)}`, prec: MUL };
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
      const head = LATEX_FUNCTIONS.get(n.fn) ?? `\\operatorname{${n.fn}}`;
      return { text: `${head}\\left(${args}\\right)`, prec: ATOM };
    }
    // A sum reaches to the end of the product it starts, so it is parenthesized as a factor.
    case 'sum': return { text: `\\sum_{${n.index}} ${wrap(latex(n.body, style), MUL)}`, prec: ADD };
    case 'matrix':
      return { text: `\\begin{bmatrix} ${n.rows.map((r) => r.map((c) => latex(c, style).text).join(' & ')).join(' \\\\ ')} \\end{bmatrix}`, prec: ATOM };
  }
  throw new Error('internal: unprintable node');
}
