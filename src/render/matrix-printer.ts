// The derivation's matrix form printed for array languages (GNU Octave/MATLAB,
// NumPy): z = W a + b, a = σ(z), δ = (Wᵀ δ') ⊙ σ'(z), ∂C/∂W = δ aᵀ, one statement
// per equation, straight from the Derivation's MExpr (no scalar lowering: the
// languages' vectorized operators are their idiom and their fast path). A target
// is a table of spellings (ArraySpelling) plus a template; the printer below has
// one method per node kind, as the TypeScript and LaTeX printers do.
//
// Every array holds one example per column, so the same code runs one example
// (one column) or a batch: the products δ aᵀ then sum over the batch themselves,
// and ∂C/∂b = δ is summed over the columns explicitly.
import type { Compiled } from '../pipeline.ts';
import type { GraphLayer } from '../graph/build.ts';
import { layoutOf, type LayoutEntry } from '../graph/layout.ts';
import { add, call, mul, neg, num, sub, substitute, sym, type Expr, type Sym } from '../symbolic/expr.ts';
import type { MExpr } from '../symbolic/matrix.ts';
import { stableCrossEntropy } from '../symbolic/activations.ts';
import { PREC, orderTerms, splitFraction, splitSign } from './precedence.ts';
import { printNumber } from './ts-printer.ts';

export interface Printed { readonly text: string; readonly prec: number }

const atom = (text: string): Printed => ({ text, prec: PREC.atom });

/** How one array language spells what the matrix form needs. */
export interface ArraySpelling {
  /** Elementwise product, quotient and power, and the matrix product, with their spaces. */
  readonly times: string;
  readonly divide: string;
  readonly power: string;
  readonly matmul: string;
  /** The transpose of an operand that is already an atom. */
  readonly transpose: (atom: string) => string;
  /** Elementwise functions by the IR's name (src/symbolic/functions.ts): a builtin, or a helper the file defines. */
  readonly functions: Readonly<Record<string, string>>;
  /** Max and sum over a layer's units (the rows: one value per example), and sum over the examples (the columns). */
  readonly maxOverUnits: (x: string) => string;
  readonly sumOverUnits: (x: string) => string;
  readonly sumOverExamples: (x: string) => string;
  /** The sum of every element, as a scalar. */
  readonly total: (x: string) => string;
  readonly assign: (target: string, code: string) => string;
  readonly comment: (text: string) => string;
  /** A parameter matrix (rows × cols) read from the flat parameter vector, which is named `params`. */
  readonly load: (e: LayoutEntry, params: string) => string;
  /** The flat gradient vector from the gradients of the parameters, in layout order. */
  readonly pack: (parts: readonly { readonly name: string; readonly entry: LayoutEntry }[]) => string;
}

/**
 * The names of the arrays, from validated numbers only: W1, b1, z1, a1, d1 (δ),
 * dW1, db1, and for a softmax layer m1, e1, s1 (maximum, exponentials, sum).
 * a^(0) is the input x.
 */
export function arrayName(base: string, layer?: number): string {
  if (base === 'a' && layer === 0) return 'x';
  if (base === 'y') return 'y';
  const short: Readonly<Record<string, string>> = { W: 'W', b: 'b', z: 'z', a: 'a', delta: 'd', dW: 'dW', db: 'db', m: 'm', e: 'e', s: 's' };
  if (!Object.hasOwn(short, base) || layer === undefined) throw new Error(`internal: no array name for ${base}${layer ?? ''}`);
  return `${short[base]}${layer}`;
}

export class ArrayPrinter {
  /** The IR functions printed so far: the file defines the helpers among them. */
  readonly used = new Set<string>();

  constructor(private readonly spelling: ArraySpelling) {}

  /** A matrix expression. */
  matrix(m: MExpr): Printed {
    switch (m.kind) {
      case 'mvar': return this.mvar(m.base, m.layer);
      case 'matmul': return this.matmul(m.left, m.right);
      case 'transpose': return this.transpose(m.arg);
      case 'hadamard': return this.hadamard(m.left, m.right);
      case 'plus': return this.plus(m.left, m.right);
      case 'apply': return this.apply(m);
      case 'applyDeriv': return this.applyDeriv(m);
      case 'softmaxJacobian': throw new Error('internal: the softmax Jacobian is simplified away before code is printed');
      case 'ewise': return this.ewise(m.expr, m.args, m.rows);
    }
  }

  /** A scalar formula applied elementwise; `spell` gives the array each symbol stands for. */
  scalar(e: Expr, spell: (s: Sym) => Printed): Printed {
    switch (e.kind) {
      case 'num': return { text: printNumber(e.value), prec: e.value < 0 ? PREC.unary : PREC.atom };
      case 'sym': return spell(e.sym);
      case 'add': return this.add(e.terms, spell);
      case 'mul': return this.mul(e.factors, spell);
      case 'pow': return this.pow(e.base, e.exp, spell);
      case 'call': return this.call(e.fn, e.args, spell);
    }
  }

  private wrap(p: Printed, min: number): string {
    return p.prec < min ? `(${p.text})` : p.text;
  }

  private mvar(base: string, layer: number | undefined): Printed {
    return atom(arrayName(base, layer));
  }

  private matmul(left: MExpr, right: MExpr): Printed {
    return { text: `${this.wrap(this.matrix(left), PREC.mul)}${this.spelling.matmul}${this.wrap(this.matrix(right), PREC.mul + 1)}`, prec: PREC.mul };
  }

  private transpose(arg: MExpr): Printed {
    return atom(this.spelling.transpose(this.wrap(this.matrix(arg), PREC.atom)));
  }

  private hadamard(left: MExpr, right: MExpr): Printed {
    // (Wᵀ δ) ⊙ σ': the parentheses are not needed (same precedence, left to right) but say which product is which.
    const l = this.matrix(left);
    return { text: `${left.kind === 'matmul' ? `(${l.text})` : this.wrap(l, PREC.mul)}${this.spelling.times}${this.wrap(this.matrix(right), PREC.mul + 1)}`, prec: PREC.mul };
  }

  private plus(left: MExpr, right: MExpr): Printed {
    return { text: `${this.matrix(left).text} + ${this.wrap(this.matrix(right), PREC.add + 1)}`, prec: PREC.add };
  }

  /** σ(arg): the activation's formula in u, with u the array. Softmax is printed as a whole layer (softmaxLines). */
  private apply(m: Extract<MExpr, { kind: 'apply' }>): Printed {
    if (!m.act.elementwise) throw new Error('internal: softmax is printed as a whole layer');
    const arg = this.matrix(m.arg);
    return this.scalar(m.act.formula, (s) => (s.base === 'u' && s.index.length === 0 ? arg : unknownSymbol(s)));
  }

  /** σ'(arg): from the output σ(arg) where the activation has that form (σ' = σ(1 − σ)), as the TypeScript trainer does. */
  private applyDeriv(m: Extract<MExpr, { kind: 'applyDeriv' }>): Printed {
    const [expr, symbol] = m.act.fromOutput ? [m.act.fromOutput, 'v'] : [m.act.derivative, 'u'];
    const value = this.matrix(symbol === 'v' ? m.output : m.arg);
    return this.scalar(expr, (s) => (s.base === symbol && s.index.length === 0 ? value : unknownSymbol(s)));
  }

  /** A formula whose symbols name arrays (`a`, `y`, …); n is the number of rows. */
  private ewise(expr: Expr, args: Readonly<Record<string, MExpr>>, rows: number): Printed {
    const printed = new Map(Object.entries(args).map(([k, v]) => [k, this.matrix(v)]));
    const withN = substitute(expr, (s) => (s.base === 'n' && s.index.length === 0 && s.layer === undefined ? num(rows) : undefined));
    return this.scalar(withN, (s) => (s.index.length === 0 && s.layer === undefined && printed.get(s.base)) || unknownSymbol(s));
  }

  // The scalar node kinds follow TsPrinter's choices (term order, a * a for a², 1 / a), so the arithmetic is the TypeScript trainer's.
  private add(terms: readonly Expr[], spell: (s: Sym) => Printed): Printed {
    let text = '';
    orderTerms(terms).forEach((t, i) => {
      const { negative, magnitude } = splitSign(t);
      const m = this.scalar(magnitude, spell);
      if (i === 0) text = negative ? `-${this.wrap(m, PREC.unary)}` : this.wrap(m, PREC.add);
      else text += `${negative ? ' - ' : ' + '}${this.wrap(m, PREC.add + (negative ? 1 : 0))}`;
    });
    return { text, prec: PREC.add };
  }

  private mul(factors: readonly Expr[], spell: (s: Sym) => Printed): Printed {
    const { negative, magnitude } = splitSign({ kind: 'mul', factors });
    if (negative) return { text: `-${this.wrap(this.scalar(magnitude, spell), PREC.unary)}`, prec: PREC.unary };
    const parts = magnitude.kind === 'mul' ? magnitude.factors : [magnitude];
    const { numerator, denominator } = splitFraction(parts);
    const top = numerator.map((f) => this.scalar(f, spell));
    // A number times an array is a plain product (2 * (a - y)); array times array is elementwise.
    const topText = top.length === 0 ? '1' : top.map((p, i) => (i === 0 ? '' : numerator[i - 1]!.kind === 'num' ? ' * ' : this.spelling.times) + this.wrap(p, PREC.mul)).join('');
    if (denominator.length === 0) return { text: topText, prec: top.length > 1 ? PREC.mul : top[0]!.prec };
    const bottom = denominator.map((f) => this.wrap(this.scalar(f, spell), PREC.pow)).join(this.spelling.divide);
    return { text: `${topText}${this.spelling.divide}${bottom}`, prec: PREC.mul };
  }

  private pow(base: Expr, exp: Expr, spell: (s: Sym) => Printed): Printed {
    const b = this.scalar(base, spell);
    if (exp.kind === 'num' && exp.value === 2 && b.prec === PREC.atom) return { text: `${b.text}${this.spelling.times}${b.text}`, prec: PREC.mul };
    if (exp.kind === 'num' && exp.value === -1) return { text: `1${this.spelling.divide}${this.wrap(b, PREC.pow)}`, prec: PREC.mul };
    if (exp.kind === 'num' && exp.value === 0.5) return this.callText('sqrt', [b.text]);
    return { text: `${this.wrap(b, PREC.atom)}${this.spelling.power}${this.wrap(this.scalar(exp, spell), PREC.atom)}`, prec: PREC.pow };
  }

  private call(fn: string, args: readonly Expr[], spell: (s: Sym) => Printed): Printed {
    return this.callText(fn, args.map((a) => this.scalar(a, spell).text));
  }

  private callText(fn: string, args: readonly string[]): Printed {
    const name = Object.hasOwn(this.spelling.functions, fn) ? this.spelling.functions[fn] : undefined;
    if (name === undefined) throw new Error(`internal: no array spelling of the function ${fn}`);
    this.used.add(fn);
    // max is the one n-ary function; the array languages' elementwise max takes two arguments.
    if (fn === 'max' && args.length > 2) return this.callText('max', [args[0]!, this.callText('max', args.slice(1)).text]);
    return atom(`${name}(${args.join(', ')})`);
  }
}

function unknownSymbol(s: Sym): never {
  throw new Error(`internal: the symbol ${s.base} has no array in this formula`);
}

/** The bodies of a trainer in an array language: lines without indentation. */
export interface ArrayBodies {
  /** The forward pass; a^(L) is in `output`. */
  readonly predict: readonly string[];
  readonly output: string;
  /** The forward pass and the loss C, summed over the examples (columns). */
  readonly loss: readonly string[];
  /** The forward pass, C, the δ recursion and the gradient vector g, summed over the examples. */
  readonly lossAndGradient: readonly string[];
  /** The IR functions the bodies call. */
  readonly used: ReadonlySet<string>;
}

/** Print the forward pass, the loss and the backward pass of a compiled network in one array language. */
export function arrayBodies(c: Compiled, spelling: ArraySpelling, params: string): ArrayBodies {
  const printer = new ArrayPrinter(spelling);
  const { graph, gradients } = c.derivation;
  const entries = layoutOf(c.network).entries;
  const set = (target: string, code: Printed | string): string => spelling.assign(target, typeof code === 'string' ? code : code.text);
  const loads = entries.map((e) => set(e.name, spelling.load(e, params)));
  const forward = graph.layers.flatMap((layer) => [
    spelling.comment(`layer ${layer.l}: z = W a${layer.b ? ' + b' : ''}, a = ${layer.act.name}(z)`),
    set(arrayName('z', layer.l), printer.matrix(layer.zDef)),
    ...(layer.act.elementwise ? [set(arrayName('a', layer.l), printer.matrix(layer.aDef))] : softmaxLines(layer, spelling, set)),
  ]);
  const last = graph.layers[graph.layers.length - 1]!;
  const lossLine = set('C', spelling.total(printer.scalar(lossElement(c), (s) => lossArray(s, last)).text));
  const backward = [...gradients].reverse().flatMap((g) => {
    const l = g.layer.l;
    return [
      spelling.comment(`${l === graph.layers.length ? `d${l} = dC/dz${l}` : `d${l} = (W${l + 1}^T d${l + 1}) o sigma'(z${l})`}; dC/dW${l} = d${l} ${arrayName('a', l - 1)}^T${g.db ? `; dC/db${l} = d${l}` : ''}`),
      set(arrayName('delta', l), printer.matrix(g.delta)),
      // δ aᵀ: with one example per column, the product sums over the examples itself.
      set(arrayName('dW', l), printer.matrix(g.dW)),
      ...(g.db ? [set(arrayName('db', l), spelling.sumOverExamples(printer.matrix(g.db).text))] : []),
    ];
  });
  const pack = set('g', spelling.pack(entries.map((entry) => ({ name: arrayName(entry.kind === 'W' ? 'dW' : 'db', entry.layer), entry }))));
  return {
    predict: [...loads, ...forward],
    output: arrayName('a', last.l),
    loss: [...loads, ...forward, lossLine],
    lossAndGradient: [...loads, ...forward, lossLine, ...backward, pack],
    used: printer.used,
  };
}

/** Softmax over each column, with the maximum subtracted before exp so large logits cannot overflow (as the TypeScript trainer). */
function softmaxLines(layer: GraphLayer, spelling: ArraySpelling, set: (target: string, code: string) => string): string[] {
  const [z, m, e, s, a] = (['z', 'm', 'e', 's', 'a'] as const).map((b) => arrayName(b, layer.l)) as [string, string, string, string, string];
  return [
    set(m, spelling.maxOverUnits(z)),
    set(e, `${spelling.functions.exp}(${z} - ${m})`),
    set(s, spelling.sumOverUnits(e)),
    set(a, `${e}${spelling.divide}${s}`),
  ];
}

/**
 * The loss per output element, in the same stable forms as the TypeScript trainer
 * (lossExpression and stableLossTerm in src/lower/routine.ts), with unindexed
 * symbols standing for whole arrays: a, y, z and, for softmax, m and s.
 */
function lossElement(c: Compiled): Expr {
  const { graph } = c.derivation;
  const last = graph.layers[graph.layers.length - 1]!;
  const [a, y, z, m, s] = ['a', 'y', 'z', 'm', 's'].map((b) => sym(b)) as [Expr, Expr, Expr, Expr, Expr];
  if (graph.loss.name === 'softmax-cross-entropy' && !last.act.elementwise) return mul(y, add(m, call('log', s), neg(z)));
  const fromLogit = graph.loss.name === 'cross-entropy' ? stableCrossEntropy(last.act, z, y) : undefined;
  if (fromLogit) return fromLogit;
  if (graph.loss.name === 'cross-entropy') return neg(add(call('xlogy', y, a), call('xlogy', sub(num(1), y), sub(num(1), a))));
  return substitute(graph.loss.element, (q) => (q.base === 'n' && q.index.length === 0 ? num(last.units) : undefined));
}

function lossArray(s: Sym, last: GraphLayer): Printed {
  if (s.index.length !== 0 || s.layer !== undefined) unknownSymbol(s);
  if (s.base === 'y') return atom('y');
  if (['a', 'z', 'm', 's'].includes(s.base)) return atom(arrayName(s.base, last.l));
  return unknownSymbol(s);
}
