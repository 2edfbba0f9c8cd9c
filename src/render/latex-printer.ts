// Expressions → LaTeX. Scalar expressions, matrix expressions, and matrix
// expressions written out in index form. One method per node kind.
import { call, symbolsOf, type Expr, type Sym } from '../symbolic/expr.ts';
import { lookupFunction } from '../symbolic/functions.ts';
import type { MExpr } from '../symbolic/matrix.ts';
import type { Notation } from './notation.ts';
import { PREC, orderTerms, splitFraction, splitSign } from './precedence.ts';

type Printed = { text: string; prec: number };
/** Marks a piece of a broken equation that continues a product (LatexPrinter.equation). */
const CONTINUES = '\u0001';
/** A term's sign, also the sign of a guarded quotient's numerator: xdivy(−y, a) is − y/a, not + (−y)/a. */
function termSign(t: Expr): { negative: boolean; magnitude: Expr } {
  const plain = splitSign(t);
  if (plain.negative || t.kind !== 'call' || t.fn !== 'xdivy') return plain;
  const top = splitSign(t.args[0]!);
  return top.negative ? { negative: true, magnitude: call('xdivy', top.magnitude, t.args[1]!) } : plain;
}

const wrap = (p: Printed, min: number): string => (p.prec < min ? `\\left(${p.text}\\right)` : p.text);

export function latexNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  for (const d of [2, 3, 4, 5, 6, 8, 10]) {
    const n = Math.round(v * d);
    if (Math.abs(v * d - n) < 1e-12) return `\\frac{${n}}{${d}}`;
  }
  // Twelve digits: the CAS's 0.044715000000000005 (of 0.044715 · 3 / 3) is printed as the number a person wrote.
  return String(Number(v.toPrecision(12)));
}

/**
 * A rough width of printed math, in glyphs: a command counts as one glyph,
 * \\left, \\right, braces and scripts' carets as none. Enough to decide where a
 * long product must break to fit a column.
 */
export function texWidth(tex: string): number {
  // A binary operator (⊙, ⊘) takes about two glyphs with its spacing.
  return tex.replace(/\\label\{[^}]*\}/g, '').replace(/\\(odot|oslash)(?![a-zA-Z])/g, 'xx').replace(/\\(left|right)(?![a-zA-Z])/g, '').replace(/\\[a-zA-Z]+/g, 'x').replace(/[{}^_\s&]/g, '').length;
}

/**
 * Scalar expression printer; `spell` names the symbols. With `vectorValued`
 * (a formula applied elementwise to vectors), a guarded quotient of two vectors
 * prints ⊘, as the document defines it.
 */
export class LatexPrinter {
  constructor(private readonly spell: (s: Sym) => string, private readonly vectorValued?: (e: Expr) => boolean) {}

  print(e: Expr): string {
    return this.node(e).text;
  }

  /**
   * The factors of a product packed into lines of at most `width` glyphs
   * (texWidth), to break between factors; undefined when one factor alone is
   * wider (nested functions cannot break).
   */
  lines(e: Expr, width: number): string[] | undefined {
    const whole = this.print(e);
    if (texWidth(whole) <= width) return [whole];
    const { negative, magnitude } = splitSign(e);
    if (magnitude.kind !== 'mul') return undefined;
    const { numerator, denominator } = splitFraction(magnitude.factors);
    if (denominator.length > 0) return undefined;
    const out: string[] = [];
    let line = negative ? '-' : '';
    for (const f of numerator) {
      const t = wrap(this.node(f), PREC.mul + 1);
      if (texWidth(t) > width) return undefined;
      if (line !== '' && line !== '-' && texWidth(`${line} ${t}`) > width) {
        out.push(line);
        line = t;
      } else line = line === '' ? t : `${line} ${t}`;
    }
    out.push(line);
    return out;
  }

  /**
   * `lhs = e`, and when wider than `width` glyphs, an aligned block broken before the sum's + and −
   * (or between a product's factors): a formula of the network file must fit a column too.
   */
  equation(lhs: string, e: Expr, width: number, more: readonly Expr[] = []): string {
    const sides = [e, ...more];
    const whole = `${lhs} = ${sides.map((x) => this.print(x)).join(' = ')}`;
    if (texWidth(whole) <= width) return whole;
    const rows: string[] = [];
    sides.forEach((side, k) => {
      const pieces = this.pieces(side, width - 4);
      let line = '';
      pieces.forEach((piece, i) => {
        // A factor continuing a product starts its line with ·, so it does not read as a new term.
        const continues = piece.startsWith(CONTINUES);
        const p = continues ? piece.slice(CONTINUES.length) : piece;
        // A term that will not fit whole where the line is starts a line of its own.
        let group = p;
        for (let k = i + 1; k < pieces.length && pieces[k]!.startsWith(CONTINUES); k++) group += ` ${pieces[k]!.slice(CONTINUES.length)}`;
        const breakBefore = !continues && group !== p && line !== '' && texWidth(`${line} ${group}`) > width - 4;
        if (line !== '' && (breakBefore || texWidth(`${line} ${p}`) > width - 4)) {
          rows.push(line);
          line = `&\\quad ${continues ? '\\cdot ' : ''}${p}`;
        } else line = line === '' ? `${k === 0 ? lhs : ''} &= ${p}` : `${line} ${p}`;
      });
      rows.push(line);
    });
    // Nothing to break between: the equation as it is.
    if (rows.length === 1) return whole;
    return `\\begin{aligned}\n${rows.join(' \\\\\n')}\n\\end{aligned}`;
  }

  /** The pieces a line may break between: a sum's signed terms, else a product's factors, else the whole. */
  private pieces(e: Expr, width: number): string[] {
    if (e.kind === 'add') {
      return orderTerms(e.terms).flatMap((t, i) => {
        const { negative, magnitude } = termSign(t);
        const body = wrap(this.node(magnitude), PREC.add + (negative ? 1 : 0));
        const sign = i === 0 ? (negative ? '-' : '') : negative ? '- ' : body.startsWith('-') ? '- ' : '+ ';
        const text = !negative && body.startsWith('-') ? body.slice(1) : body;
        // A term too wide itself breaks between its factors.
        const parts = texWidth(text) > width && magnitude.kind === 'mul' && !body.startsWith('-') ? this.factorPieces(magnitude) : undefined;
        return parts ? parts.map((p, k) => (k === 0 ? `${sign}${p}` : p)) : [`${sign}${text}`];
      });
    }
    if (texWidth(this.print(e)) <= width) return [this.print(e)];
    return (e.kind === 'mul' ? this.factorPieces(e) : undefined) ?? [this.print(e)];
  }

  /** A product's factors, each as the product prints it, when it has no denominator; else undefined. */
  private factorPieces(e: Extract<Expr, { kind: 'mul' }>): string[] | undefined {
    const { negative, magnitude } = splitSign(e);
    const factors = magnitude.kind === 'mul' ? magnitude.factors : [magnitude];
    const { numerator, denominator } = splitFraction(factors);
    if (denominator.length > 0 || numerator.length < 2) return undefined;
    // A number stays with the factor after it: − 3 σ(…) never breaks after the 3.
    const texts = numerator.map((f) => wrap(this.node(f), PREC.mul + 1));
    const merged = numerator[0]!.kind === 'num' ? [`${texts[0]} ${texts[1]}`, ...texts.slice(2)] : texts;
    if (merged.length < 2) return undefined;
    return merged.map((t, k) => (k === 0 ? `${negative ? '-' : ''}${t}` : `${CONTINUES}${t}`));
  }

  private node(e: Expr): Printed {
    switch (e.kind) {
      case 'num': return { text: latexNumber(e.value), prec: e.value < 0 ? PREC.unary : PREC.atom };
      case 'sym': return { text: this.spell(e.sym), prec: PREC.atom };
      case 'add': {
        let text = '';
        orderTerms(e.terms).forEach((t, i) => {
          const { negative, magnitude } = termSign(t);
          const body = wrap(this.node(magnitude), PREC.add + (negative ? 1 : 0));
          // A term printed with its own sign ((−y) ⊘ a as −y ⊘ a) is subtracted, not added as + −.
          text += i === 0 ? (negative ? `-${body}` : body) : negative ? ` - ${body}` : body.startsWith('-') ? ` - ${body.slice(1)}` : ` + ${body}`;
        });
        return { text, prec: PREC.add };
      }
      case 'mul': {
        const { negative, magnitude } = splitSign(e);
        if (negative) return { text: `-${wrap(this.node(magnitude), PREC.unary)}`, prec: PREC.unary };
        const parts = magnitude.kind === 'mul' ? magnitude.factors : [magnitude];
        const { numerator, denominator } = splitFraction(parts);
        const top = this.product(numerator);
        if (denominator.length === 0) return top;
        return { text: `\\frac{${top.text}}{${this.product(denominator).text}}`, prec: PREC.atom };
      }
      case 'pow': {
        if (e.exp.kind === 'num' && e.exp.value === 0.5) return { text: `\\sqrt{${this.print(e.base)}}`, prec: PREC.atom };
        if (e.exp.kind === 'num' && e.exp.value < 0) return this.node({ kind: 'mul', factors: [e] });
        const base = this.node(e.base);
        return { text: `${wrap(base, PREC.atom)}^{${this.print(e.exp)}}`, prec: PREC.pow };
      }
      case 'call': {
        // |z| as a referee expects it, not abs(z).
        if (e.fn === 'abs' && e.args.length === 1) return { text: `\\left|${this.print(e.args[0]!)}\\right|`, prec: PREC.atom };
        // The guarded quotient of two vectors is componentwise: ⊘, as the document defines it.
        if (this.vectorValued && e.fn === 'xdivy' && e.args.length === 2 && e.args.every(this.vectorValued)) {
          const [x, y] = e.args.map((a) => this.node(a)) as [Printed, Printed];
          return { text: `${wrap(x, PREC.mul + 1)} \\oslash ${wrap(y, PREC.mul + 1)}`, prec: PREC.mul };
        }
        const fn = lookupFunction(e.fn);
        if (!fn) throw new Error(`internal: unknown function ${e.fn}`);
        if (fn.latexOf) return { text: fn.latexOf(e.args.map((a) => this.print(a))), prec: PREC.mul };
        return { text: `${fn.latex}\\left(${e.args.map((a) => this.print(a)).join(', ')}\\right)`, prec: PREC.atom };
      }
    }
  }

  private product(factors: readonly Expr[]): Printed {
    if (factors.length === 0) return { text: '1', prec: PREC.atom };
    if (factors.length === 1) return this.node(factors[0]!);
    let text = '';
    factors.forEach((f, i) => {
      const p = wrap(this.node(f), PREC.mul + 1);
      // A number after another factor needs a visible product sign.
      text += i === 0 ? p : f.kind === 'num' ? ` \\cdot ${p}` : ` ${p}`;
    });
    return { text, prec: PREC.mul };
  }
}

/** Matrix expressions in matrix form and in index form. */
export class MatrixLatexPrinter {
  constructor(private readonly notation: Notation) {}

  /** The scalar printer with the notation's names for formula symbols. */
  scalar(extra: (s: Sym) => string | undefined = () => undefined, vectorValued?: (e: Expr) => boolean): LatexPrinter {
    return new LatexPrinter((s) => extra(s) ?? this.spellScalar(s), vectorValued);
  }

  /** The two factors of a matrix product, each as the product prints it: for breaking a wide product across lines. */
  factors(m: Extract<MExpr, { kind: 'matmul' }>): [string, string] {
    return [wrap(this.node(m.left), PREC.mul + 1), wrap(this.node(m.right), PREC.mul + 1)];
  }

  spellScalar(s: Sym): string {
    const n = this.notation;
    const idx = s.index.map(String);
    if (s.base === 'x') return n.element('a', 0, idx, n.shapeOf('a', 0));
    if (s.base === 'u') return 'z';
    return n.element(s.base, s.layer, idx, n.shapeOf(s.base, s.layer));
  }

  print(m: MExpr): string {
    return this.node(m).text;
  }

  private node(m: MExpr): Printed {
    const n = this.notation;
    switch (m.kind) {
      case 'mvar': return { text: n.matrix(m.base, m.layer), prec: PREC.atom };
      case 'matmul': return { text: `${wrap(this.node(m.left), PREC.mul + 1)} ${wrap(this.node(m.right), PREC.mul + 1)}`, prec: PREC.mul };
      case 'transpose': return { text: `${wrap(this.node(m.arg), PREC.atom + 1)}^{\\top}`, prec: PREC.pow };
      // A matrix product beside ⊙ is grouped, (Wᵀ δ) ⊙ σ′(z): the reading is then not left to the reader's precedence.
      case 'hadamard': return { text: `${wrap(this.node(m.left), m.left.kind === 'matmul' ? PREC.mul + 1 : PREC.mul)} \\odot ${wrap(this.node(m.right), PREC.mul + 1)}`, prec: PREC.mul };
      case 'plus': return { text: `${this.print(m.left)} + ${this.print(m.right)}`, prec: PREC.add };
      case 'apply':
        if (m.act.identityJacobian && m.act.name === 'identity') return this.node(m.arg);
        return { text: `${m.act.latexName}\\left(${this.print(m.arg)}\\right)`, prec: PREC.atom };
      case 'applyDeriv': return { text: `${m.act.latexName}'\\left(${this.print(m.arg)}\\right)`, prec: PREC.atom };
      case 'softmaxJacobian': {
        const a = this.print(m.output);
        // Already parenthesized: a transpose needs no second pair.
        return { text: `\\left(\\operatorname{diag}\\left(${a}\\right) - ${a} \\left(${a}\\right)^{\\top}\\right)`, prec: PREC.atom + 1 };
      }
      case 'ewise': {
        const isArg = (s: Sym): boolean => s.index.length === 0 && s.layer === undefined && Object.hasOwn(m.args, s.base);
        const inner = this.scalar((s) => {
          if (s.index.length !== 0 || s.layer !== undefined) return undefined;
          if (Object.hasOwn(m.args, s.base)) return wrapMatrix(this.node(m.args[s.base]!));
          if (s.base === 'n') return n.sizeName(n.depth);
          return undefined;
        }, m.rows > 1 || m.cols > 1 ? (e) => [...symbolsOf(e).values()].some(isArg) : undefined);
        return { text: inner.print(m.expr), prec: PREC.add };
      }
    }
  }

  /** Element (i, j) of m with symbolic indices; sums get fresh index names. */
  index(m: MExpr, i: string, j: string, fresh: string[] = this.notation.sumIndices.filter((x) => x !== i && x !== j)): string {
    return this.indexNode(m, i, j, fresh).text;
  }

  private indexNode(m: MExpr, i: string, j: string, fresh: string[]): Printed {
    const n = this.notation;
    switch (m.kind) {
      case 'mvar': {
        if (m.base === 'dCda') return { text: `\\frac{\\partial C}{\\partial ${n.element('a', m.layer, [i, j], m)}}`, prec: PREC.atom };
        return { text: n.element(m.base, m.layer, [i, j], m), prec: PREC.atom };
      }
      case 'matmul': {
        if (m.left.cols === 1) {
          return { text: `${wrap(this.indexNode(m.left, i, '1', fresh), PREC.mul + 1)} ${wrap(this.indexNode(m.right, '1', j, fresh), PREC.mul + 1)}`, prec: PREC.mul };
        }
        const k = fresh.shift() ?? 'r';
        const body = `${wrap(this.indexNode(m.left, i, k, fresh), PREC.mul + 1)} ${wrap(this.indexNode(m.right, k, j, fresh), PREC.mul + 1)}`;
        return { text: `\\sum_{${k}=1}^{${m.left.cols}} ${body}`, prec: PREC.add };
      }
      case 'transpose': return this.indexNode(m.arg, j, i, fresh);
      case 'hadamard': return { text: `${wrap(this.indexNode(m.left, i, j, fresh), PREC.mul)} ${wrap(this.indexNode(m.right, i, j, fresh), PREC.mul + 1)}`, prec: PREC.mul };
      case 'plus': return { text: `${this.indexNode(m.left, i, j, fresh).text} + ${this.indexNode(m.right, i, j, fresh).text}`, prec: PREC.add };
      case 'apply':
        if (m.act.name === 'identity') return this.indexNode(m.arg, i, j, fresh);
        return { text: `${m.act.latexName}\\left(${this.index(m.arg, i, j, fresh)}\\right)`, prec: PREC.atom };
      case 'applyDeriv': return { text: `${m.act.latexName}'\\left(${this.index(m.arg, i, j, fresh)}\\right)`, prec: PREC.atom };
      case 'softmaxJacobian': {
        const ai = this.index(m.output, i, '1', fresh);
        const aj = this.index(m.output, j, '1', fresh);
        // The Iverson bracket [i = j] (1 when i = j, else 0): δ already names the error.
        return { text: `${ai} \\left([${i} = ${j}] - ${aj}\\right)`, prec: PREC.mul };
      }
      case 'ewise': {
        const inner = this.scalar((s) => {
          if (s.index.length !== 0 || s.layer !== undefined) return undefined;
          if (Object.hasOwn(m.args, s.base)) return wrapMatrix(this.indexNode(m.args[s.base]!, i, j, fresh));
          if (s.base === 'n') return n.sizeName(n.depth);
          return undefined;
        });
        return { text: inner.print(m.expr), prec: PREC.add };
      }
    }
  }
}

function wrapMatrix(p: Printed): string {
  return p.prec < PREC.atom ? `\\left(${p.text}\\right)` : p.text;
}
