// Formula in LaTeX, as textbooks print it → the same formula tree as the
// mathjs route. A small recursive-descent parser over the tokens, because
// nerdamer's convertFromLaTeX misreads subscripts, \frac{∂C}{∂w} and \sigma(z)
// without an error.
//
// Notation, one rule each:
// - a superscript on a name that has layers (W, b, a, z, δ) is its layer, in
//   parentheses or bare: W^{(2)}, w^{2}, a^{(L-1)}, z^L, \delta^{l+1}; L is the
//   last layer, l the layer of --wrt. It is never a power: (a^{(1)})^2 is.
// - a^{(L)*} is the target y; subscripts are indices; ^T, ^\top, ^\intercal,
//   ^\mathsf{T} transpose.
// - juxtaposition multiplies and binds tighter than ⊙ and ⊘, as people read
//   Wᵀδ ⊙ σ′(z); the left-to-right reading is kept as a second reading.
// - f'(z), \sigma'(z): the layer's own activation's derivative; \tanh'(z),
//   \tanh^2(z), \operatorname{sech}^2(z): functions with a prime or a power.
// - \nabla_a C and \frac{\partial C}{\partial a^L_j}: the gradient of the loss in the output.
// - [z > 0], (z > 0), \mathbb{1}[z > 0]: a 0/1 mask (the step function).
import { bin, callOf, deepNode, ivar, lit, neg, num, ref, transposeOf, type Base, type BinOp, type FNode, type Idx } from './ast.ts';
import { SyntaxProblem } from './errors.ts';
import { tokenize, type Token } from './latex-lexer.ts';
import { MAX_DEPTH, precheck } from './mathjs-front.ts';
import { LAYERED, functionName, nameRef, primed } from './names.ts';
import { printMathjs, type Notation } from './print.ts';

export type { Notation } from './print.ts';

export interface LatexOptions {
  /** L, the number of layers. */
  readonly depth: number;
  /** The layer l stands for (--wrt's); l is refused without it. */
  readonly layer?: number;
  /** Where the text starts in what the user typed, for positions. */
  readonly offset?: number;
}

export interface LatexParse {
  readonly tree: FNode;
  /** Other sensible readings of the same text (⊙ read left to right with the products). */
  readonly readings: readonly FNode[];
  readonly notation: Notation;
}

/** Parse the right-hand side. */
export function parseLatexFormula(text: string, options: LatexOptions | number, offset0 = 0): LatexParse {
  const o: LatexOptions = typeof options === 'number' ? { depth: options, offset: offset0 } : options;
  const offset = o.offset ?? 0;
  precheck(text);
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (err) {
    if (err instanceof SyntaxProblem) throw new SyntaxProblem(err.message, err.pos + offset);
    throw err;
  }
  const shifted = tokens.map((t) => ({ ...t, pos: t.pos + offset }));
  const read = (flat: boolean): Parser => {
    const p = new Parser([...shifted], o, flat);
    p.result = p.expr();
    p.expectEnd();
    const deep = deepNode(p.result, MAX_DEPTH);
    if (deep) throw new SyntaxProblem(`the formula is nested more than ${MAX_DEPTH} operations deep: break it up`, deep.pos);
    return p;
  };
  const main = read(false);
  const readings: FNode[] = [];
  if (main.sawHadamard) {
    const flat = read(true).result!;
    if (printMathjs(flat) !== printMathjs(main.result!)) readings.push(flat);
  }
  return { tree: main.result!, readings, notation: main.notation() };
}

const EXPLICIT_PRODUCTS = new Map<string, BinOp>([['cdot', '*'], ['times', '*'], ['ast', '*'], ['div', '/']]);
const HADAMARD = new Map<string, BinOp>([['odot', '.*'], ['circ', '.*'], ['oslash', './']]);
const INCLUSIVE = new Set(['geq', 'ge', 'geqslant', 'leq', 'le', 'leqslant']);
const COMPARISONS = new Map<string, '>' | '<'>([['>', '>'], ['<', '<'], ['gt', '>'], ['lt', '<'], ['geq', '>'], ['ge', '>'], ['geqslant', '>'], ['leq', '<'], ['le', '<'], ['leqslant', '<']]);
const NOT_A_START = new Set([...EXPLICIT_PRODUCTS.keys(), ...HADAMARD.keys(), ...COMPARISONS.keys(), 'top', 'intercal', 'prime', 'end']);
const FUNCTION_CMDS = new Set(['exp', 'log', 'ln', 'tanh', 'sinh', 'cosh', 'sech', 'sin', 'cos', 'sigma']);
const FONT_CMDS = new Set(['mathbf', 'boldsymbol', 'bm', 'vec', 'mathit', 'mathbfit', 'pmb']);
const NAMED_CMDS = new Set(['operatorname', 'mathrm', 'text', 'textrm', 'mathsf']);
/** \mathbb{1}, \mathbf{1}, \mathds{1}, \mathbb{I}: an indicator, followed by its condition. */
const INDICATOR_CMDS = new Set(['mathbb', 'mathbf', 'mathds', 'bm', 'boldsymbol', 'mathrm']);
const NAME_CMDS = new Map<string, string>([['delta', 'delta'], ['eta', 'eta'], ['alpha', 'alpha'], ['epsilon', 'epsilon'], ['varepsilon', 'varepsilon']]);
const CLOSER: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

function describe(t: Token): string {
  switch (t.kind) {
    case 'num': return `"${t.text}"`;
    case 'word': return `"${t.text}"`;
    case 'cmd': return `"\\${t.name}"`;
    case 'sym': return `"${t.text}"`;
    case 'eof': return 'the end of the formula';
  }
}

class Parser {
  private i = 0;
  result: FNode | undefined;
  sawHadamard = false;
  private parenLayers = 0;
  private bareLayers = 0;
  private relative: Notation['relative'] = 'none';
  /** Layers written as numbers: answers then use numbers too, even where L or l was also written. */
  private numbered = 0;
  private weight: Notation['weight'] = 'W';
  private mark: string | undefined;
  private star = false;
  private hadamardCmd: string | undefined;

  constructor(private readonly toks: Token[], private readonly o: LatexOptions, private readonly flat: boolean) {}

  notation(): Notation {
    return {
      paren: this.parenLayers > 0 || this.bareLayers === 0,
      relative: this.numbered > 0 ? 'none' : this.relative,
      weight: this.weight,
      transpose: this.mark ?? '\\top',
      target: this.star ? 'star' : 'y',
      hadamard: this.hadamardCmd ?? '\\odot',
    };
  }

  private peek(k = 0): Token { return this.toks[Math.min(this.i + k, this.toks.length - 1)]!; }
  private next(): Token { const t = this.peek(); if (t.kind !== 'eof') this.i++; return t; }
  private isSym(text: string, k = 0): boolean { const t = this.peek(k); return t.kind === 'sym' && t.text === text; }
  private isCmd(name: string, k = 0): boolean { const t = this.peek(k); return t.kind === 'cmd' && t.name === name; }
  private isWord(text: string, k = 0): boolean { const t = this.peek(k); return t.kind === 'word' && t.text === text; }
  private isNum(k = 0): boolean { return this.peek(k).kind === 'num'; }
  private fail(message: string, t: Token = this.peek()): never { throw new SyntaxProblem(message, t.pos); }
  private expect(text: string): Token {
    if (!this.isSym(text)) this.fail(`expected "${text}", found ${describe(this.peek())}`);
    return this.next();
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(`unexpected ${describe(t)}`);
  }

  /** Take only the first character of a word or number token (TeX scripts and \frac arguments take one character). */
  private splitFirst(): void {
    const t = this.peek();
    if ((t.kind === 'word' || t.kind === 'num') && t.text.length > 1) {
      const first = t.text[0]!;
      const rest = t.text.slice(1);
      const a: Token = t.kind === 'num' && /\d/.test(first) ? { kind: 'num', value: Number(first), text: first, pos: t.pos } : { kind: 'word', text: first, pos: t.pos };
      const restTok: Token = /^\d/.test(rest) || rest.startsWith('.') ? { kind: 'num', value: Number(rest), text: rest, pos: t.pos + 1 } : { kind: 'word', text: rest, pos: t.pos + 1 };
      if (t.kind === 'num' && first === '.') this.fail('a number cannot start a script here', t);
      this.toks.splice(this.i, 1, a, restTok);
    }
  }

  expr(): FNode {
    let left: FNode;
    if (this.isSym('-')) { const t = this.next(); left = neg(this.hadamard(), t.pos); }
    else { if (this.isSym('+')) this.next(); left = this.hadamard(); }
    while (this.isSym('+') || this.isSym('-')) {
      const t = this.next() as Extract<Token, { kind: 'sym' }>;
      left = bin(t.text as BinOp, left, this.hadamard(), t.pos);
    }
    return left;
  }

  /** ⊙ and ⊘ between products: Wᵀδ ⊙ σ′(z) is (Wᵀδ) ⊙ σ′(z). In the flat reading they are products among the others. */
  private hadamard(): FNode {
    let left = this.term();
    for (;;) {
      const op = this.hadamardOp();
      if (!op || this.flat) return left;
      const t = this.next();
      left = bin(op, left, this.term(), t.pos);
    }
  }

  private hadamardOp(): BinOp | undefined {
    const t = this.peek();
    if (t.kind !== 'cmd' || !HADAMARD.has(t.name)) return undefined;
    this.sawHadamard = true;
    if (t.name !== 'oslash') this.hadamardCmd ??= `\\${t.name}`;
    return HADAMARD.get(t.name);
  }

  private term(): FNode {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      let op: BinOp | undefined;
      if (t.kind === 'sym' && (t.text === '*' || t.text === '/')) op = t.text;
      else if (t.kind === 'cmd') op = EXPLICIT_PRODUCTS.get(t.name) ?? (this.flat ? this.hadamardOp() : undefined);
      if (op) {
        this.next();
        // a / b between vectors is meant elementwise, as \frac is (see readJuxtapositions)
        left = { ...bin(op, left, this.unary(), t.pos), ...(op === '/' ? { implicit: true } : {}) };
      } else if (this.startsFactor(t)) {
        // Juxtaposition: a w, 2(a − y), R a^{(L-1)}, W^T δ.
        left = { kind: 'bin', op: '*', left, right: this.postfix(), pos: t.pos, implicit: true };
      } else {
        return left;
      }
    }
  }

  private startsFactor(t: Token): boolean {
    if (t.kind === 'num' || t.kind === 'word') return true;
    if (t.kind === 'sym') return t.text === '(' || t.text === '[' || t.text === '{';
    return t.kind === 'cmd' && !NOT_A_START.has(t.name);
  }

  private unary(): FNode {
    if (this.isSym('-')) { const t = this.next(); return neg(this.unary(), t.pos); }
    if (this.isSym('+')) { this.next(); return this.unary(); }
    return this.postfix();
  }

  private postfix(): FNode {
    let base = this.primary();
    for (;;) {
      if (this.isSym("'")) { const t = this.next(); base = transposeOf(base, t.pos); continue; }
      if (!this.isSym('^')) return base;
      const caret = this.next();
      if (this.transposeMark()) { base = transposeOf(base, caret.pos); continue; }
      if (this.isSym('*') || (this.isSym('{') && this.isSym('*', 1))) this.fail('"^*" marks the target: write a^{(L)*} or y', caret);
      const exponent = this.group();
      const isE = base.kind === 'call' && base.fn === 'exp' && base.args[0]?.kind === 'num' && base.args[0].value === 1;
      base = isE ? callOf('exp', [exponent], base.pos) : bin('^', base, exponent, caret.pos);
    }
  }

  /** After "^": T, \top, \intercal, \mathsf T, each bare or in braces; consumes it when it is one. */
  private transposeMark(): boolean {
    const mark = (k: number): [number, string] | undefined => {
      if (this.isWord('T', k)) return [1, 'T'];
      if (this.isCmd('top', k)) return [1, '\\top'];
      if (this.isCmd('intercal', k)) return [1, '\\intercal'];
      const font = this.peek(k);
      if (font.kind === 'cmd' && NAMED_CMDS.has(font.name)) {
        if (this.isWord('T', k + 1)) return [2, `\\${font.name}{T}`];
        if (this.isSym('{', k + 1) && this.isWord('T', k + 2) && this.isSym('}', k + 3)) return [4, `\\${font.name}{T}`];
      }
      return undefined;
    };
    const t = this.peek();
    if (t.kind === 'word' && t.text.length > 1 && t.text.startsWith('T')) this.splitFirst();
    const font = this.peek();
    if (font.kind === 'cmd' && NAMED_CMDS.has(font.name)) {
      const w = this.peek(1);
      if (w.kind === 'word' && w.text.length > 1 && w.text.startsWith('T')) { this.i++; this.splitFirst(); this.i--; }
    }
    let found = mark(0);
    let used = found?.[0] ?? 0;
    if (!found && this.isSym('{')) {
      const inner = mark(1);
      if (inner && this.isSym('}', 1 + inner[0])) { found = inner; used = inner[0] + 2; }
    }
    if (!found) return false;
    this.i += used;
    this.mark ??= found[1];
    return true;
  }

  /** A TeX argument: a braced expression or a single character/command. */
  private group(): FNode {
    if (this.isSym('{')) {
      this.next();
      const e = this.expr();
      this.expect('}');
      return e;
    }
    this.splitFirst();
    return this.primary();
  }

  private primary(): FNode {
    const t = this.peek();
    switch (t.kind) {
      case 'num': this.next(); return num(t.value, t.pos);
      case 'word': return this.word();
      case 'cmd': return this.command();
      case 'sym': {
        const close = CLOSER[t.text];
        if (!close) return this.fail(`unexpected ${describe(t)}`);
        return this.bracketed();
      }
      case 'eof': return this.fail('unexpected end of the formula');
    }
  }

  /** ( … ), [ … ], { … }; with a comparison inside, an Iverson bracket: [z > 0] is 1 where z > 0, else 0. */
  private bracketed(): FNode {
    const open = this.next() as Extract<Token, { kind: 'sym' }>;
    const e = this.expr();
    const mask = this.comparison(e);
    this.expect(CLOSER[open.text]!);
    return mask ?? e;
  }

  /** `left > right` (or <, ≥, ≤) as step(left − right): the mask of relu′. */
  private comparison(left: FNode): FNode | undefined {
    const t = this.peek();
    const cmp = t.kind === 'sym' ? COMPARISONS.get(t.text) : t.kind === 'cmd' ? COMPARISONS.get(t.name) : undefined;
    if (!cmp) return undefined;
    this.next();
    const right = this.expr();
    const [hi, lo] = cmp === '>' ? [left, right] : [right, left];
    const diff = lo.kind === 'num' && lo.value === 0 ? hi : bin('-', hi, lo, t.pos);
    const mask = callOf('step', [diff], t.pos) as Extract<FNode, { kind: 'call' }>;
    return INCLUSIVE.has(t.kind === 'sym' ? t.text : t.kind === 'cmd' ? t.name : '') ? { ...mask, inclusive: true } : mask;
  }

  private word(): FNode {
    const t = this.next() as Extract<Token, { kind: 'word' }>;
    const text = t.text;
    const fn = text.length > 1 ? functionName(text) : undefined;
    if (fn) return this.applyFunction(fn, t);
    // f(z), f'(z): the layer's own activation (a lone f is no name of the network).
    if (text === 'f' && (this.isSym('(') || this.isSym("'") || this.isSym('^'))) return this.applyFunction('sigma', t);
    // Bishop's h(·) and Ng's g(·) are the layer's activation too; h^{(k)} alone is Goodfellow's layer output.
    if ((text === 'h' || text === 'g') && (this.isSym('(') || this.isSym("'"))) return this.applyFunction('sigma', t);
    if (text === 'e') return callOf('exp', [num(1, t.pos)], t.pos);
    const r = nameRef(text);
    if (r) return this.name(r.base, r.layer, text, t);
    if (/^[A-Za-z]{2,}$/.test(text)) {
      // "aw" is a times w, as a person writes it: split into letters.
      this.i--;
      this.toks.splice(this.i, 1, ...[...text].map((ch, k): Token => ({ kind: 'word', text: ch, pos: t.pos + k })));
      return this.word();
    }
    if (text === 'n') return { kind: 'num', value: Number.NaN, outputs: true, pos: t.pos };
    if (text === 'C') this.fail('C is what is differentiated; the formula is its derivative (the gradient of the loss in the output is \\nabla_a C)', t);
    if (/^[a-z]$/.test(text)) this.fail(`"${text}" is not a name of the network (an index belongs in a subscript, as in a^{(1)}_${text})`, t);
    return this.fail(`unknown name "${text}"; names are W, b, a, z, x, y with a layer as in W^{(2)}, w^{2} or W^{(L-1)}, and \\delta, R or \\eta`, t);
  }

  private command(): FNode {
    const t = this.next() as Extract<Token, { kind: 'cmd' }>;
    const name = t.name;
    if (name === 'frac' || name === 'dfrac' || name === 'tfrac') return this.fraction(t);
    if (name === 'sqrt') {
      if (this.isSym('[')) this.fail('only square roots: \\sqrt{…}');
      return callOf('sqrt', [this.group()], t.pos);
    }
    if (FUNCTION_CMDS.has(name)) return this.applyFunction(functionName(name)!, t);
    if (INDICATOR_CMDS.has(name) && this.indicatorAhead()) return this.indicator(t);
    if (NAMED_CMDS.has(name)) {
      const inner = this.bracedWord();
      const fn = functionName(inner.text);
      if (fn) return this.applyFunction(fn, inner);
      const r = nameRef(inner.text);
      if (r) return this.name(r.base, r.layer, inner.text, inner);
      return this.fail(`unknown function "${inner.text}"`, inner);
    }
    const named = NAME_CMDS.get(name);
    if (named) {
      const r = nameRef(named)!;
      return this.name(r.base, r.layer, `\\${name}`, t);
    }
    if (FONT_CMDS.has(name)) {
      // \mathbf{W}^{(2)}: the font is only decoration around a name.
      this.expect('{');
      const inner = this.peek();
      const innerName = inner.kind === 'word' ? inner.text : inner.kind === 'cmd' ? NAME_CMDS.get(inner.name) : undefined;
      const r = innerName === undefined ? undefined : nameRef(innerName);
      if (!r) return this.fail(`\\${name}{…} must hold a name of the network`, inner);
      this.next();
      this.expect('}');
      return this.name(r.base, r.layer, inner.kind === 'word' ? inner.text : `\\${innerName}`, inner);
    }
    if (name === 'nabla') return this.gradient(t);
    if (name === 'sum') return this.sum(t);
    if (name === 'begin') return this.matrix(t);
    if (name === 'partial') return this.fail('write the formula of the derivative, not ∂… (∂C/∂a^L, the gradient of the loss, may be written \\frac{\\partial C}{\\partial a^L})', t);
    if (NOT_A_START.has(name)) return this.fail(`unexpected \\${name}`, t);
    return this.fail(`\\${name} is not part of the notation`, t);
  }

  /** \frac{a}{b}, or \frac{\partial C}{\partial a^L_j}: the gradient of the loss in the output. */
  private fraction(t: Token): FNode {
    if (this.isSym('{') && this.isCmd('partial', 1) && this.isLoss(2) && this.isSym('}', 3)) {
      this.i += 4;
      this.expect('{');
      if (!this.isCmd('partial')) this.fail('∂C over ∂a^L: the gradient of the loss in the output');
      this.next();
      const of = this.primary();
      this.expect('}');
      return this.gradientOf(of, t);
    }
    const a = this.group();
    const b = this.group();
    return { kind: 'bin', op: '/', left: a, right: b, pos: t.pos, implicit: true };
  }

  /** \nabla_a C, \nabla_{a^L} C, \nabla_{a^{(L)}} C. */
  private gradient(t: Token): FNode {
    if (!this.isSym('_')) this.fail('∇ needs what it differentiates by: \\nabla_a C', t);
    this.next();
    const of = this.group();
    this.splitFirst();
    if (!this.isLoss(0)) this.fail('∇_a C: the gradient of the loss C (or J, E, L, \\ell)', this.peek());
    this.next();
    return this.gradientOf(of, t);
  }

  /** The loss by a name books give it: C (Nielsen, the question), J (Goodfellow), E (Bishop), L, \ell. */
  private isLoss(k: number): boolean {
    return ['C', 'J', 'E', 'L'].some((w) => this.isWord(w, k)) || this.isCmd('ell', k);
  }

  private gradientOf(of: FNode, t: Token): FNode {
    void t;
    // ∂C/∂z^{(l)} is δ^{(l)} by its definition.
    if (of.kind === 'ref' && of.base === 'z') return ref('delta', of.layer, of.indices, `∂C/∂${of.spelled}`, of.pos);
    if (of.kind !== 'ref' || of.base !== 'a' || (of.layer !== undefined && of.layer !== this.o.depth)) {
      throw new SyntaxProblem(`only the gradient of the loss in the output, ∂C/∂a^{L}, can be written as a derivative (here L = ${this.o.depth}); write the formula of any other`, of.pos);
    }
    return ref('grad', this.o.depth, of.indices, '∇_a C', t.pos);
  }

  /** After \mathbb: {1}, 1, {I}. */
  private indicatorAhead(): boolean {
    const one = (k: number): boolean => (this.isNum(k) && this.peek(k).kind === 'num' && (this.peek(k) as { text: string }).text === '1') || this.isWord('I', k);
    return (this.isSym('{') && one(1) && this.isSym('}', 2)) || one(0);
  }

  /** \mathbb{1}[z > 0], \mathbb{1}(z > 0), \mathbb{1}_{z > 0}. */
  private indicator(t: Token): FNode {
    this.i += this.isSym('{') ? 3 : 1;
    if (this.isSym('_')) {
      this.next();
      this.expect('{');
      const cond = this.expr();
      const mask = this.comparison(cond) ?? this.fail('an indicator holds a comparison: \\mathbb{1}_{z > 0}', t);
      this.expect('}');
      return mask;
    }
    if (!this.isSym('(') && !this.isSym('[') && !this.isSym('{')) this.fail('an indicator holds a comparison: \\mathbb{1}[z > 0]', t);
    const mask = this.bracketed();
    if (mask.kind !== 'call' || mask.fn !== 'step') this.fail('an indicator holds a comparison: \\mathbb{1}[z > 0]', t);
    return mask;
  }

  private bracedWord(): Extract<Token, { kind: 'word' }> {
    this.expect('{');
    const w = this.peek();
    if (w.kind !== 'word') this.fail(`expected a name, found ${describe(w)}`);
    this.next();
    this.expect('}');
    return w as Extract<Token, { kind: 'word' }>;
  }

  /** A prime (', ^\prime, ^{\prime}) next: consumed when there is one. */
  private prime(): boolean {
    if (this.isSym("'")) { this.next(); return true; }
    if (!this.isSym('^')) return false;
    if (this.isCmd('prime', 1)) { this.i += 2; return true; }
    if (this.isSym('{', 1) && (this.isCmd('prime', 2) || this.isSym("'", 2)) && this.isSym('}', 3)) { this.i += 4; return true; }
    return false;
  }

  /** σ(z), σ'(z), \tanh'(z), \tanh^2(z), \tanh z. */
  private applyFunction(fn: string, at: Token): FNode {
    let f = fn;
    if (this.prime()) {
      const d = primed(fn);
      if (!d) this.fail(`a derivative with a prime is written for \\sigma, f, \\tanh, sigmoid, relu and softplus, not ${fn}`, at);
      f = d;
    }
    let power: FNode | undefined;
    if (this.isSym('^')) {
      // \tanh^2(z) is (\tanh z)^2, as printed in tables of derivatives.
      const caret = this.next();
      power = this.group();
      if (power.kind !== 'num') this.fail(`a power of a function is a number: \\${fn}^2(z)`, caret);
    }
    const paren = this.isSym('(') || this.isSym('[') || this.isSym('{');
    if (fn === 'sigma' && !paren) this.fail('\\sigma needs its argument in parentheses: \\sigma(z^{(l)})');
    const arg = paren ? this.primary() : this.postfix();
    const call = callOf(f, [arg], at.pos);
    return power ? bin('^', call, power, at.pos) : call;
  }

  /** A name with its scripts: W^{(L)}_{i,j}(k), w^{2}_{jk}, a^{L-1}_i, a^{(L)^*}_i, \delta^{(2)}. */
  private name(base0: Base, layer0: number | undefined, spelled: string, at: Token): FNode {
    let base = base0;
    let layer = layer0;
    let indices: Idx[] | undefined;
    let star = false;
    let transposed = false;
    if (spelled === 'w') this.weight = 'w';
    const powerHint = (what: string): string => `a superscript on ${what} is its layer, never a power: write a power with parentheses, as in (a^{(1)})^2`;
    for (;;) {
      if (this.isSym('_')) {
        const u = this.next();
        if (indices) this.fail('a second subscript', u);
        indices = this.subscript();
        continue;
      }
      if (!this.isSym('^')) break;
      const caretAt = this.i;
      const caret = this.next();
      if (this.isSym('(') || (this.isSym('{') && this.isSym('(', 1))) {
        if (layer !== undefined && layer0 === undefined) this.fail(`a second layer: ${powerHint('a name')}`, caret);
        const braced = this.isSym('{');
        if (braced) this.next();
        const open = this.expect('(');
        if (layer0 !== undefined) this.fail('the layer is already in the name', open);
        layer = this.layerExpr();
        this.parenLayers++;
        this.expect(')');
        if (braced) star = this.closeScript(star, () => { transposed = true; });
        continue;
      }
      if (this.isSym('*') || this.isCmd('ast') || (this.isSym('{') && (this.isSym('*', 1) || this.isCmd('ast', 1)) && this.isSym('}', 2))) {
        this.i += this.isSym('{') ? 3 : 1;
        star = true;
        continue;
      }
      if (this.transposeMark()) { transposed = true; continue; }
      const isX = base === 'a' && layer0 === 0;
      if (layer0 !== undefined && !isX) this.fail(`${spelled} already names its layer: ${powerHint(spelled)}`, caret);
      if (!LAYERED.has(base) || isX) {
        // x, y, R have no layers: a superscript on them is a power, left for postfix.
        this.i = caretAt;
        break;
      }
      if (layer !== undefined) this.fail(`${spelled} already has its layer: ${powerHint('a name')}`, caret);
      // A bare layer: w^{2}, a^{L-1}, z^L, \delta^{l+1}.
      const braced = this.isSym('{');
      if (braced) this.next(); else this.splitFirst();
      const t = this.peek();
      if (!(t.kind === 'num' || this.isWord('L') || this.isWord('l'))) this.fail(`the layer is a number, L, L-1, l or l+1: ${powerHint(spelled)}`, t);
      try {
        layer = braced ? this.layerExpr() : this.layerAtom();
        if (braced) star = this.closeScript(star, () => { transposed = true; });
      } catch (err) {
        // w^{3} on a two-layer network, a^{2x}: a layer that does not exist, or a power written without parentheses
        if (err instanceof SyntaxProblem) throw new SyntaxProblem(`${err.message}; ${powerHint(spelled)}`, err.pos);
        throw err;
      }
      this.bareLayers++;
    }
    // W(k): the current value of a parameter.
    if ((base === 'W' || base === 'b') && this.isSym('(') && this.isWord('k', 1)) {
      if (this.isSym(')', 2)) this.i += 3;
      else if (this.isSym('+', 2)) this.fail('(k+1) belongs on the left-hand side of an update: W(k+1) = …', this.peek(1));
    }
    if (star && base !== 'y') {
      if (base !== 'a' || (layer !== undefined && layer !== this.o.depth)) this.fail('the target is a^{(L)*}: the output layer with a star', at);
      base = 'y';
      layer = undefined;
      this.star = true;
    }
    if (base === 'y' && layer !== undefined) this.fail('the target y has no layer', at);
    const node = ref(base, layer, indices ?? [], star ? 'a^{(L)*}' : spelled, at.pos);
    return transposed ? transposeOf(node, at.pos) : node;
  }

  /** The rest of a braced superscript after its layer: (L)^*, (L)*, (2)T, (2)\top, then "}". Returns whether a star was seen. */
  private closeScript(star0: boolean, onTranspose: () => void): boolean {
    let star = star0;
    for (;;) {
      if (this.isSym('^')) this.next();
      if (this.isSym('*') || this.isCmd('ast')) { this.next(); star = true; continue; }
      if (this.transposeMark()) { onTranspose(); continue; }
      break;
    }
    this.expect('}');
    return star;
  }

  /** 2, L, l: one token of a layer. */
  private layerAtom(): number {
    const t = this.next();
    let layer: number;
    if (t.kind === 'num' && Number.isInteger(t.value)) { layer = t.value; this.numbered++; }
    else if (t.kind === 'word' && t.text === 'L') { layer = this.o.depth; if (this.relative === 'none') this.relative = 'L'; }
    else if (t.kind === 'word' && t.text === 'l') {
      if (this.o.layer === undefined) this.fail('l is the layer of --wrt; name the layer here, as in W^{(2)}', t);
      layer = this.o.layer;
      if (this.relative === 'none') this.relative = 'l';
    } else return this.fail('a layer is a number, L, L-1, l or l+1: (2), (L), (L-1)', t);
    return this.checkLayer(layer, t);
  }

  /** 2, L, L-1, l+1: a layer, checked against the network. */
  private layerExpr(): number {
    const first = this.peek();
    let layer = this.layerAtom();
    if ((this.isSym('-') || this.isSym('+')) && first.kind === 'word') {
      const sign = this.next() as Extract<Token, { kind: 'sym' }>;
      const k = this.next();
      if (k.kind !== 'num' || !Number.isInteger(k.value)) this.fail(`expected a whole number, as in (${first.text}-1)`, k);
      layer += sign.text === '-' ? -(k as { value: number }).value : (k as { value: number }).value;
      this.checkLayer(layer, k);
    }
    return layer;
  }

  private checkLayer(layer: number, t: Token): number {
    if (layer < 0 || layer > this.o.depth) this.fail(`layer ${layer} does not exist: the network has layers 0 (the input) to ${this.o.depth}`, t);
    return layer;
  }

  /** _i, _{i,j}, _{ij}, _{1}, _2 → indices. */
  private subscript(): Idx[] {
    const out: Idx[] = [];
    const one = (t: Token): void => {
      if (t.kind === 'num' && Number.isInteger(t.value) && t.value >= 1) out.push(lit(t.value, t.pos));
      else if (t.kind === 'word' && /^[a-z]+$/.test(t.text)) [...t.text].forEach((ch, k) => out.push(ivar(ch, t.pos + k)));
      else this.fail('an index is a whole number from 1 or a letter', t);
    };
    if (this.isSym('{')) {
      this.next();
      while (!this.isSym('}')) {
        const t = this.next();
        if (t.kind === 'sym' && t.text === ',') continue;
        if (t.kind === 'eof') this.fail('expected "}"', t);
        one(t);
      }
      this.next();
    } else {
      this.splitFirst();
      one(this.next());
    }
    if (out.length === 0 || out.length > 2) this.fail('one or two indices', this.peek(-1));
    return out;
  }

  /** \sum_{i}, \sum_{i=1}^{n}, \sum_i: the rest of the product is summed over i. */
  private sum(at: Token): FNode {
    if (!this.isSym('_')) this.fail('\\sum needs its index: \\sum_{i}', at);
    this.next();
    const braced = this.isSym('{');
    if (braced) this.next(); else this.splitFirst();
    const ix = this.next();
    if (ix.kind !== 'word' || !/^[a-z]$/.test(ix.text)) this.fail('the summation index is one letter', ix);
    if (braced) {
      // bounds are implied by where the index is used
      let depth = 0;
      while (!(depth === 0 && this.isSym('}'))) {
        const t = this.next();
        if (t.kind === 'eof') this.fail('expected "}"', t);
        if (t.kind === 'sym' && t.text === '{') depth++;
        if (t.kind === 'sym' && t.text === '}') depth--;
      }
      this.next();
    }
    if (this.isSym('^')) { this.next(); this.skipGroup(); }
    const body = this.term();
    return { kind: 'sum', index: (ix as { text: string }).text, body, pos: at.pos };
  }

  /** Skip a script whose content does not matter (the upper bound of a sum). */
  private skipGroup(): void {
    if (!this.isSym('{')) { this.splitFirst(); this.next(); return; }
    let depth = 0;
    do {
      const t = this.next();
      if (t.kind === 'eof') this.fail('expected "}"', t);
      if (t.kind === 'sym' && t.text === '{') depth++;
      if (t.kind === 'sym' && t.text === '}') depth--;
    } while (depth > 0);
  }

  /** \begin{bmatrix} a & b \\ c & d \end{bmatrix} */
  private matrix(at: Token): FNode {
    const env = this.bracedWord();
    if (!/^[pbvB]?matrix$/.test(env.text)) this.fail(`environment ${env.text} is not part of the notation`, env);
    const rows: FNode[][] = [[]];
    for (;;) {
      rows[rows.length - 1]!.push(this.expr());
      if (this.isSym('&')) { this.next(); continue; }
      if (this.isSym('\\\\')) {
        this.next();
        if (this.isCmd('end')) break;
        rows.push([]);
        continue;
      }
      break;
    }
    if (!this.isCmd('end')) this.fail(`expected & or \\\\ or \\end{${env.text}}`);
    this.next();
    const end = this.bracedWord();
    if (end.text !== env.text) this.fail(`\\begin{${env.text}} ends with \\end{${end.text}}`, end);
    if (rows.some((r) => r.length !== rows[0]!.length)) this.fail('a matrix needs rows of equal length', at);
    return { kind: 'matrix', rows, pos: at.pos };
  }
}
