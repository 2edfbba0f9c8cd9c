// Expression → TypeScript source. One method per node kind; symbols are spelled
// by a naming function the caller supplies (locals, params[i], x[k]).
import type { Expr, Sym } from '../symbolic/expr.ts';
import { lookupFunction } from '../symbolic/functions.ts';
import { PREC, orderTerms, splitFraction, splitSign } from './precedence.ts';

export type SymbolSpeller = (s: Sym) => string;

/**
 * The two renderings of one trainer module, printed from the same bodies:
 * TypeScript (type annotations, `!` on element reads) or plain JavaScript
 * (neither). Nothing else differs, so both run the same code.
 */
export interface Dialect {
  readonly types: boolean;
}

export const TYPESCRIPT: Dialect = { types: true };
export const JAVASCRIPT: Dialect = { types: false };

/**
 * An element that is read, `a[i]!` in TypeScript: every index the printers
 * write is a literal or a loop variable bounded by the sizes baked into the
 * code, so the assertion is true (for x and y: within inputSize and
 * outputSize), and it passes noUncheckedIndexedAccess. It is erased before the
 * code runs (V8 sees `a[i]`). Also the target of a compound assignment
 * (`a[i]! -= v`), which reads the element too.
 */
export function readElement(d: Dialect, array: string, index: string): string {
  return `${array}[${index}]${d.types ? '!' : ''}`;
}

/** A type annotation, `: T` in TypeScript, nothing in JavaScript. */
export function annotation(d: Dialect, type: string): string {
  return d.types ? `: ${type}` : '';
}

export function printNumber(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`internal: non-finite constant ${v}`);
  return String(v);
}

export class TsPrinter {
  constructor(private readonly spell: SymbolSpeller) {}

  print(e: Expr): string {
    return this.node(e).text;
  }

  private wrap(p: { text: string; prec: number }, min: number): string {
    return p.prec < min ? `(${p.text})` : p.text;
  }

  private node(e: Expr): { text: string; prec: number } {
    switch (e.kind) {
      case 'num': return { text: printNumber(e.value), prec: e.value < 0 ? PREC.unary : PREC.atom };
      case 'sym': return { text: this.spell(e.sym), prec: PREC.atom };
      case 'add': return this.add(e.terms);
      case 'mul': return this.mul(e.factors);
      case 'pow': return this.pow(e.base, e.exp);
      case 'call': {
        const fn = lookupFunction(e.fn);
        if (!fn) throw new Error(`internal: unknown function ${e.fn}`);
        return { text: `${fn.ts.call}(${e.args.map((a) => this.print(a)).join(', ')})`, prec: PREC.atom };
      }
    }
  }

  /** −e. JavaScript refuses a unary minus right before `**` (`-a ** 2` is a SyntaxError), so a power is parenthesized. */
  private negate(e: Expr): string {
    const p = this.node(e);
    return `-${p.prec === PREC.pow ? `(${p.text})` : this.wrap(p, PREC.unary)}`;
  }

  private add(terms: readonly Expr[]): { text: string; prec: number } {
    let text = '';
    orderTerms(terms).forEach((t, i) => {
      const { negative, magnitude } = splitSign(t);
      const body = this.wrap(this.node(magnitude), PREC.add + (negative ? 1 : 0));
      if (i === 0) text = negative ? this.negate(magnitude) : body;
      else text += negative ? ` - ${body}` : ` + ${body}`;
    });
    return { text, prec: PREC.add };
  }

  private mul(factors: readonly Expr[]): { text: string; prec: number } {
    const { negative, magnitude } = splitSign({ kind: 'mul', factors });
    if (negative) return { text: this.negate(magnitude), prec: PREC.unary };
    const parts = magnitude.kind === 'mul' ? magnitude.factors : [magnitude];
    const { numerator, denominator } = splitFraction(parts);
    const top = numerator.length === 0 ? '1' : numerator.map((f) => this.wrap(this.node(f), PREC.mul)).join(' * ');
    if (denominator.length === 0) return { text: top, prec: numerator.length > 1 ? PREC.mul : this.node(numerator[0]!).prec };
    const bottom = denominator.map((f) => this.wrap(this.node(f), PREC.pow)).join(' / ');
    return { text: `${top} / ${bottom}`, prec: PREC.mul };
  }

  private pow(base: Expr, exp: Expr): { text: string; prec: number } {
    const b = this.node(base);
    if (exp.kind === 'num' && exp.value === 2 && b.prec === PREC.atom) return { text: `${b.text} * ${b.text}`, prec: PREC.mul };
    if (exp.kind === 'num' && exp.value === -1) return { text: `1 / ${this.wrap(b, PREC.pow)}`, prec: PREC.mul };
    if (exp.kind === 'num' && exp.value === 0.5) return { text: `Math.sqrt(${b.text})`, prec: PREC.atom };
    // `**` binds tighter than unary minus in JS only with parentheses on the base.
    return { text: `${this.wrap(b, PREC.atom)} ** ${this.wrap(this.node(exp), PREC.atom)}`, prec: PREC.pow };
  }
}
