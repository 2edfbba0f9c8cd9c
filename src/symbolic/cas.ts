// The only module that talks to the computer algebra systems (mathjs and nerdamer).
// Expressions cross the boundary as strings with neutral symbol names (s0, s1, …)
// because nerdamer misreads names such as W1_1_1; results come back through
// mathjs's parser into our IR.
import type { MathNode } from 'mathjs';
import { math } from './mathjs.ts';

const { parse } = math;
import nerdamer from 'nerdamer';
import 'nerdamer/Calculus.js';
import 'nerdamer/Algebra.js';
import { add, call, div, key, mul, neg, num, pow, sub, substitute, sym, symKey, type Expr, type Sym } from './expr.ts';
import { lookupFunction } from './functions.ts';
import { CAS_WORKER, casJob, type CasJob } from '../verify/cas-client.ts';
import { derivativeText } from './derivative-job.mjs';

/**
 * While set (ms since the epoch), CAS work on a user's formula runs in the CAS
 * worker and is abandoned at this time: neither engine has a time limit of its
 * own, so a thread that can be terminated is the bound (withCasDeadline).
 */
let deadline: number | undefined;
/** The time the innermost withCasDeadline gave, for the message. */
let budgetMs = 0;

/** The CAS did not finish a job on a user's formula by its deadline. */
export class CasTimeout extends Error {
  constructor(readonly seconds: number) {
    super(`the computer algebra did not finish within ${seconds} s`);
    this.name = 'CasTimeout';
  }
}

/** Run f with every CAS call in it bounded: together they must finish within `ms`, or CasTimeout is thrown. */
export function withCasDeadline<T>(ms: number, f: () => T): T {
  const outer = deadline;
  const outerBudget = budgetMs;
  const mine = Date.now() + ms;
  deadline = outer === undefined ? mine : Math.min(outer, mine);
  budgetMs = deadline === mine ? ms : outerBudget;
  const limit = deadline;
  try {
    return f();
  } catch (err) {
    // A timeout in the worker, or work past the deadline in this thread between the calls.
    if (err instanceof CasTimeout) throw err;
    if (Date.now() >= limit) throw new CasTimeout(budgetMs / 1000);
    throw err;
  } finally {
    deadline = outer;
    budgetMs = outerBudget;
  }
}

/** One job: in the worker when a deadline is set (and there is a worker), else here. */
function runJob(job: CasJob): string {
  if (deadline === undefined || !CAS_WORKER) return runHere(job);
  const answer = casJob(job, deadline);
  if (answer === 'timeout') throw new CasTimeout(budgetMs / 1000);
  if ('error' in answer) throw new Error(answer.error);
  return answer.result;
}

/** The same jobs in this thread (src/verify/cas-worker.mjs runs them in the worker). */
function runHere(job: CasJob): string {
  switch (job.op) {
    case 'expand': case 'nerdamer': {
      try {
        return nerdamer(job.op === 'expand' ? `expand(${job.text})` : job.text).toString();
      } finally {
        nerdamer.flush();
      }
    }
    case 'derivative': return derivativeText(math, job.text, job.variable, job.simplifyLimit);
  }
}

/** nerdamer's answer to one command. */
const nerd = (text: string): string => runJob({ op: 'nerdamer', text });

/** Maps our symbols to CAS-safe names and back. */
class Namer {
  private readonly toName = new Map<string, string>();
  private readonly toSym = new Map<string, Sym>();
  name(s: Sym): string {
    const k = symKey(s);
    let n = this.toName.get(k);
    if (!n) {
      n = `s${this.toName.size}`;
      this.toName.set(k, n);
      this.toSym.set(n, s);
    }
    return n;
  }
  sym(name: string): Sym | undefined {
    return this.toSym.get(name);
  }
}

function toCas(e: Expr, names: Namer): string {
  switch (e.kind) {
    case 'num': return e.value < 0 ? `(${e.value})` : String(e.value);
    case 'sym': return names.name(e.sym);
    case 'add': return `(${e.terms.map((t) => toCas(t, names)).join('+')})`;
    case 'mul': return `(${e.factors.map((t) => toCas(t, names)).join('*')})`;
    case 'pow': return `(${toCas(e.base, names)})^(${toCas(e.exp, names)})`;
    case 'call': {
      const fn = lookupFunction(e.fn);
      if (!fn || fn.arity < 1) throw new Error(`internal: ${e.fn} cannot go to the CAS`);
      // Send the definition: the engines do not know sigmoid or softplus.
      const [x, y] = e.args.map((a) => `(${toCas(a, names)})`);
      return `(${fn.cas.replace(/\bx\b/g, x!).replace(/\by\b/g, y ?? 'y')})`;
    }
  }
}

export const MAX_FORMULA_DEPTH = 64;

/** A formula (or the derivative the CAS made of it) nested past MAX_FORMULA_DEPTH. */
export class FormulaTooDeep extends Error {
  constructor() {
    super(`formula nested deeper than ${MAX_FORMULA_DEPTH} levels`);
    this.name = 'FormulaTooDeep';
  }
}

const ALLOWED_OPERATORS: Readonly<Record<string, true>> = { add: true, subtract: true, multiply: true, divide: true, unaryMinus: true, unaryPlus: true, pow: true };

/**
 * Convert a mathjs syntax tree into our IR; `resolve` names the symbols. This
 * is an allow-list: numbers, symbols, + − × ÷ ^, parentheses and the known
 * functions. Anything else (property access, assignment, definitions, unknown
 * functions such as evaluate or import, strings, conditionals) is refused with
 * the offending token named. Nothing is ever evaluated.
 */
export function fromMathNode(node: MathNode, resolve: (name: string) => Expr, depth = 0, parensNest = true): Expr {
  if (depth > MAX_FORMULA_DEPTH) throw new FormulaTooDeep();
  const go = (n: MathNode): Expr => fromMathNode(n, resolve, depth + 1, parensNest);
  const anyNode = node as MathNode & { [k: string]: unknown };
  const token = (): string => {
    try { return node.toString().replace(/\s+/g, ' '); } catch { return node.type; } // one line, whatever the formula held
  };
  switch (node.type) {
    case 'ConstantNode': {
      const v = anyNode.value;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`"${token()}" is not a finite number`);
      return num(v);
    }
    case 'SymbolNode': {
      const name = anyNode.name as string;
      if (name === 'e' || name === 'E') return call('exp', num(1));
      if (name === 'pi' || name === 'PI') return num(Math.PI);
      return resolve(name);
    }
    case 'ParenthesisNode':
      // In a person's formula parentheses count as nesting; in the CAS's printed answers, which put them
      // around every argument, they are grouping only.
      return parensNest ? go(anyNode.content as MathNode) : fromMathNode(anyNode.content as MathNode, resolve, depth, false);
    case 'OperatorNode': {
      const fn = anyNode.fn as string;
      if (!Object.hasOwn(ALLOWED_OPERATORS, fn)) throw new Error(`operator "${String(anyNode.op)}" is not allowed (in "${token()}")`);
      const args = (anyNode.args as MathNode[]).map(go);
      const [a, b] = args as [Expr, Expr];
      switch (fn) {
        case 'add': return add(a, b);
        case 'subtract': return sub(a, b);
        case 'multiply': return mul(a, b);
        case 'divide': return div(a, b);
        case 'unaryMinus': return neg(a);
        case 'unaryPlus': return a;
        default: {
          // e^u is exp(u)
          if (a.kind === 'call' && a.fn === 'exp' && a.args[0]?.kind === 'num' && a.args[0].value === 1) return call('exp', b);
          return pow(a, b);
        }
      }
    }
    case 'FunctionNode': {
      const fnNode = anyNode.fn as MathNode & { name?: string };
      if (fnNode.type !== 'SymbolNode') throw new Error(`"${token()}" is not allowed: only named functions may be called`);
      const name = fnNode.name === 'ln' ? 'log' : fnNode.name;
      const known = name === undefined ? undefined : lookupFunction(name);
      if (!name || !known || known.arity !== 1) throw new Error(`function "${fnNode.name}" is not allowed (allowed: ${FORMULA_FUNCTIONS.join(', ')})`);
      const args = (anyNode.args as MathNode[]).map(go);
      if (args.length !== 1) throw new Error(`function "${name}" takes one argument, found ${args.length}`);
      return call(name, ...args);
    }
    case 'AccessorNode': case 'IndexNode':
      throw new Error(`property or index access "${token()}" is not allowed`);
    case 'AssignmentNode': case 'FunctionAssignmentNode':
      throw new Error(`definitions are not allowed: "${token()}"`);
    default:
      throw new Error(`"${token()}" (${node.type}) is not allowed in a formula`);
  }
}

/** Functions a formula may call. */
export const FORMULA_FUNCTIONS = ['exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'sinh', 'cosh', 'sech', 'sigmoid', 'softplus'];

function fromCasString(text: string, names: Namer): Expr {
  return fromMathNode(parse(text), (name) => {
    const s = names.sym(name);
    if (!s) throw new Error(`internal: the CAS returned an unknown symbol ${name}`);
    return { kind: 'sym', sym: s };
  }, 0, false);
}

/** ∂e/∂wrt by nerdamer. */
export function casDiff(e: Expr, wrt: Sym): Expr {
  const names = new Namer();
  const text = toCas(e, names);
  const v = names.name(wrt);
  return fromCasString(nerd(`diff(${text}, ${v})`), names);
}

/** True when nerdamer expands e to exactly 0: a symbolic proof that e ≡ 0. */
export function casIsZero(e: Expr): boolean {
  const names = new Namer();
  return nerd(`expand(${toCas(e, names)})`) === '0';
}

/** Expand e with nerdamer and bring it back (for display of small expressions). */
export function casExpand(e: Expr): Expr {
  const names = new Namer();
  return fromCasString(nerd(`expand(${toCas(e, names)})`), names);
}

/** Numerator and denominator of a rational expression, as our IR. */
function toFraction(e: Expr): { n: Expr; d: Expr } {
  switch (e.kind) {
    case 'add': {
      let acc = { n: num(0), d: num(1) };
      for (const t of e.terms) {
        const f = toFraction(t);
        acc = { n: add(mul(acc.n, f.d), mul(f.n, acc.d)), d: mul(acc.d, f.d) };
      }
      return acc;
    }
    case 'mul': {
      let acc = { n: num(1), d: num(1) };
      for (const t of e.factors) {
        const f = toFraction(t);
        acc = { n: mul(acc.n, f.n), d: mul(acc.d, f.d) };
      }
      return acc;
    }
    case 'pow':
      if (e.exp.kind === 'num' && Number.isInteger(e.exp.value) && e.exp.value < 0) {
        const f = toFraction(e.base);
        return { n: pow(f.d, num(-e.exp.value)), d: pow(f.n, num(-e.exp.value)) };
      }
      return { n: e, d: num(1) };
    default:
      return { n: e, d: num(1) };
  }
}

/**
 * Cancel a rational expression to a polynomial when the denominator divides
 * the numerator (nerdamer's polynomial division), checked by expanding q·D − N.
 */
export function casCancel(e: Expr): Expr | undefined {
  const { n, d } = toFraction(e);
  const names = new Namer();
  const N = `expand(${toCas(n, names)})`;
  const D = `expand(${toCas(d, names)})`;
  try {
    const q = nerd(`divide(${N}, ${D})`);
    const check = nerd(`expand((${q})*(${D}) - (${N}))`);
    return check === '0' ? fromCasString(q, names) : undefined;
  } catch (err) {
    if (err instanceof CasTimeout) throw err;
    return undefined;
  }
}

/**
 * Bring a rational expression to lowest terms, N/D with the common factor
 * cancelled (nerdamer's polynomial gcd), checked by cross-multiplying.
 */
export function casLowestTerms(e: Expr): Expr | undefined {
  // Function calls (|z|, σ(z), …) become plain symbols so the algebra is on polynomials.
  const atoms = new Map<string, { call: Expr; stand: Expr }>();
  const atomize = (x: Expr): Expr => {
    switch (x.kind) {
      case 'call': {
        const k = key(x);
        if (!atoms.has(k)) atoms.set(k, { call: x, stand: { kind: 'sym', sym: { base: 'atom', index: [atoms.size + 1] } } });
        return atoms.get(k)!.stand;
      }
      case 'add': return add(...x.terms.map(atomize));
      case 'mul': return mul(...x.factors.map(atomize));
      case 'pow': return pow(atomize(x.base), atomize(x.exp));
      default: return x;
    }
  };
  const restore = (x: Expr): Expr => substitute(x, (s) => (s.base === 'atom' ? [...atoms.values()][s.index[0]! - 1]!.call : undefined));
  const result = lowestTerms(atomize(e));
  return result && restore(result);
}

function lowestTerms(e: Expr): Expr | undefined {
  const { n, d } = toFraction(e);
  const names = new Namer();
  const N = `expand(${toCas(n, names)})`;
  const D = `expand(${toCas(d, names)})`;
  try {
    const gcd = nerd(`gcd(${N}, ${D})`);
    const g = gcd.startsWith('gcd(') ? '1' : gcd; // nerdamer leaves gcd(1, p) unevaluated
    const top = nerd(`expand(divide(${N}, ${g}))`);
    const bottom = nerd(`factor(expand(divide(${D}, ${g})))`);
    const check = nerd(`expand((${top})*(${D}) - (${bottom})*(${N}))`);
    if (check !== '0') return undefined;
    return div(fromCasString(top, names), fromCasString(bottom, names));
  } catch (err) {
    if (err instanceof CasTimeout) throw err;
    return undefined;
  }
}

/** Derivatives with more nodes than this are not simplified (see formulaDerivative). */
export const SIMPLIFY_NODE_LIMIT = 150;

/**
 * d/dx of a formula in x, by mathjs, simplified by mathjs (only used on
 * single activations and per-element losses, where its simplifier is fast).
 */
export function formulaDerivative(formula: Expr, variable: Sym): Expr {
  const names = new Namer();
  const text = toCas(formula, names);
  const v = names.name(variable);
  // mathjs's simplifier grows explosively with size (sin nested 20 deep: 6 s; 30 deep: minutes), while the
  // plain derivative is fast at any depth. Large derivatives are taken as they come, unsimplified.
  const d = parse(runJob({ op: 'derivative', text, variable: v, simplifyLimit: SIMPLIFY_NODE_LIMIT }));
  return fromMathNode(d, (name) => {
    const s = names.sym(name);
    if (!s) throw new Error(`internal: mathjs returned an unknown symbol ${name}`);
    return { kind: 'sym', sym: s };
  }, 0, false);
}


export const MAX_FORMULA_LENGTH = 500;

/** Parse a formula in mathjs syntax whose only free symbols are those `allowed` names. */
export function parseScalarFormula(text: string, allowed: Record<string, Expr>): Expr {
  if (text.length > MAX_FORMULA_LENGTH) throw new Error(`formula longer than ${MAX_FORMULA_LENGTH} characters`);
  let tree: MathNode;
  try {
    tree = parse(text);
  } catch (err) {
    throw new Error(`cannot read it: ${(err as Error).message}`);
  }
  return fromMathNode(tree, (name) => {
    if (!Object.hasOwn(allowed, name)) throw new Error(`unknown symbol "${name}" (allowed: ${Object.keys(allowed).join(', ')})`);
    return allowed[name]!;
  });
}

export { sym };
