// Routine → the generated trainer module's source, following DESIGN's API.
import type { Routine, Stmt } from '../lower/routine.ts';
import { HYPERPARAMETERS, OPTIMIZERS, type Hyperparameter, type Network } from '../spec/types.ts';
import type { Compiled } from '../pipeline.ts';
import { layoutOf, type LayoutEntry } from '../graph/layout.ts';
import { UserError } from '../errors.ts';
import { FUNCTION_STATEMENT_LIMIT, loopBodies, type Bodies } from './loops.ts';
import { functionsOf, symbolsOf, symKey, type Expr, type Sym } from '../symbolic/expr.ts';
import { FUNCTIONS, type ScalarFunction } from '../symbolic/functions.ts';
import { renderTemplate } from './emit.ts';
import { annotation, JAVASCRIPT, readElement, TsPrinter, TYPESCRIPT, type Dialect } from './ts-printer.ts';

const INDENT = '  ';

/** Spell a symbol as a TypeScript identifier or element read; names are built from validated numbers only. */
export function spellTs(s: Sym, d: Dialect = TYPESCRIPT): string {
  const i = s.index;
  switch (s.base) {
    case 'x': return readElement(d, 'x', String(i[0]! - 1));
    case 'y': return readElement(d, 'y', String(i[0]! - 1));
    case 'W': return `W${s.layer}_${i[0]}_${i[1]}`;
    case 'b': return `b${s.layer}_${i[0]}`;
    case 'z': return `z${s.layer}_${i[0]}`;
    case 'a': return `a${s.layer}_${i[0]}`;
    case 'delta': return `d${s.layer}_${i[0]}`;
    case 't': return `t${i[0]}`;
    case 'm': return `m${s.layer}`;
    case 's': return `s${s.layer}`;
    case 'e': return `e${s.layer}_${i[0]}`;
    default: throw new Error(`internal: no TypeScript name for ${s.base}`);
  }
}

export type UnrollMode = 'full' | 'loops' | 'auto';

export interface CodeOptions {
  /** full: straight-line code; loops: loop nests over buffers; auto: chosen from the sizes. */
  readonly unroll: UnrollMode;
}

/**
 * Cheap upper bound on the unrolled sgdStep's statements (loads, z, a, δ,
 * updates): lowering is tried only below it, and the real count decides.
 */
function unrolledEstimate(c: Compiled): number {
  const units = c.network.layers.reduce((n, l) => n + l.units, 0);
  return 2 * layoutOf(c.network).paramCount + 3 * units;
}

/**
 * Straight-line code is refused above this many parameters: 784-30-10 (23,860)
 * gives 4 MB of source, and 5 million parameters ran out of string length after
 * 93 s and 3.4 GB. Loops carry the same computation at any size.
 */
export const FULL_UNROLL_PARAMETER_LIMIT = 100_000;

/** The code form for the whole module: 'full' only where every unrolled function stays under the limit. */
export function chooseMode(c: Compiled, mode: UnrollMode): 'full' | 'loops' {
  if (mode === 'full') {
    const n = layoutOf(c.network).paramCount;
    if (n > FULL_UNROLL_PARAMETER_LIMIT) throw new UserError(`--unroll full: ${c.network.name} has ${n} parameters; straight-line code is limited to ${FULL_UNROLL_PARAMETER_LIMIT} (use --unroll loops or auto)`);
  }
  if (mode !== 'auto') return mode;
  if (unrolledEstimate(c) > 2 * FUNCTION_STATEMENT_LIMIT) return 'loops';
  return longestBody(unrolledBodies(c.routine)) <= FUNCTION_STATEMENT_LIMIT ? 'full' : 'loops';
}

/** Statements in the longest function body (comments not counted). */
export function longestBody(b: Bodies): number {
  const count = (lines: readonly string[]): number => lines.filter((l) => !l.trimStart().startsWith('//')).length;
  const parts = (b.helpers ?? []).map((h) => count(h.split('\n').slice(1, -1)));
  return Math.max(count(b.predict), count(b.loss), count(b.lossAndGradient), count(b.addLossAndGradient), count(b.sgdStep), ...parts);
}

/** The trainer module as strict TypeScript (it passes noUncheckedIndexedAccess and exactOptionalPropertyTypes too). */
export function generateTypeScript(c: Compiled, options: Partial<CodeOptions> = {}): string {
  return generateModule(c, options, TYPESCRIPT);
}

/**
 * The same module as a plain JavaScript ES module, for loading at run time
 * without a TypeScript transpiler: printed from the same bodies with types
 * off, so it is the TypeScript module with its annotations, interfaces and
 * non-null assertions left out. generateDeclarations gives its .d.ts.
 */
export function generateJavaScript(c: Compiled, options: Partial<CodeOptions> = {}): string {
  return generateModule(c, options, JAVASCRIPT);
}

function generateModule(c: Compiled, options: Partial<CodeOptions>, d: Dialect): string {
  const mode = chooseMode(c, options.unroll ?? 'auto');
  // Forced full on a large network: straight-line over the buffers, split into parts, since the
  // scalar routine would make functions of tens of thousands of statements (slow to type-check, never optimized).
  const bodies = mode === 'loops' ? loopBodies(c, { dialect: d })
    : unrolledEstimate(c) > 2 * FUNCTION_STATEMENT_LIMIT ? loopBodies(c, { unrollAll: true, dialect: d }) : unrolledBodies(c.routine, d);
  return printModule({
    ...header(c),
    layoutNote: 'for l = 1..L, W^(l) row-major, then b^(l)',
    entries: layoutOf(c.network).entries,
    mode: mode === 'full' ? 'unrolled straight-line code' : 'loops with the sizes baked in, small layers straight-line',
    bodies,
  }, d);
}

/** What one trainer module is made of, whatever network form it comes from. */
export interface ModuleParts {
  readonly name: string;
  readonly summary: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly paramCount: number;
  /** How the parameters are laid out, for the module's first comment. */
  readonly layoutNote: string;
  readonly entries: readonly LayoutEntry[];
  readonly mode: string;
  readonly bodies: Bodies;
}

/** The module from its parts: the bodies of predict, loss, lossAndGradient and sgdStep, and everything around them. */
export function printModule(m: ModuleParts, d: Dialect): string {
  const { bodies } = m;
  const block = (lines: string[]): string => lines.map((l) => INDENT + l).join('\n');
  return renderTemplate('ts/module', {
    name: m.name, summary: m.summary, inputSize: m.inputSize, outputSize: m.outputSize, paramCount: m.paramCount,
    layoutNote: m.layoutNote,
    mode: m.mode,
    types: d.types,
    layoutType: annotation(d, LAYOUT_TYPE),
    layout: m.entries.map((e) => `  { name: '${e.name}', offset: ${e.offset}, rows: ${e.rows}, cols: ${e.cols} },`).join('\n'),
    interfaces: interfaces(m.entries),
    head: Object.fromEntries([
      ...Object.entries(API).map(([name, f]) => [name, `${doc(f)}\nexport function ${signature(name, f, d)}`]),
      ...Object.entries(INTERNAL).map(([name, f]) => [name, `${doc(f)}\nfunction ${signature(name, f, d)}`]),
    ]),
    defaults: `{ ${Object.entries(HYPERPARAMETERS).map(([h, v]) => `${h}: ${v}`).join(', ')} }`,
    takes: `{\n${Object.entries(OPTIMIZERS).map(([kind, takes]) => `  ${kind}: [${takes.map((h) => `'${h}'`).join(', ')}],`).join('\n')}\n}`,
    nonNull: d.types ? '!' : '',
    helpers: helpersFor(bodies.used, [...bodies.predict, ...bodies.loss, ...bodies.lossAndGradient, ...bodies.addLossAndGradient, ...bodies.sgdStep, ...(bodies.helpers ?? [])].join('\n'), d),
    scratch: bodies.scratch.join('\n'),
    parts: (bodies.helpers ?? []).join('\n\n'),
    predict: block(bodies.predict),
    loss: block(bodies.loss),
    lossAndGradient: block(bodies.lossAndGradient),
    addLossAndGradient: block(bodies.addLossAndGradient),
    sgdStep: block(bodies.sgdStep),
  });
}

/** A .d.ts for the JavaScript module: the TypeScript module's exports and types, without bodies. */
export function generateDeclarations(c: Compiled): string {
  return printDeclarations({ ...header(c), entries: layoutOf(c.network).entries });
}

/** The .d.ts from the module's header and layout. */
export function printDeclarations(h: Pick<ModuleParts, 'name' | 'summary' | 'inputSize' | 'outputSize' | 'paramCount' | 'entries'>): string {
  return [
    `// Generated by deltagen from network "${h.name}": ${h.summary}.`,
    '// Declarations for the JavaScript rendering of the trainer module (the TypeScript module needs none). Do not edit.',
    '',
    `export declare const inputSize = ${h.inputSize};`,
    `export declare const outputSize = ${h.outputSize};`,
    `export declare const paramCount = ${h.paramCount};`,
    `export declare const layout: ${LAYOUT_TYPE};`,
    '',
    interfaces(h.entries),
    ...Object.entries(API).flatMap(([name, f]) => ['', doc(f), `export declare function ${signature(name, f, TYPESCRIPT, true)};`]),
    '',
  ].join('\n');
}

function header(c: Compiled): { name: string; summary: string; inputSize: number; outputSize: number; paramCount: number } {
  return {
    name: c.network.name,
    summary: describe(c.network),
    inputSize: c.network.input,
    outputSize: c.network.layers[c.network.layers.length - 1]!.units,
    paramCount: layoutOf(c.network).paramCount,
  };
}

const LAYOUT_TYPE = 'readonly { readonly name: string; readonly offset: number; readonly rows: number; readonly cols: number }[]';

/** What each hyperparameter is, for the module's documentation (its default and users come from the spec's tables). */
const HYPERPARAMETER_DOCS: Readonly<Record<Hyperparameter, string>> = {
  momentum: 'μ, the momentum',
  rho: 'ρ, the decay of the mean square of the gradient',
  beta1: 'β1, the decay of the mean of the gradient',
  beta2: 'β2, the decay of the mean of its square',
  epsilon: 'ε, added to the square root',
  weightDecay: 'λ, the decoupled weight decay: −η λ θ beside the step',
};

/** The types the module's functions take and return, in the TypeScript module and in the declarations (JavaScript has no place for them). */
function interfaces(entries: readonly LayoutEntry[]): string {
  const users = (h: Hyperparameter): string[] => Object.entries(OPTIMIZERS).filter(([, takes]) => (takes as readonly string[]).includes(h)).map(([kind]) => kind);
  return `export interface Example {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
}

/** The optimizers createOptimizer and train know. */
export type OptimizerKind = ${Object.keys(OPTIMIZERS).map((k) => `'${k}'`).join(' | ')};

/** The hyperparameters of the optimizers; each optimizer takes some of them. */
export interface Hyperparameters {
${Object.entries(HYPERPARAMETERS).map(([h, v]) => `  /** ${HYPERPARAMETER_DOCS[h as Hyperparameter]} (${users(h as Hyperparameter).join(', ')}; default ${v}). */
  readonly ${h}: number;`).join('\n')}
}

/** An optimizer by name, with any of the hyperparameters it takes (the others take their defaults). */
export interface OptimizerSettings extends Partial<Hyperparameters> {
  readonly kind: OptimizerKind;
}

export interface OptimizerOptions extends OptimizerSettings {
  /** η, the learning rate. */
  readonly rate: number;
}

export interface Optimizer {
  readonly kind: OptimizerKind;
  /** The rate of the next step (a schedule changes it). */
  rate: number;
  /** Updates made so far (t of Adam's bias correction). */
  readonly steps: number;
  /** Updates params in place with grad, the gradient of one step. Allocates nothing. */
  update(params: Float64Array, grad: Float64Array): void;
  /** One step on one example; returns C before the step. Allocates nothing. */
  step(params: Float64Array, x: ArrayLike<number>, y: ArrayLike<number>): number;
  /** One step on the mean gradient of a batch; returns the mean C before the step. Allocates nothing. */
  batchStep(params: Float64Array, xs: readonly ArrayLike<number>[], ys: readonly ArrayLike<number>[]): number;
  /** Back to the start: state zero, no steps. */
  reset(): void;
}

/** How the rate changes, with k the epoch (an epochs run) or the step (a steps run), from 0. */
export type Schedule =
  | { readonly kind: 'constant' }
  /** η factor^⌊k / every⌋ */
  | { readonly kind: 'step'; readonly every: number; readonly factor: number }
  /** η factor^k */
  | { readonly kind: 'exponential'; readonly factor: number }
  /** min + (η − min)(1 + cos(π min(k, over) / over)) / 2; min defaults to 0 */
  | { readonly kind: 'cosine'; readonly over: number; readonly min?: number };

export interface TrainOptions {
  /** η, the rate (at the start of a schedule). */
  readonly rate: number;
  /** Steps, cycling through the data (a batch may run on into the next pass); or give epochs. */
  readonly steps?: number;
  /** Passes over the data (default 1); the last batch of each is shorter when batchSize does not divide the data. */
  readonly epochs?: number;
  /** Examples per step (mean gradient over the batch); default 1. */
  readonly batchSize?: number;
  /** The optimizer, by name or with hyperparameters; default 'sgd'. */
  readonly optimizer?: OptimizerKind | OptimizerSettings;
  /** A new order of the data for every pass, the same on every machine for a seed (default 1). */
  readonly shuffle?: boolean;
  readonly seed?: number;
  /** How the rate changes; default constant. */
  readonly schedule?: Schedule;
  /** Examples whose mean loss is taken after every epoch (in a steps run, every ⌈data / batchSize⌉ steps and after the last). */
  readonly validation?: readonly Example[];
  /** Early stopping: stop after this many epochs without a lower validation loss. */
  readonly patience?: number;
  /** With patience: end with the parameters of the epoch of the lowest validation loss (default true). */
  readonly restoreBest?: boolean;
  /**
   * Called after each step with the step number (from 1), the loss before the step, the parameters
   * after it and the indices in data of its examples (valid during the call only).
   */
  readonly onStep?: (step: number, loss: number, params: Float64Array, examples: Int32Array) => void;
  /** Called after each epoch with its number (from 1), the mean loss of its examples, the validation loss (without validation data: undefined) and the parameters. */
  readonly onEpoch?: (epoch: number, loss: number, validationLoss: number | undefined, params: Float64Array) => void;
}

export interface TrainResult {
  /** The loss of every step (the mean over its batch), before its update. */
  readonly losses: number[];
  /** The mean loss of every epoch's examples, each taken before its step's update. */
  readonly epochLosses: number[];
  /** The mean loss over the validation data after every epoch (empty without it). */
  readonly validationLosses: number[];
  /** Epochs run: fewer than asked for when early stopping ended the run. */
  readonly epochs: number;
  /** The epoch (from 1) of the lowest validation loss; 0 without validation data. */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
}

/** The parameters by name, as paramsToJSON writes and paramsFromJSON reads them: W<l> as rows, b<l> as a vector. */
export interface ParamsJSON {
${entries.map((e) => `  ${e.name}: ${e.kind === 'b' ? 'number[]' : 'number[][]'};`).join('\n')}
}`;
}

interface ApiParam { readonly name: string; readonly type: string; readonly default?: string }
interface ApiFunction { readonly doc: string; readonly params: readonly ApiParam[]; readonly returns: string }

const VECTOR = 'ArrayLike<number>';
const PARAMS: ApiParam = { name: 'params', type: 'Float64Array' };
const X: ApiParam = { name: 'x', type: VECTOR };
const Y: ApiParam = { name: 'y', type: VECTOR };

/**
 * The exported functions: one place for their signatures and documentation,
 * printed into the TypeScript module, the JavaScript module and the .d.ts.
 */
const API: Readonly<Record<string, ApiFunction>> = {
  predict: { doc: 'a^(L) for input x, written into out.', params: [PARAMS, X, { name: 'out', type: 'Float64Array', default: 'new Float64Array(outputSize)' }], returns: 'Float64Array' },
  loss: { doc: 'The loss C for one example.', params: [PARAMS, X, Y], returns: 'number' },
  lossAndGradient: { doc: 'C for one example; writes ∂C/∂params into grad (same layout). Allocates nothing.', params: [PARAMS, X, Y, { name: 'grad', type: 'Float64Array' }], returns: 'number' },
  sgdStep: { doc: 'One SGD step on one example, in place; returns C before the step. Allocates nothing.', params: [PARAMS, X, Y, { name: 'rate', type: 'number' }], returns: 'number' },
  batchLossAndGradient: {
    doc: 'Mean loss over a batch; writes the mean gradient into grad. Allocates nothing.',
    params: [PARAMS, { name: 'xs', type: `readonly ${VECTOR}[]` }, { name: 'ys', type: `readonly ${VECTOR}[]` }, { name: 'grad', type: 'Float64Array' }], returns: 'number',
  },
  createOptimizer: {
    doc: 'An optimizer with its state (zero) allocated once; its steps allocate nothing.\nThrows on an unknown kind or a hyperparameter the kind does not take.',
    params: [{ name: 'options', type: 'OptimizerOptions' }], returns: 'Optimizer',
  },
  train: {
    doc: 'Trains params in place: epochs (passes over the data) or steps (cycling through it), one\nexample or batchSize examples a step, with the optimizer, schedule and early stopping of options.',
    params: [PARAMS, { name: 'data', type: 'readonly Example[]' }, { name: 'options', type: 'TrainOptions' }], returns: 'TrainResult',
  },
  paramsToJSON: { doc: 'The parameters by name: W<l> as rows, b<l> as a vector (JSON.stringify writes them exactly).', params: [PARAMS], returns: 'ParamsJSON' },
  paramsFromJSON: {
    doc: 'Parameters from what paramsToJSON writes; throws an Error naming the parameter and its\nshape when one is missing, unknown or of another shape.',
    params: [{ name: 'json', type: 'unknown' }], returns: 'Float64Array',
  },
};

const VECTORS: ApiParam = { name: 'value', type: 'unknown' };

/** The module's own functions: printed into the TypeScript and the JavaScript, not exported. */
const INTERNAL: Readonly<Record<string, ApiFunction>> = {
  addLossAndGradient: { doc: 'C for one example; adds ∂C/∂params into grad (a batch\'s sum). Allocates nothing.', params: [PARAMS, X, Y, { name: 'grad', type: 'Float64Array' }], returns: 'number' },
  adamUpdate: {
    doc: 'Adam (Kingma and Ba 2015, Algorithm 1), with AdamW\'s decoupled weight decay λ\n(Loshchilov and Hutter 2019, Algorithm 2 with α = 1; λ = 0 is Adam):\nm ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t),\nθ ← θ − η (m̂ / (√v̂ + ε) + λ θ).',
    params: [{ name: 'p', type: 'Float64Array' }, { name: 'g', type: 'Float64Array' }, { name: 'm', type: 'Float64Array' }, { name: 'v', type: 'Float64Array' },
      { name: 'rate', type: 'number' }, { name: 't', type: 'number' }, { name: 'h', type: 'Hyperparameters' }, { name: 'decay', type: 'number' }], returns: 'void',
  },
  seededRandom: { doc: 'A small seeded generator (mulberry32): integer arithmetic only, so the same numbers on every machine.', params: [{ name: 'seed', type: 'number' }], returns: '() => number' },
  scheduledRate: {
    doc: 'The rate of epoch or step k (from 0) under a schedule.',
    params: [{ name: 'schedule', type: 'Schedule | undefined' }, { name: 'rate', type: 'number' }, { name: 'k', type: 'number' }], returns: 'number',
  },
  matrixOf: {
    doc: 'A matrix as rows, from its place in params.',
    params: [PARAMS, { name: 'offset', type: 'number' }, { name: 'rows', type: 'number' }, { name: 'cols', type: 'number' }], returns: 'number[][]',
  },
  isVector: { doc: 'Whether value is an array of length finite numbers.', params: [VECTORS, { name: 'length', type: 'number' }], returns: 'boolean' },
  shapeOf: { doc: 'What a value looks like, for messages: "a 2×3 matrix", "4 numbers", "a string".', params: [VECTORS], returns: 'string' },
};

/** A JSDoc comment, on one line when the text has one. */
const doc = (f: ApiFunction): string =>
  (f.doc.includes('\n') ? `/**\n${f.doc.split('\n').map((l) => ` * ${l}`).join('\n')}\n */` : `/** ${f.doc} */`);

/** name(parameters): returns; a default value is printed in the module and becomes `?` in a declaration. */
function signature(name: string, f: ApiFunction, d: Dialect, declaration = false): string {
  const param = (p: ApiParam): string => (declaration && p.default !== undefined ? `${p.name}?: ${p.type}`
    : `${p.name}${annotation(d, p.type)}${p.default !== undefined ? ` = ${p.default}` : ''}`);
  return `${name}(${f.params.map(param).join(', ')})${annotation(d, f.returns)}`;
}

function unrolledBodies(routine: Routine, d: Dialect = TYPESCRIPT): Bodies {
  const spell = (s: Sym): string => spellTs(s, d);
  const printer = new TsPrinter(spell);
  const stmt = (s: Stmt): string => `const ${spell(s.target)} = ${printer.print(s.expr)};`;
  const offsets = new Map(routine.gradient.map((g) => [symKey(g.param), g.offset]));

  /** Load the parameters a body reads into locals, in layout order. */
  const loads = (exprs: Expr[]): string[] => {
    const used = new Map<string, Sym>();
    exprs.forEach((e) => symbolsOf(e, used));
    return [...used.entries()]
      .filter(([k]) => offsets.has(k))
      .sort((p, q) => offsets.get(p[0])! - offsets.get(q[0])!)
      .map(([k, s]) => `const ${spell(s)} = ${readElement(d, 'params', String(offsets.get(k)))};`);
  };

  const statements = [...routine.forward, ...routine.backward];
  const gradients = routine.gradient.map((g) => g.expr);
  /** Loads and the statements the roots need, in order; nothing dead is emitted. */
  const body = (roots: Expr[]): string[] => {
    const kept = live(statements, roots);
    return [...loads([...kept.map((s) => s.expr), ...roots]), ...kept.map(stmt)];
  };
  const lossLine = `const C = ${printer.print(routine.loss)};`;
  return {
    scratch: [],
    predict: [...body([...routine.output]), ...routine.output.map((o, j) => `out[${j}] = ${printer.print(o)};`), 'return out;'],
    loss: [...body([routine.loss]), lossLine, 'return C;'],
    lossAndGradient: [...body([routine.loss, ...gradients]), lossLine,
      ...routine.gradient.map((g) => `grad[${g.offset}] = ${printer.print(g.expr)};`), 'return C;'],
    addLossAndGradient: [...body([routine.loss, ...gradients]), lossLine,
      ...routine.gradient.map((g) => `${readElement(d, 'grad', String(g.offset))} += ${printer.print(g.expr)};`), 'return C;'],
    // Every parameter is read into a local before any update, so each update is fused and written in place.
    sgdStep: [...body([routine.loss, ...gradients]), lossLine,
      ...routine.gradient.map((g) => `params[${g.offset}] = ${spell(g.param)} - rate * ${atomTs(printer.print(g.expr))};`), 'return C;'],
    used: [...statements.map((s) => s.expr), ...gradients, routine.loss, ...routine.output],
  };
}

/** Parenthesize code unless it is a name or an element access (`a[0]!` in TypeScript). */
const atomTs = (code: string): string => (/^[\w.]+(\[\d+\]!?)?$/.test(code) ? code : `(${code})`);

/** The statements that the roots depend on, directly or through other statements, in their order. */
function live(statements: readonly Stmt[], roots: readonly Expr[]): Stmt[] {
  const needed = new Set<string>();
  roots.forEach((r) => symbolsOf(r).forEach((_, k) => needed.add(k)));
  const keep: boolean[] = new Array(statements.length).fill(false);
  for (let i = statements.length - 1; i >= 0; i--) {
    const s = statements[i]!;
    if (!needed.has(symKey(s.target))) continue;
    keep[i] = true;
    symbolsOf(s.expr).forEach((_, k) => needed.add(k));
  }
  return statements.filter((_, i) => keep[i]);
}

/** The helper functions (sigmoid, softplus, step, …) the code calls, in a fixed order. */
export function helpersFor(exprs: readonly Expr[], code: string, d: Dialect): string {
  const used = new Set<string>();
  exprs.forEach((e) => functionsOf(e, used));
  return Object.entries(FUNCTIONS)
    // Only those the code calls: an expression may be printed in a form that no longer needs one.
    .filter(([name, f]) => used.has(name) && f.ts.helper && new RegExp(`\\b${f.ts.call}\\(`).test(code))
    .map(([, f]) => helperSource(f, d))
    .join('\n\n');
}

/**
 * A helper's source in the dialect. FUNCTIONS holds each helper as TypeScript
 * whose only types are in its first line, `function name(x: number[, y: number]): number {`;
 * that line is printed here from the name and arity (and must match, so a
 * helper written otherwise is an internal error, not silently wrong JavaScript).
 */
function helperSource(f: ScalarFunction, d: Dialect): string {
  const [first, ...body] = f.ts.helper!.split('\n');
  const args = ['x', 'y'].slice(0, f.arity);
  const line = (dialect: Dialect): string =>
    `function ${f.ts.call}(${args.map((a) => `${a}${annotation(dialect, 'number')}`).join(', ')})${annotation(dialect, 'number')} {`;
  if (first !== line(TYPESCRIPT)) throw new Error(`internal: the helper ${f.ts.call} does not start with \`${line(TYPESCRIPT)}\``);
  return [line(d), ...body].join('\n');
}

export function describe(network: Network): string {
  const sizes = [network.input, ...network.layers.map((l) => l.units)].join('-');
  const acts = network.layers.map((l) => (l.activation.kind === 'formula' ? 'formula' : l.activation.kind)).join(', ');
  return `${sizes} network (${acts}), loss ${network.loss}`;
}
