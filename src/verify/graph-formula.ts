// Graph formulas: the tree, its two front ends (mathjs syntax and LaTeX) and
// its two printers. The notation is described at the top of graph.ts. Names are
// resolved while parsing to canonical names (W_h_h, h, z_h, delta_h, x, y,
// lambda); a step is kept as written (t, t−1, T, 3) and checked later.
import type { MathNode } from 'mathjs';
import { math } from '../symbolic/mathjs.ts';
import { SyntaxProblem } from './errors.ts';
import { L2, RATE, type GraphNames } from './graph-names.ts';
import { tokenize, type Token } from './latex-lexer.ts';
import { precheck } from './mathjs-front.ts';
import { treeWalks } from './tree.ts';

/** A step: t + shift, T + shift, or a number. */
export type Step = { readonly base: 't' | 'T'; readonly shift: number } | { readonly base: 'lit'; readonly value: number };

export type GOp = '+' | '-' | '*' | '.*' | '/' | './' | '^';

/** An element index: a number from 1 or a letter (a free index of --wrt, or a sum's). */
export type Idx = { readonly kind: 'lit'; readonly value: number } | { readonly kind: 'var'; readonly name: string };

export type GNode = { readonly pos: number } & (
  | { readonly kind: 'num'; readonly value: number }
  /** `index`: one element (W_h[j,k], delta_h[t][j]); the value is then a number. */
  | { readonly kind: 'ref'; readonly name: string; readonly step?: Step; readonly index?: readonly Idx[] }
  | { readonly kind: 'neg'; readonly arg: GNode }
  /** `implicit`: juxtaposition, which two column vectors of one size make elementwise. */
  | { readonly kind: 'bin'; readonly op: GOp; readonly left: GNode; readonly right: GNode; readonly implicit?: boolean }
  | { readonly kind: 'transpose'; readonly arg: GNode }
  /** Elementwise functions; `f`/`df` are node `node`'s activation and its derivative; diag(v) is a matrix. */
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly GNode[]; readonly node?: string; readonly inclusive?: true }
  /**
   * Σ over t = 1..T (`index` t; with `steps`, from `steps.from` to T + `steps.toShift`, as in \\sum_{t=2}^{T}
   * or \\sum_{t=0}^{T-1}), or over an element index letter (its range from where it indexes).
   */
  | { readonly kind: 'sum'; readonly body: GNode; readonly index: string; readonly steps?: SumSteps }
  /** Rows from..to (1-based, inclusive) of a column vector: [δ_m]_{1:3}, delta_m[t][1:3] (a concat's part). */
  | { readonly kind: 'slice'; readonly arg: GNode; readonly from: number; readonly to: number }
  /** Column vectors stacked: [h_{t-1}; x_t], Colah's [h_{t-1}, x_t], \begin{bmatrix} … \end{bmatrix} (a concat node's value). */
  | { readonly kind: 'stack'; readonly parts: readonly GNode[] }
);

/** The bounds of a sum over the steps other than 1..T: t from `from` to T + `toShift`. */
export interface SumSteps { readonly from: number; readonly toShift: number }

/** The bounds of a sum over steps, or undefined when they are 1..T. */
const sumSteps = (from: number, toShift: number): SumSteps | undefined => (from === 1 && toShift === 0 ? undefined : { from, toShift });

export const FUNCTIONS = new Set(['exp', 'log', 'sqrt', 'abs', 'tanh', 'sinh', 'cosh', 'sech', 'sin', 'cos', 'sign', 'sigmoid', 'dsigmoid', 'dtanh', 'softplus', 'relu', 'step', 'diag', 'f', 'df']);
const ALIASES = new Map([['ln', 'log'], ['sigma', 'sigmoid'], ['logistic', 'sigmoid'], ['sgn', 'sign'], ['ReLU', 'relu'], ['phi', 'f']]);
const PRIMED = new Map([['sigmoid', 'dsigmoid'], ['tanh', 'dtanh'], ['relu', 'step'], ['softplus', 'sigmoid'], ['exp', 'exp'], ['f', 'df']]);
const functionName = (raw: string): string | undefined => {
  const f = ALIASES.get(raw) ?? raw;
  return FUNCTIONS.has(f) ? f : undefined;
};

export function children(n: GNode): GNode[] {
  switch (n.kind) {
    case 'num': case 'ref': return [];
    case 'neg': case 'transpose': return [n.arg];
    case 'bin': return [n.left, n.right];
    case 'call': return [...n.args];
    case 'sum': return [n.body];
    case 'slice': return [n.arg];
    case 'stack': return [...n.parts];
  }
}

export function withChildren(n: GNode, cs: readonly GNode[]): GNode {
  switch (n.kind) {
    case 'num': case 'ref': return n;
    case 'neg': case 'transpose': return { ...n, arg: cs[0]! };
    case 'bin': return { ...n, left: cs[0]!, right: cs[1]! };
    case 'call': return { ...n, args: cs };
    case 'sum': return { ...n, body: cs[0]! };
    case 'slice': return { ...n, arg: cs[0]! };
    case 'stack': return { ...n, parts: cs };
  }
}

export const { mapTree, nodesOf, replaceNode } = treeWalks<GNode>(children, withChildren);

export const gnum = (value: number, pos = 0): GNode => ({ kind: 'num', value, pos });
export const gref = (name: string, step?: Step, pos = 0): GNode => (step ? { kind: 'ref', name, step, pos } : { kind: 'ref', name, pos });
export const gbin = (op: GOp, left: GNode, right: GNode, pos = left.pos): GNode => ({ kind: 'bin', op, left, right, pos });
export const gT = (arg: GNode): GNode => ({ kind: 'transpose', arg, pos: arg.pos });
export const gsum = (body: GNode, index = 't'): GNode => ({ kind: 'sum', body, index, pos: body.pos });
export const gidx = (name: string, step: Step | undefined, index: readonly Idx[]): GNode => ({ ...(gref(name, step) as Extract<GNode, { kind: 'ref' }>), index });
const INDEX_LETTER = /^[a-su-z]$/;

/** The node a z_N or δ_N names (for f and f'). */
const nodeOfName = (name: string): string | undefined => /^(?:z|delta)_(.+)$/.exec(name)?.[1];

/** f(…)/f'(…): the node's activation, taken from the z_N (or node value) in the argument. */
function activationNode(arg: GNode, names: GraphNames, pos: number): string {
  for (const n of nodesOf(arg)) {
    if (n.kind !== 'ref') continue;
    const node = nodeOfName(n.name) ?? (names.nodes.has(n.name) ? n.name : undefined);
    const spec = node ? names.nodes.get(node) : undefined;
    if (spec && (spec.kind === 'dense' || spec.kind === 'of')) return node!;
  }
  throw new SyntaxProblem("f(…) and f'(…) are a node's activation: write them of its pre-activation, as in f'(z_h[t])", pos);
}

// ---------------------------------------------------------------- mathjs

type AnyNode = MathNode & { [k: string]: unknown };

const BINARY = new Map<string, GOp>([['add', '+'], ['subtract', '-'], ['multiply', '*'], ['divide', '/'], ['dotMultiply', '.*'], ['dotDivide', './'], ['pow', '^'], ['dotPow', '^']]);

/** A name as a mathjs symbol: W_h_h (or W_hh), h, z_h, delta_h, delta (the default node), x, y, lambda. */
export function resolveSymbol(raw: string, names: GraphNames): string | undefined {
  // lambda is the l2 coefficient, unless a node takes the name.
  if (raw === 'lambda' && !names.nodes.has(raw)) return names.l2 !== undefined ? L2 : undefined;
  if (names.has(raw)) return raw;
  const m = /^(W|b)_(.+)$/.exec(raw);
  if (m) return names.param(m[1] as 'W' | 'b', m[2]!.split('_'));
  if ((raw === 'delta' || raw === 'z') && names.defaultNode) return `${raw}_${names.defaultNode}`;
  const a = /^a_([a-z][a-z0-9]*)$/.exec(raw);
  if (a && names.nodes.has(a[1]!)) return a[1];
  return undefined;
}

export function parseGraphMathjs(text: string, names: GraphNames, offset = 0): GNode {
  precheck(text);
  const prepared = text.replace(/(?<![\w$])([A-Za-z]\w*)'(?=\s*\()/g, (m, name: string) => {
    const fn = functionName(name);
    return fn && PRIMED.has(fn) ? `${name}$` : m;
  });
  let tree: MathNode;
  try {
    tree = math.parse(prepared);
  } catch (err) {
    const e = err as { message?: string; char?: number };
    throw new SyntaxProblem(String(e.message ?? err).replace(/\s*\(char \d+\)\s*$/, ''), offset + Math.max(0, (e.char ?? 1) - 1));
  }
  const at = (token: string): number => offset + Math.max(0, text.indexOf(token));
  const read = (node: MathNode): GNode => {
    const n = node as AnyNode;
    switch (node.type) {
      case 'ConstantNode':
        if (typeof n.value !== 'number' || !Number.isFinite(n.value)) throw new SyntaxProblem(`"${String(n.value)}" is not a number`, at(String(n.value)));
        return gnum(n.value, at(String(n.value)));
      case 'ParenthesisNode': return read(n.content as MathNode);
      case 'SymbolNode': {
        const raw = n.name as string;
        // A node of that name is the node: the constants are e and pi only where no node takes the name.
        if (raw === 'e' && !names.nodes.has(raw)) return { kind: 'call', fn: 'exp', args: [gnum(1)], pos: at(raw) };
        if (raw === 'pi' && !names.nodes.has(raw)) return gnum(Math.PI, at(raw));
        if (raw === 't' || raw === 'T') throw new SyntaxProblem(`${raw} is a step: it belongs in brackets, as in h[${raw}]`, at(raw));
        if (raw === 'eta' && names.rate !== undefined && !names.nodes.has(raw)) return gref(RATE, undefined, at(raw));
        if (INDEX_LETTER.test(raw) && !names.has(raw)) throw new SyntaxProblem(`"${raw}" is not a name of the network (an index belongs in brackets, as in W_h[${raw},k])`, at(raw));
        if (raw === 'C') throw new SyntaxProblem('C is what is differentiated; the formula is its derivative', at(raw));
        const name = resolveSymbol(raw, names);
        if (!name) throw new SyntaxProblem(raw === 'delta' || raw === 'z' ? `plain ${raw} needs a node here: write ${raw}_N, as in ${raw}_${[...names.nodes.keys()][0]}` : names.unknown(raw), at(raw));
        return gref(name, undefined, at(raw));
      }
      case 'OperatorNode': {
        const fn = n.fn as string;
        const args = n.args as MathNode[];
        if (fn === 'unaryMinus') return { kind: 'neg', arg: read(args[0]!), pos: at('-') };
        if (fn === 'unaryPlus') return read(args[0]!);
        if (fn === 'ctranspose' || fn === 'transpose') return gT(read(args[0]!));
        // A mask: step of the difference; ≥ and ≤ are 1 where it is 0 too (inclusive).
        const inclusive = fn.endsWith('Eq') ? { inclusive: true as const } : {};
        if ((fn === 'larger' || fn === 'largerEq') && args.length === 2) return { kind: 'call', fn: 'step', args: [gbin('-', read(args[0]!), read(args[1]!))], ...inclusive, pos: at('>') };
        if ((fn === 'smaller' || fn === 'smallerEq') && args.length === 2) return { kind: 'call', fn: 'step', args: [gbin('-', read(args[1]!), read(args[0]!))], ...inclusive, pos: at('<') };
        const op = BINARY.get(fn);
        if (!op || args.length !== 2) throw new SyntaxProblem(`operator "${String(n.op)}" is not supported (use + - * / ^ .* ./ and ' for transpose)`, at(String(n.op)));
        const left = read(args[0]!);
        const right = read(args[1]!);
        return n.implicit ? { kind: 'bin', op, left, right, implicit: true, pos: left.pos } : gbin(op, left, right, left.pos);
      }
      case 'FunctionNode': {
        const fnNode = n.fn as AnyNode;
        const args = n.args as MathNode[];
        if (fnNode.type !== 'SymbolNode') throw new SyntaxProblem('only a named function can be called', at('('));
        const raw = fnNode.name as string;
        const pos = at(raw.replace(/\$$/, ''));
        if (raw === 'sum_t') {
          if (args.length !== 1) throw new SyntaxProblem('sum_t takes one term: sum_t(delta_h[t] * h[t-1]\')', pos);
          return { kind: 'sum', body: read(args[0]!), index: 't', pos };
        }
        if (raw === 'sum') {
          const index = args[1] as AnyNode | undefined;
          if ((args.length !== 2 && args.length !== 4) || index?.type !== 'SymbolNode' || !(index.name === 't' || INDEX_LETTER.test(index.name as string)) || (args.length === 4 && index.name !== 't')) {
            throw new SyntaxProblem('a sum runs over the steps, sum_t(…), sum(…, t) or sum(…, t, 2, T), or over an index letter, sum(W_h[i,j] * delta_h[i], i)', pos);
          }
          if (args.length === 4) {
            const bounds = mathjsSumBounds(args[2]!.toString(), args[3]!.toString(), names.T);
            if (!bounds) throw new SyntaxProblem('the bounds of a sum over the steps: a whole number from 0, and T or T minus a whole number, as in sum(…, t, 2, T)', pos);
            const steps = sumSteps(bounds.from, bounds.toShift);
            return { kind: 'sum', body: read(args[0]!), index: 't', ...(steps ? { steps } : {}), pos };
          }
          return { kind: 'sum', body: read(args[0]!), index: index.name as string, pos };
        }
        const base = functionName(raw.replace(/\$$/, ''));
        const fn = raw.endsWith('$') ? (base ? PRIMED.get(base) : undefined) : base;
        if (!fn) {
          // W_h_h(k): the parameter's value before the step, in an update (--update).
          const current = resolveSymbol(raw, names);
          if (current && names.rate !== undefined && names.isParam(current) && args.length === 1 && (args[0] as AnyNode).type === 'SymbolNode' && (args[0] as AnyNode).name === 'k') return gref(current, undefined, pos);
          if (resolveSymbol(raw, names)) throw new SyntaxProblem(`${raw}(…): a name followed by parentheses; write * to multiply, or ${raw}[t] for its value at step t`, pos);
          throw new SyntaxProblem(`unknown function "${raw.replace(/\$$/, "'")}" (functions: ${[...FUNCTIONS].join(', ')}; sum_t for a sum over the steps)`, pos);
        }
        if (args.length !== 1) throw new SyntaxProblem(`${raw} takes one argument, found ${args.length}`, pos);
        const arg = read(args[0]!);
        return fn === 'f' || fn === 'df' ? { kind: 'call', fn, args: [arg], node: activationNode(arg, names, pos), pos } : { kind: 'call', fn, args: [arg], pos };
      }
      case 'AccessorNode': {
        const object = n.object as AnyNode;
        const index = n.index as AnyNode;
        if (index.dotNotation) throw new SyntaxProblem('property access is not part of a formula', at('.'));
        const dims0 = index.dimensions as AnyNode[];
        // v[a:b]: rows a to b of a column vector (a concat's part), of any expression.
        if (dims0.length === 1 && dims0[0]!.type === 'RangeNode') {
          const r = dims0[0] as AnyNode;
          const bound = (b: AnyNode | undefined): number | undefined => (b?.type === 'ConstantNode' && typeof b.value === 'number' && Number.isInteger(b.value) && b.value >= 1 ? b.value : undefined);
          const [from, to] = [bound(r.start as AnyNode), bound(r.end as AnyNode)];
          if (from === undefined || to === undefined || from > to || r.step) throw new SyntaxProblem('a part of a vector is [a:b], whole numbers from 1 with a ≤ b', at('['));
          return { kind: 'slice', arg: read(object), from, to, pos: at('[') };
        }
        if (object.type !== 'SymbolNode' && object.type !== 'AccessorNode') throw new SyntaxProblem('only a name takes a step or an index, as in h[t-1] or W_h[j,k]', at('['));
        const target = read(object);
        if (target.kind !== 'ref' || target.index) throw new SyntaxProblem('only a name takes a step or an index, as in h[t-1] or W_h[j,k]', at('['));
        const dims = index.dimensions as AnyNode[];
        const pos = at('[');
        const isStep = (d: AnyNode): boolean => (d.type === 'SymbolNode' && (d.name === 't' || d.name === 'T')) || (d.type === 'OperatorNode' && (d.args as AnyNode[])[0]?.type === 'SymbolNode' && ['t', 'T'].includes((d.args as AnyNode[])[0]!.name as string));
        // A step comes first on a value of a sequence model (h[t], h[t][j]); anything else is an element index.
        const stepFirst = !names.isParam(target.name) && target.name !== L2 && target.name !== RATE && target.step === undefined && (names.sequence || (dims.length === 1 && isStep(dims[0]!)));
        if (stepFirst) {
          if (dims.length !== 1) throw new SyntaxProblem(`${printGraphMathjs(target)}[…] takes one step (t, t-1, T or a number), then an element index in a second bracket: h[t][j]`, pos);
          return { ...target, step: mathjsStep(dims[0]!, pos) };
        }
        return { ...target, index: dims.map((d) => mathjsIndex(d, pos)) };
      }
      case 'ArrayNode': {
        // [a; b]: column vectors stacked (mathjs reads it as rows of one item each).
        const rows = n.items as AnyNode[];
        if (!rows.every((r) => r.type === 'ArrayNode' && (r.items as AnyNode[]).length === 1)) throw new SyntaxProblem('column vectors are stacked with semicolons: [h[t-1]; x[t]]', at('['));
        return { kind: 'stack', parts: rows.map((r) => read((r.items as MathNode[])[0]!)), pos: at('[') };
      }
      default:
        throw new SyntaxProblem(`${node.type.replace(/Node$/, '').toLowerCase()} expressions are not part of a formula`, offset);
    }
  };
  return read(tree);
}

function mathjsIndex(d: AnyNode, pos: number): Idx {
  if (d.type === 'ConstantNode' && typeof d.value === 'number' && Number.isInteger(d.value) && d.value >= 1) return { kind: 'lit', value: d.value };
  if (d.type === 'SymbolNode' && INDEX_LETTER.test(d.name as string)) return { kind: 'var', name: d.name as string };
  throw new SyntaxProblem('an element index is a whole number from 1 or one letter (j, k, …; t is the step)', pos);
}

function mathjsStep(d: AnyNode, pos: number): Step {
  const fail = (): never => { throw new SyntaxProblem('a step is t, t-1, t+1, T, T-1 or a number from 0', pos); };
  if (d.type === 'ConstantNode' && typeof d.value === 'number' && Number.isInteger(d.value) && d.value >= 0) return { base: 'lit', value: d.value };
  if (d.type === 'SymbolNode' && (d.name === 't' || d.name === 'T')) return { base: d.name, shift: 0 };
  if (d.type === 'OperatorNode' && (d.fn === 'subtract' || d.fn === 'add')) {
    const [l, r] = d.args as AnyNode[];
    if (l?.type === 'SymbolNode' && (l.name === 't' || l.name === 'T') && r?.type === 'ConstantNode' && typeof r.value === 'number' && Number.isInteger(r.value)) {
      return { base: l.name, shift: d.fn === 'subtract' ? -r.value : r.value };
    }
  }
  return fail();
}

// ---------------------------------------------------------------- LaTeX

const FONT_CMDS = new Set(['mathbf', 'boldsymbol', 'bm', 'vec', 'mathit', 'mathbfit', 'pmb', 'mathrm', 'text', 'textrm', 'mathsf', 'operatorname']);
const FUNCTION_CMDS = new Map([['exp', 'exp'], ['log', 'log'], ['ln', 'log'], ['tanh', 'tanh'], ['sinh', 'sinh'], ['cosh', 'cosh'], ['sech', 'sech'], ['sin', 'sin'], ['cos', 'cos'], ['sigma', 'sigmoid'], ['phi', 'f']]);
const HADAMARD = new Map<string, GOp>([['odot', '.*'], ['circ', '.*'], ['oslash', './']]);
const PRODUCT = new Set(['cdot', 'times', 'ast']);
const MATRIX_ENVS = new Set(['bmatrix', 'pmatrix', 'matrix']);

interface Scripts { parts: string[][]; step?: Step; label?: string; transposed?: boolean }

export function parseGraphLatex(text: string, names: GraphNames, offset = 0): GNode {
  precheck(text);
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (err) {
    if (err instanceof SyntaxProblem) throw new SyntaxProblem(err.message, err.pos + offset);
    throw err;
  }
  const p = new LatexParser(tokens.map((t) => ({ ...t, pos: t.pos + offset })), names);
  const tree = p.expr();
  p.expectEnd();
  return tree;
}

const tokenText = (t: Token): string => (t.kind === 'word' || t.kind === 'sym' ? t.text : t.kind === 'num' ? t.text : t.kind === 'cmd' ? `\\${t.name}` : 'the end');

class LatexParser {
  private i = 0;
  constructor(private readonly tokens: Token[], private readonly names: GraphNames) {}

  private peek(k = 0): Token { return this.tokens[Math.min(this.i + k, this.tokens.length - 1)]!; }
  private next(): Token { return this.tokens[Math.min(this.i++, this.tokens.length - 1)]!; }
  private isSym(s: string, k = 0): boolean { const t = this.peek(k); return t.kind === 'sym' && t.text === s; }
  private isCmd(names: Set<string> | Map<string, unknown> | string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'cmd' && (typeof names === 'string' ? t.name === names : names.has(t.name));
  }
  private expect(s: string): void {
    if (!this.isSym(s)) throw new SyntaxProblem(`expected "${s}", found ${tokenText(this.peek())}`, this.peek().pos);
    this.next();
  }
  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'eof') throw new SyntaxProblem(`unexpected ${tokenText(t)}`, t.pos);
  }

  expr(): GNode {
    let left = this.term();
    while (this.isSym('+') || this.isSym('-')) {
      const op = (this.next() as { text: string }).text as GOp;
      left = gbin(op, left, this.term());
    }
    return left;
  }

  /** ⊙ binds looser than juxtaposition, as Wᵀδ ⊙ σ'(z) is read. */
  term(): GNode {
    let left = this.product();
    while (this.isCmd(HADAMARD)) {
      const op = HADAMARD.get((this.next() as { name: string }).name)!;
      left = gbin(op, left, this.product());
    }
    return left;
  }

  private product(): GNode {
    let left = this.unary();
    for (;;) {
      if (this.isCmd(PRODUCT) || this.isSym('*')) { this.next(); left = gbin('*', left, this.unary()); continue; }
      if (this.isSym('/') || this.isCmd('div')) { this.next(); left = gbin('/', left, this.unary()); continue; }
      if (this.startsFactor()) { const right = this.unary(); left = { kind: 'bin', op: '*', left, right, implicit: true, pos: right.pos }; continue; }
      return left;
    }
  }

  private startsFactor(): boolean {
    const t = this.peek();
    if (t.kind === 'num' || t.kind === 'word') return true;
    if (t.kind === 'sym') return t.text === '(' || t.text === '[' || t.text === '{';
    if (t.kind === 'cmd') return !HADAMARD.has(t.name) && !PRODUCT.has(t.name) && !['top', 'intercal', 'prime', 'div', 'end'].includes(t.name);
    return false;
  }

  private unary(): GNode {
    if (this.isSym('-')) { const pos = this.next().pos; return { kind: 'neg', arg: this.unary(), pos }; }
    if (this.isSym('+')) { this.next(); return this.unary(); }
    return this.postfix(this.primary());
  }

  /** ^T, ^\top, ^{2}, ' after a quantity. */
  private postfix(base: GNode): GNode {
    let out = base;
    for (;;) {
      if (this.isSym('^')) {
        this.next();
        if (this.transposeMark()) { out = gT(out); continue; }
        out = gbin('^', out, this.scriptExpr());
        continue;
      }
      if (this.isSym("'")) { this.next(); out = gT(out); continue; }
      return out;
    }
  }

  /** After ^: T, \top, \intercal, \mathsf{T}, {T}, {\top}; consumed when it is one. */
  private transposeMark(): boolean {
    const t = this.peek();
    const single = (k: number): boolean => {
      const u = this.peek(k);
      return (u.kind === 'word' && u.text === 'T') || (u.kind === 'cmd' && (u.name === 'top' || u.name === 'intercal' || u.name === 'mathsf'));
    };
    if (single(0)) {
      if (t.kind === 'cmd' && t.name === 'mathsf') {
        // \mathsf{T}, or \mathsf T without braces (as printed in many papers)
        this.next();
        if (this.isSym('{')) { this.next(); this.next(); this.expect('}'); } else this.next();
        return true;
      }
      this.next();
      return true;
    }
    if (this.isSym('{') && single(1)) {
      const inner = this.peek(1);
      if (inner.kind === 'cmd' && inner.name === 'mathsf') {
        this.next(); this.next();
        if (this.isSym('{')) { this.next(); this.next(); this.expect('}'); } else this.next();
        this.expect('}');
        return true;
      }
      if (this.isSym('}', 2)) { this.next(); this.next(); this.next(); return true; }
    }
    return false;
  }

  /** \begin{bmatrix} h_{t-1} \\ x_t \end{bmatrix} (or pmatrix): column vectors stacked. */
  private matrixStack(): GNode {
    const pos = this.next().pos;
    const env = (): string => {
      this.expect('{');
      const w = this.next();
      this.expect('}');
      return w.kind === 'word' ? w.text : '';
    };
    const kind = env();
    if (!MATRIX_ENVS.has(kind)) throw new SyntaxProblem(`\\begin{${kind}} is not part of the notation (stack vectors with \\begin{bmatrix} a \\\\ b \\end{bmatrix})`, pos);
    const parts = [this.expr()];
    while (this.isSym('\\\\')) {
      this.next();
      if (this.isCmd('end')) break;
      parts.push(this.expr());
    }
    if (this.isSym('&')) throw new SyntaxProblem('a stack of column vectors has one column: separate its parts with \\\\', this.peek().pos);
    if (!this.isCmd('end')) throw new SyntaxProblem(`expected \\end{${kind}}, found ${tokenText(this.peek())}`, this.peek().pos);
    this.next();
    if (env() !== kind) throw new SyntaxProblem(`\\begin{${kind}} ends with another \\end`, pos);
    return parts.length === 1 ? parts[0]! : { kind: 'stack', parts, pos };
  }

  /** A script's content: {expr} or one token. */
  private scriptExpr(): GNode {
    if (this.isSym('{')) { this.next(); const e = this.expr(); this.expect('}'); return e; }
    const t = this.next();
    if (t.kind === 'num') return gnum(t.value, t.pos);
    throw new SyntaxProblem(`expected a number or {…} after ^, found ${tokenText(t)}`, t.pos);
  }

  private primary(): GNode {
    const t = this.peek();
    if (t.kind === 'num') { this.next(); return gnum(t.value, t.pos); }
    if (t.kind === 'sym' && (t.text === '(' || t.text === '[' || t.text === '{')) {
      this.next();
      let e = this.expr();
      // [h_{t-1}; x_t] or [h_{t-1}, x_t]: column vectors stacked, as a concat node's value is written.
      if (t.text === '[' && (this.isSym(';') || this.isSym(','))) {
        const parts = [e];
        while (this.isSym(';') || this.isSym(',')) { this.next(); parts.push(this.expr()); }
        e = { kind: 'stack', parts, pos: t.pos };
      }
      this.expect(t.text === '(' ? ')' : t.text === '[' ? ']' : '}');
      // [\delta_{m,t}]_{1:3}: rows 1 to 3 (a concat's part), as the derivation prints a concat's term.
      if (this.isSym('_')) {
        const slice = this.sliceScript();
        if (slice) return { kind: 'slice', arg: e, from: slice.from, to: slice.to, pos: t.pos };
      }
      // (\delta_{h,t})_j, [W_{hh}]_{j,k}: one element.
      if (this.isSym('_') && e.kind === 'ref' && !e.index) {
        this.next();
        const toks = this.scriptTokens().filter((u) => !(u.kind === 'sym' && u.text === ','));
        const index: Idx[] = toks.flatMap((u): Idx[] => {
          if (u.kind === 'num' && Number.isInteger(u.value) && u.value >= 1) return [{ kind: 'lit', value: u.value }];
          if (u.kind === 'word' && [...u.text].every((c) => INDEX_LETTER.test(c))) return [...u.text].map((c) => ({ kind: 'var', name: c }) as Idx);
          throw new SyntaxProblem('an element index is a whole number from 1 or a letter (j, k, …; t is the step)', u.pos);
        });
        return { ...e, index };
      }
      return e;
    }
    if (t.kind === 'cmd') {
      if (t.name === 'frac' || t.name === 'dfrac' || t.name === 'tfrac') {
        this.next();
        const num = this.group();
        const den = this.group();
        return gbin('/', num, den, t.pos);
      }
      if (t.name === 'sum') return this.sum();
      if (t.name === 'begin') return this.matrixStack();
      if (t.name === 'sqrt') { this.next(); return { kind: 'call', fn: 'sqrt', args: [this.group()], pos: t.pos }; }
      if (t.name === 'delta') { this.next(); return this.quantity('delta', t.pos, true); }
      if (t.name === 'lambda') { this.next(); return this.quantity('lambda', t.pos, true); }
      if (t.name === 'eta' && this.names.rate !== undefined) { this.next(); return gref(RATE, undefined, t.pos); }
      if (FUNCTION_CMDS.has(t.name)) { this.next(); return this.application(FUNCTION_CMDS.get(t.name)!, t.pos); }
      if (FONT_CMDS.has(t.name)) {
        this.next();
        this.expect('{');
        const inner = this.peek();
        let word: string;
        if (inner.kind === 'word') word = inner.text;
        else if (inner.kind === 'cmd' && inner.name === 'delta') word = 'delta';
        else throw new SyntaxProblem(`expected a name inside \\${t.name}{…}`, inner.pos);
        this.next();
        // \operatorname{re}\text{lu}: only one word is read.
        this.expect('}');
        if (word === 'delta' && inner.kind === 'cmd') return this.quantity('delta', inner.pos, true);
        const fn = functionName(word);
        if (fn && !this.names.has(word)) return this.application(fn, inner.pos);
        return this.quantity(word, inner.pos);
      }
      if (t.name === 'partial' || t.name === 'nabla') throw new SyntaxProblem('write only the right-hand side, or a left-hand side before "="', t.pos);
      throw new SyntaxProblem(`\\${t.name} is not part of the notation`, t.pos);
    }
    if (t.kind === 'word') {
      this.next();
      const fn = functionName(t.text);
      if (fn && !this.names.has(t.text) && t.text !== 'f' || (t.text === 'f' && (this.isSym('(') || this.isSym("'")))) return this.application(fn ?? 'f', t.pos);
      return this.quantity(t.text, t.pos);
    }
    throw new SyntaxProblem(t.kind === 'eof' ? 'the formula ends too early' : `unexpected ${tokenText(t)}`, t.pos);
  }

  private group(): GNode {
    if (this.isSym('{')) { this.next(); const e = this.expr(); this.expect('}'); return e; }
    return this.postfix(this.primary());
  }

  /** \sum_t, \sum_{t}, \sum_{t=1}^{T}, \sum_{t=1}^T: the body runs to the next + or − outside brackets. */
  private sum(): GNode {
    const pos = this.next().pos;
    let index: string | undefined;
    let from = 1;
    let upper: string | undefined;
    for (let k = 0; k < 2; k++) {
      if (this.isSym('_')) {
        this.next();
        const texts = this.scriptTokens().map(tokenText).join('');
        const m = /^([a-z])(?:=(\d+))?$/.exec(texts);
        if (!m || !(m[1] === 't' || INDEX_LETTER.test(m[1]!)) || (m[1] !== 't' && m[2] !== undefined && m[2] !== '1')) throw new SyntaxProblem(`a sum runs over the steps, \\sum_t or \\sum_{t=1}^{T}, or over an index letter, \\sum_i; found \\sum_{${texts}}`, pos);
        index = m[1];
        if (m[2] !== undefined) from = Number(m[2]);
      } else if (this.isSym('^')) {
        this.next();
        upper = this.scriptTokens().map(tokenText).join('');
      }
    }
    if (!index) throw new SyntaxProblem('name the sum\'s index: \\sum_t', pos);
    if (index !== 't') return { kind: 'sum', body: this.term(), index, pos };
    // A sum over the steps may start at 0, 1, 2, … and end at T or T − k (values before the first step are zero).
    // ^{3} is step 3 of this network's T steps.
    const to = upper === undefined ? { toShift: 0 } : /^\d+$/.test(upper) ? { toShift: Number(upper) - this.names.T } : /^T(?:-(\d+))?$/.exec(upper);
    if (!to) throw new SyntaxProblem(`a sum over the steps ends at T, T minus a whole number or a step number, as in \\sum_{t=1}^{T} or \\sum_{t=0}^{T-1}; found ^{${upper}}`, pos);
    const steps = sumSteps(from, 'toShift' in to ? to.toShift : -Number(to[1] ?? 0));
    return { kind: 'sum', body: this.term(), index, ...(steps ? { steps } : {}), pos };
  }

  /** The tokens of a script: one token, or a braced group (braces balanced). */
  private scriptTokens(): Token[] {
    if (!this.isSym('{')) {
      const t = this.next();
      if (t.kind === 'eof') throw new SyntaxProblem('a script ends too early', t.pos);
      return [t];
    }
    const open = this.next();
    const out: Token[] = [];
    let depth = 1;
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') throw new SyntaxProblem('a { is never closed', open.pos);
      if (t.kind === 'sym' && t.text === '{') depth++;
      if (t.kind === 'sym' && t.text === '}' && --depth === 0) return out;
      out.push(t);
    }
  }

  /** _{a:b} or _a:b after a bracket: the rows it takes, consumed; else undefined and nothing consumed. */
  private sliceScript(): { from: number; to: number } | undefined {
    const k0 = this.isSym('{', 1) ? 2 : 1;
    const a = this.peek(k0);
    const colon = this.peek(k0 + 1);
    const b = this.peek(k0 + 2);
    if (a.kind !== 'num' || !(colon.kind === 'sym' && colon.text === ':') || b.kind !== 'num') return undefined;
    if (k0 === 2 && !this.isSym('}', k0 + 3)) return undefined;
    if (!Number.isInteger(a.value) || !Number.isInteger(b.value) || a.value < 1 || a.value > b.value) throw new SyntaxProblem('a part of a vector is _{a:b}, whole numbers from 1 with a ≤ b', a.pos);
    for (let k = 0; k < k0 + 3 + (k0 === 2 ? 1 : 0); k++) this.next();
    return { from: a.value, to: b.value };
  }

  /** A function, with an optional prime or power, applied to (…) or to the next factor. */
  private application(fn: string, pos: number): GNode {
    let f = fn;
    let power: GNode | undefined;
    for (;;) {
      if (this.isSym("'") || (this.isSym('^') && this.isCmd('prime', 1))) {
        if (this.isSym('^')) this.next();
        this.next();
        const d = PRIMED.get(f);
        if (!d) throw new SyntaxProblem(`${f}' has no name here`, pos);
        f = d;
        continue;
      }
      if (this.isSym('^') && this.peek(1).kind === 'num') { this.next(); power = gnum((this.next() as { value: number }).value); continue; }
      if (this.isSym('^') && this.isSym('{', 1) && this.isCmd('prime', 2)) { this.next(); this.next(); this.next(); this.expect('}'); f = PRIMED.get(f) ?? f; continue; }
      break;
    }
    let arg: GNode;
    if (this.isSym('(') || this.isSym('[') || this.isSym('{')) {
      const open = (this.next() as { text: string }).text;
      arg = this.expr();
      this.expect(open === '(' ? ')' : open === '[' ? ']' : '}');
    } else {
      arg = this.postfix(this.primary());
    }
    const call: GNode = f === 'f' || f === 'df' ? { kind: 'call', fn: f, args: [arg], node: activationNode(arg, this.names, pos), pos } : { kind: 'call', fn: f, args: [arg], pos };
    return power ? gbin('^', call, power) : call;
  }

  /** Subscripts (parts and a step) and a ^{(label)} after a name. */
  private scripts(): Scripts {
    const s: Scripts = { parts: [] };
    for (;;) {
      // h^T_{t-1}: a transpose written before the subscript.
      const mark = this.transposeBeforeSubscript();
      if (mark > 0) {
        for (let k = 0; k < mark; k++) this.next();
        s.transposed = true;
        continue;
      }
      if (this.isSym('_')) {
        this.next();
        for (const part of splitComma(this.scriptTokens())) {
          const step = stepOf(part);
          if (step) {
            if (s.step) throw new SyntaxProblem('two steps in one subscript', part[0]!.pos);
            s.step = step;
          } else s.parts.push(part.flatMap((t) => (t.kind === 'word' ? [t.text] : t.kind === 'num' ? [t.text] : [])));
        }
        continue;
      }
      // ^{(t)}, ^{(t-1)}: a step, as the question notation's documents print it (h^{(t-1)}, \delta_h^{(t)}).
      const stepMark = this.stepSuperscript();
      if (stepMark) {
        if (s.step) throw new SyntaxProblem('two steps on one name', this.peek().pos);
        for (let k = 0; k < stepMark.tokens; k++) this.next();
        s.step = stepMark.step;
        continue;
      }
      // ^{(k)} on a parameter in an update: its value before the step, as in W^{(k)} (W^{(k+1)} is the left side).
      if (this.names.rate !== undefined && this.isSym('^') && this.isSym('{', 1) && this.isSym('(', 2) && this.peek(3).kind === 'word' && (this.peek(3) as { text: string }).text === 'k' && this.isSym(')', 4) && this.isSym('}', 5)) {
        for (let k = 0; k < 6; k++) this.next();
        continue;
      }
      // ^{(h)}: a label naming the node, as in \delta^{(h)}_t.
      if (this.isSym('^') && this.isSym('{', 1) && this.isSym('(', 2) && this.peek(3).kind === 'word' && this.isSym(')', 4)) {
        this.next(); this.next(); this.next();
        s.label = (this.next() as { text: string }).text;
        this.next();
        this.expect('}');
        continue;
      }
      return s;
    }
  }

  /** ^{(STEP)} with a step inside the parentheses: the step and how many tokens it takes, else undefined. */
  private stepSuperscript(): { step: Step; tokens: number } | undefined {
    if (!(this.isSym('^') && this.isSym('{', 1) && this.isSym('(', 2))) return undefined;
    const inside: Token[] = [];
    for (let k = 3; k < 8; k++) {
      if (this.isSym(')', k)) {
        const step = this.isSym('}', k + 1) ? stepOf(inside) : undefined;
        return step ? { step, tokens: k + 2 } : undefined;
      }
      inside.push(this.peek(k));
    }
    return undefined;
  }

  /** The number of tokens of ^T, ^\\top, ^{T} or ^{\\top} when a subscript follows them, else 0. */
  private transposeBeforeSubscript(): number {
    if (!this.isSym('^')) return 0;
    const mark = (k: number): boolean => {
      const u = this.peek(k);
      return (u.kind === 'word' && u.text === 'T') || (u.kind === 'cmd' && (u.name === 'top' || u.name === 'intercal'));
    };
    if (mark(1) && this.isSym('_', 2)) return 2;
    if (this.isSym('{', 1) && mark(2) && this.isSym('}', 3) && this.isSym('_', 4)) return 4;
    return 0;
  }

  /** A name and its scripts; `greek`: written \\delta (a plain word delta is a node of that name when there is one). */
  private quantity(word: string, pos: number, greek = false): GNode {
    const s = this.scripts();
    const names = this.names;
    const isDelta = word === 'delta' && (greek || !names.nodes.has('delta'));
    /** A node value, x or y, written by its own name (delta_h and z_h are written \\delta_h, z_h). */
    const isValue = names.has(word) && !word.startsWith('delta_') && !word.startsWith('z_');
    const nameParts = [...(s.label ? [[s.label]] : []), ...s.parts].map((p) => p.join('_'));
    const fail = (what?: string): never => {
      const written = `${isDelta ? '\\delta' : word}${nameParts.length ? `_{${nameParts.join(',')}}` : ''}`;
      throw new SyntaxProblem(what ?? names.unknown(written), pos);
    };
    let name: string | undefined;
    // A last subscript part that is one index letter, where the name without it is known: an element,
    // as in x_k, h_{t-1,k} or \delta_{h,j} (a node of that one-letter name wins).
    let element: string | undefined;
    const last = nameParts[nameParts.length - 1];
    if (last !== undefined && INDEX_LETTER.test(last) && !names.nodes.has(last) && word !== 'W' && word !== 'w' && word !== 'b') {
      const rest = nameParts.slice(0, -1);
      const known = isDelta || word === 'z' ? (rest.length ? names.has(`${isDelta ? 'delta' : 'z'}_${rest.join('_')}`) : names.defaultNode !== undefined) : rest.length === 0 && isValue;
      if (known) { element = last; nameParts.pop(); }
    }
    if (word === 'W' || word === 'w' || word === 'b') {
      if (nameParts.length === 0) fail(`${word}: name the parameter, as in ${[...names.params.keys()].filter((k) => k.startsWith(word === 'b' ? 'b_' : 'W_')).map(latexName).join(', ')}`);
      name = names.param(word === 'b' ? 'b' : 'W', nameParts.flatMap((p) => p.split('_')));
    } else if (isDelta || word === 'z') {
      const node = nameParts.length ? nameParts.join('_') : names.defaultNode;
      if (node === undefined) fail(`${isDelta ? '\\delta' : 'z'} without a node: name it, as in ${isDelta ? '\\delta' : 'z'}_{${[...names.nodes.keys()][0]},t}`);
      name = `${word}_${node}`;
      if (!names.has(name)) fail();
    } else if (word === 'a' && nameParts.length === 1 && names.nodes.has(nameParts[0]!)) {
      name = nameParts[0];
    } else if (word === 'lambda' && (greek || !names.nodes.has('lambda'))) {
      if (nameParts.length) fail();
      if (names.l2 === undefined) fail('\\lambda is the l2 coefficient, and this network has no regularization');
      name = L2;
    } else if (isValue) {
      if (nameParts.length) fail(`${word} takes a step only, as in ${word}_t or ${word}_{t-1}`);
      name = word;
    } else {
      if (word === 't' || word === 'T') fail(`${word} is a step: it belongs in a subscript, as in h_{${word}}`);
      fail();
    }
    if (!name) fail();
    // W_{h,h}(k): the parameter's value before the step, in an update (--update).
    if (names.rate !== undefined && names.isParam(name!) && this.isSym('(') && this.peek(1).kind === 'word' && (this.peek(1) as { text: string }).text === 'k' && this.isSym(')', 2)) {
      this.next(); this.next(); this.next();
    }
    const r = element !== undefined ? gidx(name!, s.step, [{ kind: 'var', name: element }]) : gref(name!, s.step, pos);
    return s.transposed ? gT(r) : r;
  }
}

function splitComma(tokens: Token[]): Token[][] {
  const out: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'sym' && t.text === ',') out.push([]);
    else if (t.kind === 'cmd' && FONT_CMDS.has(t.name)) continue;
    else if (t.kind === 'sym' && (t.text === '{' || t.text === '}')) continue;
    else out[out.length - 1]!.push(t);
  }
  return out.filter((p) => p.length > 0);
}

/** t, T, t-1, t+1, T-1, or a number. */
function stepOf(part: Token[]): Step | undefined {
  const [a, b, c] = part;
  if (part.length === 1 && a!.kind === 'num' && Number.isInteger(a!.value)) return { base: 'lit', value: a!.value };
  if (a?.kind !== 'word' || (a.text !== 't' && a.text !== 'T')) return undefined;
  if (part.length === 1) return { base: a.text, shift: 0 };
  if (part.length === 3 && b?.kind === 'sym' && (b.text === '-' || b.text === '+') && c?.kind === 'num' && Number.isInteger(c.value)) {
    return { base: a.text, shift: b.text === '-' ? -c.value : c.value };
  }
  return undefined;
}

// ---------------------------------------------------------------- printing

/** T, or T-k. */
const upperText = (b: SumSteps): string => (b.toShift === 0 ? 'T' : `T${b.toShift}`);

/** mathjs bounds of sum(…, t, FROM, TO): FROM a whole number ≥ 0, TO T, T-k or a step number. */
function mathjsSumBounds(from: string, to: string, T: number): SumSteps | undefined {
  const f = /^\s*(\d+)\s*$/.exec(from);
  const n = /^\s*(\d+)\s*$/.exec(to);
  const u = /^\s*T\s*(?:-\s*(\d+))?\s*$/.exec(to);
  if (!f || !(n || u)) return undefined;
  return { from: Number(f[1]), toShift: n ? Number(n[1]) - T : -Number(u![1] ?? 0) };
}

const stepText = (s: Step): string => (s.base === 'lit' ? String(s.value) : `${s.base}${s.shift === 0 ? '' : s.shift > 0 ? `+${s.shift}` : s.shift}`);

const idxText = (i: Idx): string => (i.kind === 'lit' ? String(i.value) : i.name);

const PREC = { add: 1, mul: 2, neg: 3, pow: 4, post: 5, atom: 6 } as const;

function precOf(n: GNode): number {
  switch (n.kind) {
    case 'bin': return n.op === '+' || n.op === '-' ? PREC.add : n.op === '^' ? PREC.pow : PREC.mul;
    case 'neg': return PREC.neg;
    case 'transpose': return PREC.post;
    case 'num': return n.value < 0 ? PREC.neg : PREC.atom;
    default: return PREC.atom;
  }
}

const fmtNum = (v: number): string => String(Number(v.toPrecision(12)));

export function printGraphMathjs(n: GNode): string {
  const wrap = (c: GNode, min: number): string => (precOf(c) < min ? `(${printGraphMathjs(c)})` : printGraphMathjs(c));
  switch (n.kind) {
    case 'num': return fmtNum(n.value);
    case 'ref': return `${n.name === L2 ? 'lambda' : n.name}${n.step ? `[${stepText(n.step)}]` : ''}${n.index ? `[${n.index.map(idxText).join(',')}]` : ''}`;
    case 'neg': return `-${wrap(n.arg, PREC.neg + 1)}`;
    case 'transpose': return `${wrap(n.arg, PREC.atom)}'`;
    case 'slice': return `${wrap(n.arg, PREC.atom)}[${n.from}:${n.to}]`;
    case 'stack': return `[${n.parts.map(printGraphMathjs).join('; ')}]`;
    case 'sum': return n.steps ? `sum(${printGraphMathjs(n.body)}, t, ${n.steps.from}, ${upperText(n.steps)})` : n.index === 't' ? `sum_t(${printGraphMathjs(n.body)})` : `sum(${printGraphMathjs(n.body)}, ${n.index})`;
    case 'call': return n.inclusive ? `(${printGraphMathjs(n.args[0]!)} >= 0)` : `${n.fn === 'df' ? "f'" : n.fn}(${printGraphMathjs(n.args[0]!)})`;
    case 'bin': {
      const p = precOf(n);
      const op = n.op === '^' ? '.^' : n.op;
      // Operators of one level read left to right: a right operand of that level keeps its brackets unless
      // it is the same associative operator (a * (b .* c) is not (a * b) .* c).
      const sameLevelOther = n.right.kind === 'bin' && precOf(n.right) === p && n.right.op !== n.op && p === PREC.mul;
      const right = n.op === '-' || n.op === '/' || n.op === './' || n.op === '^' || sameLevelOther ? wrap(n.right, p + 1) : wrap(n.right, p);
      const left = n.op === '^' ? wrap(n.left, PREC.post) : wrap(n.left, p);
      return n.op === '^' ? `${left}${op}${right}` : `${left} ${op} ${right}`;
    }
  }
}

/** W_h_h → W_{hh}; W_h_x → W_{hx}; W_out → W_{out}; W_dec_code → W_{dec,code}. */
export function latexName(name: string): string {
  const m = /^(W|b)_(.+)$/.exec(name);
  if (m) {
    const parts = m[2]!.split('_');
    const sub = parts.every((p) => p.length === 1) ? parts.join('') : parts.join(',');
    return `${m[1]}_{${sub}}`;
  }
  return name;
}

function latexRef(name: string, step?: Step): string {
  const st = step ? stepText(step) : undefined;
  const sub = (s: string): string => (s.length === 1 ? `_${s}` : `_{${s}}`);
  const m = /^(z|delta)_(.+)$/.exec(name);
  if (m) return `${m[1] === 'delta' ? '\\delta' : 'z'}_{${m[2]}${st !== undefined ? `,${st}` : ''}}`;
  if (name === L2) return '\\lambda';
  if (/^[Wb]_/.test(name)) return latexName(name);
  return `${name}${st !== undefined ? sub(st) : ''}`;
}

const LATEX_FN: Record<string, string> = {
  exp: '\\exp', log: '\\log', tanh: '\\tanh', sinh: '\\sinh', cosh: '\\cosh', sech: '\\operatorname{sech}', sin: '\\sin', cos: '\\cos',
  sigmoid: '\\sigma', dsigmoid: "\\sigma'", dtanh: "\\tanh'", f: 'f', df: "f'", abs: '\\operatorname{abs}', sign: '\\operatorname{sign}',
  softplus: '\\operatorname{softplus}', relu: '\\operatorname{relu}', step: '\\operatorname{step}', diag: '\\operatorname{diag}',
};

export function printGraphLatex(n: GNode): string {
  const wrap = (c: GNode, min: number): string => (precOf(c) < min || (c.kind === 'sum' && min > PREC.add) ? `\\left(${printGraphLatex(c)}\\right)` : printGraphLatex(c));
  switch (n.kind) {
    case 'num': return fmtNum(n.value);
    case 'ref': return n.index ? `\\left(${latexRef(n.name, n.step)}\\right)_{${n.index.map(idxText).join(n.index.every((i) => i.kind === 'var') ? '' : ',')}}` : latexRef(n.name, n.step);
    case 'neg': return `-${wrap(n.arg, PREC.neg + 1)}`;
    case 'transpose': {
      const inner = n.arg.kind === 'ref' ? printGraphLatex(n.arg) : `\\left(${printGraphLatex(n.arg)}\\right)`;
      return `${inner}^\\top`;
    }
    case 'sum': {
      const body = n.body.kind === 'bin' && (n.body.op === '+' || n.body.op === '-') ? `\\left(${printGraphLatex(n.body)}\\right)` : printGraphLatex(n.body);
      return n.steps ? `\\sum_{t=${n.steps.from}}^{${upperText(n.steps)}} ${body}` : `\\sum_{${n.index}} ${body}`;
    }
    case 'slice': return `\\left[${printGraphLatex(n.arg)}\\right]_{${n.from}:${n.to}}`;
    case 'stack': return `\\begin{bmatrix} ${n.parts.map(printGraphLatex).join(' \\\\ ')} \\end{bmatrix}`;
    case 'call': return n.inclusive ? `\\left[${printGraphLatex(n.args[0]!)} \\geq 0\\right]` : n.fn === 'sqrt' ? `\\sqrt{${printGraphLatex(n.args[0]!)}}` : `${LATEX_FN[n.fn] ?? `\\operatorname{${n.fn}}`}\\left(${printGraphLatex(n.args[0]!)}\\right)`;
    case 'bin': {
      const p = precOf(n);
      switch (n.op) {
        case '+': return `${wrap(n.left, p)} + ${wrap(n.right, p)}`;
        case '-': return `${wrap(n.left, p)} - ${wrap(n.right, p + 1)}`;
        case '/': return `\\frac{${printGraphLatex(n.left)}}{${printGraphLatex(n.right)}}`;
        case './': return `${wrap(n.left, p)} \\oslash ${wrap(n.right, p + 1)}`;
        case '.*': return `${wrap(n.left, p)} \\odot ${wrap(n.right, p + 1)}`;
        case '^': return `${n.left.kind === 'ref' && !n.left.step ? printGraphLatex(n.left) : `\\left(${printGraphLatex(n.left)}\\right)`}^{${printGraphLatex(n.right)}}`;
        case '*': {
          const sep = n.left.kind === 'num' && n.right.kind === 'num' ? ' \\cdot ' : ' ';
          // A ⊙ inside a product needs brackets: juxtaposition binds tighter.
          const l = n.left.kind === 'bin' && (n.left.op === '.*' || n.left.op === './') ? `\\left(${printGraphLatex(n.left)}\\right)` : wrap(n.left, p);
          const r = n.right.kind === 'bin' && (n.right.op === '.*' || n.right.op === './' || n.right.op === '*' || n.right.op === '/') ? `\\left(${printGraphLatex(n.right)}\\right)` : wrap(n.right, p + 1);
          return `${l}${sep}${r}`;
        }
      }
    }
  }
}
