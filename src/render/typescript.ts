// Routine → the generated trainer module's source, following DESIGN's API.
import type { Routine, Stmt } from '../lower/routine.ts';
import type { Network } from '../spec/types.ts';
import type { Compiled } from '../pipeline.ts';
import { layoutOf } from '../graph/layout.ts';
import { FUNCTION_STATEMENT_LIMIT, loopBodies, type Bodies } from './loops.ts';
import { functionsOf, symbolsOf, symKey, type Expr, type Sym } from '../symbolic/expr.ts';
import { FUNCTIONS } from '../symbolic/functions.ts';
import { renderTemplate } from './emit.ts';
import { TsPrinter } from './ts-printer.ts';

const INDENT = '  ';

/** Spell a symbol as a TypeScript identifier or element access; names are built from validated numbers only. */
export function spellTs(s: Sym): string {
  const i = s.index;
  switch (s.base) {
    case 'x': return `x[${i[0]! - 1}]`;
    case 'y': return `y[${i[0]! - 1}]`;
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

/** The code form for the whole module: 'full' only where every unrolled function stays under the limit. */
export function chooseMode(c: Compiled, mode: UnrollMode): 'full' | 'loops' {
  if (mode !== 'auto') return mode;
  if (unrolledEstimate(c) > 2 * FUNCTION_STATEMENT_LIMIT) return 'loops';
  return longestBody(unrolledBodies(c.routine)) <= FUNCTION_STATEMENT_LIMIT ? 'full' : 'loops';
}

/** Statements in the longest function body (comments not counted). */
export function longestBody(b: Bodies): number {
  const count = (lines: readonly string[]): number => lines.filter((l) => !l.trimStart().startsWith('//')).length;
  const parts = (b.helpers ?? []).map((h) => count(h.split('\n').slice(1, -1)));
  return Math.max(count(b.predict), count(b.loss), count(b.lossAndGradient), count(b.sgdStep), ...parts);
}

export function generateTypeScript(c: Compiled, options: Partial<CodeOptions> = {}): string {
  const mode = chooseMode(c, options.unroll ?? 'auto');
  // Forced full on a large network: straight-line over the buffers, split into parts, since the
  // scalar routine would make functions of tens of thousands of statements (slow to type-check, never optimized).
  const bodies = mode === 'loops' ? loopBodies(c) : unrolledEstimate(c) > 2 * FUNCTION_STATEMENT_LIMIT ? loopBodies(c, { unrollAll: true }) : unrolledBodies(c.routine);
  const layout = layoutOf(c.network);
  const block = (lines: string[]): string => lines.map((l) => INDENT + l).join('\n');
  const last = c.network.layers[c.network.layers.length - 1]!;
  return renderTemplate('ts/module', {
    name: c.network.name,
    summary: describe(c.network),
    mode: mode === 'full' ? 'unrolled straight-line code' : 'loops with the sizes baked in, small layers straight-line',
    inputSize: c.network.input,
    outputSize: last.units,
    paramCount: layout.paramCount,
    layout: layout.entries.map((e) => `  { name: '${e.name}', offset: ${e.offset}, rows: ${e.rows}, cols: ${e.cols} },`).join('\n'),
    helpers: helpersFor(bodies.used, [...bodies.predict, ...bodies.loss, ...bodies.lossAndGradient, ...bodies.sgdStep, ...(bodies.helpers ?? [])].join('\n')),
    scratch: bodies.scratch.join('\n'),
    parts: (bodies.helpers ?? []).join('\n\n'),
    predict: block(bodies.predict),
    loss: block(bodies.loss),
    lossAndGradient: block(bodies.lossAndGradient),
    sgdStep: block(bodies.sgdStep),
  });
}

function unrolledBodies(routine: Routine): Bodies {
  const printer = new TsPrinter(spellTs);
  const stmt = (s: Stmt): string => `const ${spellTs(s.target)} = ${printer.print(s.expr)};`;
  const offsets = new Map(routine.gradient.map((g) => [symKey(g.param), g.offset]));

  /** Load the parameters a body reads into locals, in layout order. */
  const loads = (exprs: Expr[]): string[] => {
    const used = new Map<string, Sym>();
    exprs.forEach((e) => symbolsOf(e, used));
    return [...used.entries()]
      .filter(([k]) => offsets.has(k))
      .sort((p, q) => offsets.get(p[0])! - offsets.get(q[0])!)
      .map(([k, s]) => `const ${spellTs(s)} = params[${offsets.get(k)}];`);
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
    // Every parameter is read into a local before any update, so each update is fused and written in place.
    sgdStep: [...body([routine.loss, ...gradients]), lossLine,
      ...routine.gradient.map((g) => `params[${g.offset}] = ${spellTs(g.param)} - rate * ${atomTs(printer.print(g.expr))};`), 'return C;'],
    used: [...statements.map((s) => s.expr), ...gradients, routine.loss, ...routine.output],
  };
}

/** Parenthesize code unless it is a name, element access or call-free product of them. */
const atomTs = (code: string): string => (/^[\w.]+(\[\d+\])?$/.test(code) ? code : `(${code})`);

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
function helpersFor(exprs: readonly Expr[], code: string): string {
  const used = new Set<string>();
  exprs.forEach((e) => functionsOf(e, used));
  return Object.entries(FUNCTIONS)
    // Only those the code calls: an expression may be printed in a form that no longer needs one.
    .filter(([name, f]) => used.has(name) && f.ts.helper && new RegExp(`\\b${f.ts.call}\\(`).test(code))
    .map(([, f]) => f.ts.helper!)
    .join('\n\n');
}

export function describe(network: Network): string {
  const sizes = [network.input, ...network.layers.map((l) => l.units)].join('-');
  const acts = network.layers.map((l) => (l.activation.kind === 'formula' ? 'formula' : l.activation.kind)).join(', ');
  return `${sizes} network (${acts}), loss ${network.loss}`;
}
