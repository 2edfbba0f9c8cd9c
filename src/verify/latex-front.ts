// Formula in the question's LaTeX notation → the same formula tree as the
// mathjs route. A small recursive-descent parser over the tokens, because
// nerdamer's convertFromLaTeX misreads subscripts, \frac{∂C}{∂w} and \sigma(z)
// without an error. Layers are superscripts in parentheses: (2), (L), (L-1);
// a^{(L)*} is the target; subscripts are indices; juxtaposition multiplies.
import { bin, callOf, deepNode, ivar, lit, neg, num, ref, transposeOf, type Base, type BinOp, type FNode, type Idx } from './ast.ts';
import { SyntaxProblem } from './errors.ts';
import { tokenize, type Token } from './latex-lexer.ts';
import { MAX_DEPTH, precheck } from './mathjs-front.ts';
import { functionName, nameRef } from './names.ts';

export interface LatexParse {
  readonly tree: FNode;
  /** Layers were written relative to the last, (L) and (L-1): answer in the same notation. */
  readonly questionNotation: boolean;
}

/** Parse the right-hand side; `depth` is L, the number of layers; positions are shifted by `offset`. */
export function parseLatexFormula(text: string, depth: number, offset = 0): LatexParse {
  precheck(text);
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (err) {
    if (err instanceof SyntaxProblem) throw new SyntaxProblem(err.message, err.pos + offset);
    throw err;
  }
  const p = new Parser(tokens.map((t) => ({ ...t, pos: t.pos + offset })), depth);
  const tree = p.expr();
  p.expectEnd();
  const deep = deepNode(tree, MAX_DEPTH);
  if (deep) throw new SyntaxProblem(`the formula is nested more than ${MAX_DEPTH} operations deep: break it up`, deep.pos);
  return { tree, questionNotation: p.questionNotation };
}

const PRODUCT_CMDS = new Map<string, BinOp>([['cdot', '*'], ['times', '*'], ['ast', '*'], ['odot', '.*'], ['circ', '.*'], ['oslash', './'], ['div', '/']]);
const NOT_A_START = new Set([...PRODUCT_CMDS.keys(), 'top', 'intercal', 'prime', 'end']);
const FUNCTION_CMDS = new Set(['exp', 'log', 'ln', 'tanh', 'sinh', 'cosh', 'sin', 'cos', 'sigma']);
const FONT_CMDS = new Set(['mathbf', 'boldsymbol', 'bm', 'vec', 'mathit', 'mathbfit', 'pmb']);
const NAME_CMDS = new Map<string, string>([['delta', 'delta'], ['eta', 'eta']]);

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
  questionNotation = false;
  constructor(private readonly toks: Token[], private readonly depth: number) {}

  private peek(k = 0): Token { return this.toks[Math.min(this.i + k, this.toks.length - 1)]!; }
  private next(): Token { const t = this.peek(); if (t.kind !== 'eof') this.i++; return t; }
  private isSym(text: string, k = 0): boolean { const t = this.peek(k); return t.kind === 'sym' && t.text === text; }
  private isCmd(name: string, k = 0): boolean { const t = this.peek(k); return t.kind === 'cmd' && t.name === name; }
  private isWord(text: string, k = 0): boolean { const t = this.peek(k); return t.kind === 'word' && t.text === text; }
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
    if (this.isSym('-')) { const t = this.next(); left = neg(this.term(), t.pos); }
    else { if (this.isSym('+')) this.next(); left = this.term(); }
    while (this.isSym('+') || this.isSym('-')) {
      const t = this.next() as Extract<Token, { kind: 'sym' }>;
      left = bin(t.text as BinOp, left, this.term(), t.pos);
    }
    return left;
  }

  private term(): FNode {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      let op: BinOp | undefined;
      if (t.kind === 'sym' && (t.text === '*' || t.text === '/')) op = t.text;
      else if (t.kind === 'cmd') op = PRODUCT_CMDS.get(t.name);
      if (op) {
        this.next();
        left = bin(op, left, this.unary(), t.pos);
      } else if (this.startsFactor(t)) {
        // Juxtaposition: a w, 2(a − y), R a^{(L-1)}.
        left = bin('*', left, this.postfix(), t.pos);
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
      if (this.isTransposeMark()) { base = transposeOf(base, caret.pos); continue; }
      if (this.isSym('*') || (this.isSym('{') && this.isSym('*', 1))) this.fail('"^*" marks the target: write a^{(L)*} or y', caret);
      const exponent = this.group();
      const isE = base.kind === 'call' && base.fn === 'exp' && base.args[0]?.kind === 'num' && base.args[0].value === 1;
      base = isE ? callOf('exp', [exponent], base.pos) : bin('^', base, exponent, caret.pos);
    }
  }

  /** After "^": T, \top, {T}, {\top}, {\mathsf{T}}; consumes it when it is one. */
  private isTransposeMark(): boolean {
    const mark = (k: number): number => {
      if (this.isWord('T', k) || this.isCmd('top', k) || this.isCmd('intercal', k)) return 1;
      if ((this.isCmd('mathsf', k) || this.isCmd('mathrm', k)) && this.isSym('{', k + 1) && this.isWord('T', k + 2) && this.isSym('}', k + 3)) return 4;
      return 0;
    };
    const t = this.peek();
    if (t.kind === 'word' && t.text.length > 1 && t.text.startsWith('T')) this.splitFirst();
    const single = mark(0);
    if (single > 0) { this.i += single; return true; }
    if (this.isSym('{')) {
      const inner = mark(1);
      if (inner > 0 && this.isSym('}', 1 + inner)) { this.i += inner + 2; return true; }
    }
    return false;
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
        const close = t.text === '(' ? ')' : t.text === '[' ? ']' : t.text === '{' ? '}' : undefined;
        if (!close) return this.fail(`unexpected ${describe(t)}`);
        this.next();
        const e = this.expr();
        this.expect(close);
        return e;
      }
      case 'eof': return this.fail('unexpected end of the formula');
    }
  }

  private word(): FNode {
    const t = this.next() as Extract<Token, { kind: 'word' }>;
    const text = t.text;
    const fn = text.length > 1 ? functionName(text) : undefined;
    if (fn) return this.applyFunction(fn, t);
    if (text === 'e') return callOf('exp', [num(1, t.pos)], t.pos);
    const r = nameRef(text);
    if (r) return this.name(r.base, r.layer, text, t);
    if (/^[A-Za-z]{2,}$/.test(text)) {
      // "aw" is a times w, as a person writes it: split into letters.
      this.i--;
      this.toks.splice(this.i, 1, ...[...text].map((ch, k): Token => ({ kind: 'word', text: ch, pos: t.pos + k })));
      return this.word();
    }
    if (text === 'C') this.fail('C is what is differentiated; the formula is its derivative', t);
    if (/^[a-z]$/.test(text)) this.fail(`"${text}" is not a name of the network (an index belongs in a subscript, as in a^{(1)}_${text})`, t);
    return this.fail(`unknown name "${text}"; names are W, b, a, z, x, y with a layer as in W^{(2)} or W^{(L-1)}, and \\delta, R or \\eta`, t);
  }

  private command(): FNode {
    const t = this.next() as Extract<Token, { kind: 'cmd' }>;
    const name = t.name;
    if (name === 'frac' || name === 'dfrac' || name === 'tfrac') {
      const a = this.group();
      const b = this.group();
      return bin('/', a, b, t.pos);
    }
    if (name === 'sqrt') {
      if (this.isSym('[')) this.fail('only square roots: \\sqrt{…}');
      return callOf('sqrt', [this.group()], t.pos);
    }
    if (FUNCTION_CMDS.has(name)) return this.applyFunction(functionName(name)!, t);
    if (name === 'operatorname' || name === 'mathrm' || name === 'text' || name === 'textrm' || name === 'mathsf') {
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
    if (name === 'sum') return this.sum(t);
    if (name === 'begin') return this.matrix(t);
    if (name === 'partial') return this.fail('write the formula of the derivative, not ∂…', t);
    if (NOT_A_START.has(name)) return this.fail(`unexpected \\${name}`, t);
    return this.fail(`\\${name} is not part of the notation`, t);
  }

  private bracedWord(): Extract<Token, { kind: 'word' }> {
    this.expect('{');
    const w = this.peek();
    if (w.kind !== 'word') this.fail(`expected a name, found ${describe(w)}`);
    this.next();
    this.expect('}');
    return w as Extract<Token, { kind: 'word' }>;
  }

  private applyFunction(fn: string, at: Token): FNode {
    let f = fn;
    // σ'(z), \sigma^{\prime}(z): the derivative of the layer's activation.
    const primed = this.isSym("'") || (this.isSym('^') && (this.isCmd('prime', 1) || (this.isSym('{', 1) && (this.isCmd('prime', 2) || this.isSym("'", 2)) && this.isSym('}', 3))));
    if (primed) {
      if (fn !== 'sigma' && fn !== 'sigmoid') this.fail(`a derivative is written only for \\sigma: \\sigma'(z^{(l)})`, at);
      if (this.isSym("'")) this.next();
      else if (this.isCmd('prime', 1)) this.i += 2;
      else this.i += 4;
      f = fn === 'sigma' ? 'dsigma' : 'dsigmoid';
    }
    if (fn === 'sigma' && !primed && !this.isSym('(') && !this.isSym('[') && !this.isSym('{')) {
      this.fail('\\sigma needs its argument in parentheses: \\sigma(z^{(l)})');
    }
    const arg = this.isSym('(') || this.isSym('[') || this.isSym('{') ? this.primary() : this.postfix();
    return callOf(f, [arg], at.pos);
  }

  /** A name with its scripts: W^{(L)}_{i,j}(k), a^{(L-1)}_i, a^{(L)^*}_i, \delta^{(2)}. */
  private name(base0: Base, layer0: number | undefined, spelled: string, at: Token): FNode {
    let base = base0;
    let layer = layer0;
    let indices: Idx[] | undefined;
    let star = false;
    let transposed = false;
    for (;;) {
      if (this.isSym('_')) {
        const u = this.next();
        if (indices) this.fail('a second subscript', u);
        indices = this.subscript();
        continue;
      }
      if (!this.isSym('^')) break;
      const caretAt = this.i;
      this.next();
      if (this.isSym('(') || (this.isSym('{') && this.isSym('(', 1))) {
        if (layer !== undefined && layer0 === undefined) this.fail('a second layer', this.peek());
        const braced = this.isSym('{');
        if (braced) this.next();
        layer = this.layerSpec(layer0);
        // (L)^*, (L)*, (2)T, (2)\top inside the same braces
        if (braced) {
          for (;;) {
            if (this.isSym('^')) this.next();
            if (this.isSym('*') || this.isCmd('ast')) { this.next(); star = true; continue; }
            if (this.isTransposeMark()) { transposed = true; continue; }
            break;
          }
          this.expect('}');
        }
        continue;
      }
      if (this.isSym('*') || this.isCmd('ast') || (this.isSym('{') && (this.isSym('*', 1) || this.isCmd('ast', 1)) && this.isSym('}', 2))) {
        this.i += this.isSym('{') ? 3 : 1;
        star = true;
        continue;
      }
      if (this.isTransposeMark()) { transposed = true; continue; }
      this.i = caretAt; // a power: left for postfix
      break;
    }
    // W(k): the current value of a parameter.
    if ((base === 'W' || base === 'b') && this.isSym('(') && this.isWord('k', 1)) {
      if (this.isSym(')', 2)) this.i += 3;
      else if (this.isSym('+', 2)) this.fail('(k+1) belongs on the left-hand side of an update: W(k+1) = …', this.peek(1));
    }
    if (star && base !== 'y') {
      if (base !== 'a' || (layer !== undefined && layer !== this.depth)) this.fail('the target is a^{(L)*}: the output layer with a star', at);
      base = 'y';
      layer = undefined;
    }
    if (base === 'y' && layer !== undefined) this.fail('the target y has no layer', at);
    const node = ref(base, layer, indices ?? [], star ? 'a^{(L)*}' : spelled, at.pos);
    return transposed ? transposeOf(node, at.pos) : node;
  }

  /** (L), (L-1), (L - 2), (3) → a layer number. The opening "(" is next. */
  private layerSpec(given: number | undefined): number {
    const open = this.expect('(');
    if (given !== undefined) this.fail('the layer is already in the name', open);
    const t = this.next();
    let layer: number;
    if (t.kind === 'num' && Number.isInteger(t.value)) layer = t.value;
    else if (t.kind === 'word' && t.text === 'L') {
      this.questionNotation = true;
      layer = this.depth;
      if (this.isSym('-') || this.isSym('+')) {
        const sign = this.next() as Extract<Token, { kind: 'sym' }>;
        const k = this.next();
        if (k.kind !== 'num' || !Number.isInteger(k.value)) this.fail('expected a whole number, as in (L-1)', k);
        layer += sign.text === '-' ? -(k as { value: number }).value : (k as { value: number }).value;
      }
    } else {
      return this.fail('a layer is a number or L, L-1, …: (2), (L), (L-1)', t);
    }
    if (layer < 0 || layer > this.depth) this.fail(`layer ${layer} does not exist: the network has layers 0 (the input) to ${this.depth}`, t);
    this.expect(')');
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
