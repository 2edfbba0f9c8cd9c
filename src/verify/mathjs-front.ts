// Formula in mathjs syntax → formula tree. mathjs only parses here (the text is
// never evaluated or compiled); the syntax tree is walked with an allow-list of
// node kinds and everything else is refused with its token and position.
// mathjs nodes carry no positions, so a cursor follows the text in source order
// to point at the token being read.
import type { MathNode } from 'mathjs';
import { math } from '../symbolic/mathjs.ts';

const { parse } = math;
import { nearest } from '../spec/nearest.ts';
import { bin, callOf, ivar, lit, neg, num, ref, transposeOf, type BinOp, type FNode, type Idx } from './ast.ts';
import { SyntaxProblem } from './errors.ts';
import { FORMULA_FUNCTIONS, INDEX_NAME, KNOWN_NAMES, functionName, nameRef, primed } from './names.ts';

export const MAX_FORMULA_LENGTH = 4000;
export const MAX_NESTING = 60;
/** Deepest formula tree accepted: every later pass walks it recursively. */
export const MAX_DEPTH = 250;
/** Longest run of + and − signs in a row. */
const MAX_SIGNS = 8;

const BINARY = new Map<string, BinOp>([
  ['add', '+'], ['subtract', '-'], ['multiply', '*'], ['divide', '/'], ['dotMultiply', '.*'], ['dotDivide', './'], ['pow', '^'], ['dotPow', '.^'],
]);

type AnyNode = MathNode & { [k: string]: unknown };

/** A token to point at for node kinds that are refused. */
const TOKEN_OF = new Map([['AssignmentNode', '='], ['FunctionAssignmentNode', '='], ['ConditionalNode', '?'], ['RangeNode', ':'], ['BlockNode', ';'], ['ObjectNode', '{'], ['RelationalNode', '<']]);

/** A comparison is a 0/1 mask, (z1 > 0) as relu′ is written: step(left − right), or step(right − left). */
const COMPARISONS = new Map([['larger', '>'], ['largerEq', '>'], ['smaller', '<'], ['smallerEq', '<']]);

/** Refuse what no formula needs before handing the text to mathjs. */
export function precheck(text: string): void {
  if (text.length > MAX_FORMULA_LENGTH) throw new SyntaxProblem(`formula longer than ${MAX_FORMULA_LENGTH} characters`, MAX_FORMULA_LENGTH);
  const signs = new RegExp(`(?:[-+−–]\\s*){${MAX_SIGNS + 1}}`).exec(text);
  if (signs) throw new SyntaxProblem(`more than ${MAX_SIGNS} signs in a row`, signs.index);
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') {
      depth++;
      if (depth > MAX_NESTING) throw new SyntaxProblem(`nested more than ${MAX_NESTING} deep`, i);
    } else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === '\0') throw new SyntaxProblem('a NUL character', i);
  }
}

/** Parse `text` (the right-hand side); positions are reported relative to `offset`. */
export function parseMathjsFormula(text: string, offset = 0): FNode {
  precheck(text);
  // sigma'(z), tanh'(z), f'(z) are derivatives: rewrite the prime to a name mathjs
  // reads as one symbol (sigma$), keeping the length so positions stay true.
  const prepared = text.replace(/(?<![\p{L}\w$])(\p{L}\w*)'(?=\s*\()/gu, (m, name: string) => {
    const fn = functionName(name);
    return fn && primed(fn) ? `${name}$` : m;
  });
  let tree: MathNode;
  try {
    tree = parse(prepared);
  } catch (err) {
    const e = err as { message?: string; char?: number };
    const at = typeof e.char === 'number' ? e.char - 1 : 0;
    const message = String(e.message ?? err).replace(/\s*\(char \d+\)\s*$/, '');
    throw new SyntaxProblem(message, offset + Math.max(0, at));
  }
  if (depthOf(tree) > MAX_DEPTH) throw new SyntaxProblem(`the formula is nested more than ${MAX_DEPTH} operations deep: break it up`, offset);
  return new Reader(prepared, offset).read(tree);
}

/** Depth of a mathjs tree, walked without recursion. */
function depthOf(root: MathNode): number {
  let max = 0;
  const stack: [MathNode, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [n, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > MAX_DEPTH) break;
    n.forEach((child: MathNode) => stack.push([child, d + 1]));
  }
  return max;
}

class Reader {
  private cursor = 0;
  constructor(private readonly text: string, private readonly offset: number) {}

  /** Position of the next occurrence of `token` (a whole word when it is a name), moving the cursor past it. */
  private find(token: string, word = true): number {
    const esc = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(word && /^[\p{L}\w$]/u.test(token) ? `(?<![\\p{L}\\w$])${esc}(?![\\p{L}\\w$])` : esc, 'gu');
    re.lastIndex = this.cursor;
    let m = re.exec(this.text);
    if (!m) { re.lastIndex = 0; m = re.exec(this.text); }
    if (!m) return this.offset + this.cursor;
    this.cursor = m.index + m[0].length;
    return this.offset + m.index;
  }

  private findNumber(): number {
    const re = /(?:0x[0-9a-f]+|\d*\.?\d+(?:e[+-]?\d+)?)/gi;
    re.lastIndex = this.cursor;
    const m = re.exec(this.text);
    if (!m) return this.offset + this.cursor;
    this.cursor = m.index + m[0].length;
    return this.offset + m.index;
  }

  private refuse(what: string, token: string): never {
    throw new SyntaxProblem(what, this.find(token, false));
  }

  read(node: MathNode): FNode {
    const n = node as AnyNode;
    switch (node.type) {
      case 'ConstantNode': {
        if (typeof n.value !== 'number') return this.refuse(`${n.value === null ? 'null' : typeof n.value} "${String(n.value)}" is not a number`, String(n.value));
        const pos = this.findNumber();
        if (!Number.isFinite(n.value)) throw new SyntaxProblem('number out of range', pos);
        return num(n.value, pos);
      }
      case 'SymbolNode': return this.symbol(n.name as string);
      case 'ParenthesisNode': return this.read(n.content as MathNode);
      case 'OperatorNode': return this.operator(n);
      case 'FunctionNode': return this.functionCall(n);
      case 'AccessorNode': return this.accessor(n);
      case 'ArrayNode': return this.array(n);
      default: {
        return this.refuse(`${node.type.replace(/Node$/, '').toLowerCase()} expressions are not part of a formula`, TOKEN_OF.get(node.type) ?? '');
      }
    }
  }

  private symbol(name: string): FNode {
    const pos = this.find(name);
    if (name === 'e' || name === 'E') return callOf('exp', [num(1, pos)], pos);
    if (name === 'pi' || name === 'PI' || name === 'π') return num(Math.PI, pos);
    const r = nameRef(name);
    if (r) return ref(r.base, r.layer, [], name, pos);
    if (name === 'n') return { kind: 'num', value: Number.NaN, outputs: true, pos };
    if (name === 'C') throw new SyntaxProblem('C is what is differentiated; the formula is its derivative', pos);
    if (INDEX_NAME.test(name)) throw new SyntaxProblem(`"${name}" is not a name of the network (an index belongs in brackets, as in a1[${name}])`, pos);
    const guess = nearest(name, KNOWN_NAMES);
    throw new SyntaxProblem(`unknown name "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; names are W<l>, b<l>, a<l>, z<l>, x, y, delta<l>`, pos);
  }

  private operator(n: AnyNode): FNode {
    const fn = n.fn as string;
    const args = n.args as MathNode[];
    if (fn === 'unaryMinus' || fn === 'unaryPlus') {
      const pos = this.find(n.op as string, false);
      const arg = this.read(args[0]!);
      return fn === 'unaryMinus' ? neg(arg, pos) : arg;
    }
    if (fn === 'ctranspose' || fn === 'transpose') {
      const arg = this.read(args[0]!);
      const pos = this.find("'", false);
      return transposeOf(arg, pos);
    }
    const cmp = COMPARISONS.get(fn);
    if (cmp && args.length === 2) {
      const left = this.read(args[0]!);
      const pos = this.find(n.op as string, false);
      const right = this.read(args[1]!);
      const [hi, lo] = cmp === '>' ? [left, right] : [right, left];
      const mask = callOf('step', [lo.kind === 'num' && lo.value === 0 ? hi : bin('-', hi, lo, pos)], pos);
      return fn.endsWith('Eq') ? { ...(mask as Extract<FNode, { kind: 'call' }>), inclusive: true } : mask;
    }
    const op = BINARY.get(fn);
    if (!op || args.length !== 2) return this.refuse(`operator "${String(n.op)}" is not supported (use + - * / ^ .* ./ .^ and ' for transpose)`, String(n.op));
    const left = this.read(args[0]!);
    const pos = n.implicit ? this.offset + this.cursor : this.find(n.op as string, false);
    const right = this.read(args[1]!);
    // a * b of two vectors of one size has no matrix meaning: read elementwise, as NumPy's * (CS231n's dz = da * (1 - a**2)).
    return op === '*' && !n.implicit ? { kind: 'bin', op, left, right, pos, implicit: true, star: true } : n.implicit ? { kind: 'bin', op, left, right, pos, implicit: true } : bin(op, left, right, pos);
  }

  private functionCall(n: AnyNode): FNode {
    const fnNode = n.fn as AnyNode;
    const args = n.args as MathNode[];
    if (fnNode.type !== 'SymbolNode') return this.refuse('only a named function can be called', '(');
    const raw = fnNode.name as string;
    const pos = this.find(raw);
    if (raw === 'sum') return this.sum(args, pos);
    const r = nameRef(raw);
    if (r && (r.base === 'W' || r.base === 'b')) {
      // W(k): the value at step k, i.e. the current value.
      const only = args[0] as AnyNode | undefined;
      if (args.length === 1 && only?.type === 'SymbolNode' && only.name === 'k') {
        this.find('k');
        return ref(r.base, r.layer, [], raw, pos);
      }
      throw new SyntaxProblem(`${raw}(…): only ${raw}(k), the current value, may follow a parameter; use * to multiply`, pos);
    }
    const name = raw.endsWith('$') ? primed(functionName(raw.slice(0, -1))!) : functionName(raw);
    if (!name) {
      const guess = nearest(raw, Object.keys(FORMULA_FUNCTIONS));
      throw new SyntaxProblem(`unknown function "${raw}"${guess ? ` (did you mean "${guess}"?)` : ''}`, pos);
    }
    const arity = FORMULA_FUNCTIONS[name] ?? 1;
    if (args.length !== arity) throw new SyntaxProblem(`${raw} takes ${arity} argument${arity === 1 ? '' : 's'}, found ${args.length}`, pos);
    return callOf(name, args.map((a) => this.read(a)), pos);
  }

  private sum(args: MathNode[], pos: number): FNode {
    const index = args[1] as AnyNode | undefined;
    if (args.length !== 2 || index?.type !== 'SymbolNode' || !INDEX_NAME.test(index.name as string)) {
      throw new SyntaxProblem('sum takes a term and one index letter: sum(W2[i,j] * delta2[i], i)', pos);
    }
    const body = this.read(args[0]!);
    this.find(index.name as string);
    return { kind: 'sum', index: index.name as string, body, pos };
  }

  private accessor(n: AnyNode): FNode {
    const object = n.object as AnyNode;
    const index = n.index as AnyNode;
    // Property access (cos.constructor) is refused before anything else is read.
    if (index.dotNotation) {
      const property = String((index.dimensions as AnyNode[])[0]?.value ?? '');
      return this.refuse(`property access ".${property}" is not allowed in a formula`, `.${property}`);
    }
    if (object.type !== 'SymbolNode' && object.type !== 'FunctionNode') return this.refuse('only a name can be indexed, as in a1[k]', '[');
    const target = this.read(object);
    if (target.kind !== 'ref' || target.indices.length > 0 || target.base === 'rate') return this.refuse('only a name of the network can be indexed, as in a1[k]', '[');
    if (index.dotNotation) return this.refuse('"." is not part of a formula', '.');
    this.find('[', false);
    const indices = (index.dimensions as AnyNode[]).map((d) => this.index(d));
    if (indices.length === 0 || indices.length > 2) return this.refuse('one or two indices, as in W2[j,k]', '[');
    return { ...target, indices };
  }

  private index(d: AnyNode): Idx {
    if (d.type === 'ConstantNode' && typeof d.value === 'number') {
      const pos = this.findNumber();
      if (!Number.isInteger(d.value) || d.value < 1) throw new SyntaxProblem(`index ${String(d.value)}: indices are whole numbers from 1`, pos);
      return lit(d.value, pos);
    }
    if (d.type === 'SymbolNode' && INDEX_NAME.test(d.name as string)) {
      const pos = this.find(d.name as string);
      return ivar(d.name as string, pos);
    }
    return this.refuse('an index is a number or one letter (j, k, …)', d.type === 'SymbolNode' ? (d.name as string) : '[');
  }

  private array(n: AnyNode): FNode {
    const pos = this.find('[', false);
    const items = n.items as AnyNode[];
    const nested = items.length > 0 && items.every((i) => i.type === 'ArrayNode');
    const rows = nested ? items.map((r) => (r.items as MathNode[]).map((c) => this.read(c))) : items.map((c) => [this.read(c)]);
    if (rows.length === 0 || rows.some((r) => r.length === 0 || r.length !== rows[0]!.length)) throw new SyntaxProblem('a matrix needs rows of equal length', pos);
    return { kind: 'matrix', rows, pos };
  }
}
