// Routine → the generated trainer module's source, following DESIGN's API.
import type { Routine, Stmt } from '../lower/routine.ts';
import type { Network } from '../spec/types.ts';
import { symbolsOf, symKey, type Expr, type Sym } from '../symbolic/expr.ts';
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

export function generateTypeScript(network: Network, routine: Routine): string {
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
  const block = (lines: string[]): string => lines.map((l) => INDENT + l).join('\n');

  const forward = routine.forward.map(stmt);
  const backward = routine.backward.map(stmt);
  const forwardExprs = routine.forward.map((s) => s.expr);
  const all = [...forwardExprs, ...routine.backward.map((s) => s.expr), ...routine.gradient.map((g) => g.expr)];
  const lossLine = `const C = ${printer.print(routine.loss)};`;

  const predictBody = [...loads([...forwardExprs, ...routine.output]), ...forward,
    ...routine.output.map((o, j) => `out[${j}] = ${printer.print(o)};`), 'return out;'];
  const lossBody = [...loads([...forwardExprs, routine.loss]), ...forward, lossLine, 'return C;'];
  const gradBody = [...loads([...all, routine.loss]), ...forward, lossLine, ...backward,
    ...routine.gradient.map((g) => `grad[${g.offset}] = ${printer.print(g.expr)};`), 'return C;'];
  const stepBody = [...loads([...all, routine.loss]), ...forward, lossLine, ...backward,
    ...routine.gradient.map((g) => `const g${g.offset} = ${printer.print(g.expr)};`),
    ...routine.gradient.map((g) => `params[${g.offset}] = ${spellTs(g.param)} - rate * g${g.offset};`), 'return C;'];

  const used = new Set<string>();
  const scan = (e: Expr): void => {
    if (e.kind === 'call') { used.add(e.fn); e.args.forEach(scan); }
    else if (e.kind === 'add') e.terms.forEach(scan);
    else if (e.kind === 'mul') e.factors.forEach(scan);
    else if (e.kind === 'pow') { scan(e.base); scan(e.exp); }
  };
  [...all, routine.loss, ...routine.output].forEach(scan);
  const helpers = Object.entries(FUNCTIONS)
    .filter(([name, f]) => used.has(name) && f.ts.helper)
    .map(([, f]) => f.ts.helper!)
    .join('\n\n');

  return renderTemplate('ts/module', {
    name: network.name,
    summary: describe(network),
    inputSize: routine.inputSize,
    outputSize: routine.outputSize,
    paramCount: routine.layout.paramCount,
    layout: routine.layout.entries.map((e) => `  { name: '${e.name}', offset: ${e.offset}, rows: ${e.rows}, cols: ${e.cols} },`).join('\n'),
    helpers,
    predict: block(predictBody),
    loss: block(lossBody),
    lossAndGradient: block(gradBody),
    sgdStep: block(stepBody),
  });
}

export function describe(network: Network): string {
  const sizes = [network.input, ...network.layers.map((l) => l.units)].join('-');
  const acts = network.layers.map((l) => (l.activation.kind === 'formula' ? 'formula' : l.activation.kind)).join(', ');
  return `${sizes} network (${acts}), loss ${network.loss}`;
}
