// The trainer as a MATLAB / GNU Octave function file, printed from the
// derivation's matrix form (matrix-printer.ts) into templates/octave/module.hbs.
//
// The file is one function file, <name>.m, whose first function returns a
// struct of handles to its local functions: `net = question(); [C, g] =
// net.loss_and_gradient(p, x, y)`. That form runs unchanged in both: a script
// file with local functions does not, since MATLAB wants the functions at the
// end of a script and Octave wants them defined before they are used.
import { layoutOf, type LayoutEntry } from '../graph/layout.ts';
import type { Compiled } from '../pipeline.ts';
import type { Network } from '../spec/types.ts';
import { UserError } from '../errors.ts';
import { renderTemplate } from './emit.ts';
import { arrayBodies, type ArraySpelling } from './matrix-printer.ts';
import { describe } from './typescript.ts';

/** Elements first..last of the flat parameter vector (1-based, inclusive). */
const range = (e: LayoutEntry, count: number): string => (count === 1 ? `${e.offset + 1}` : `${e.offset + 1}:${e.offset + count}`);

export const OCTAVE: ArraySpelling = {
  times: ' .* ',
  divide: ' ./ ',
  power: '.^',
  matmul: ' * ',
  transpose: (a) => `${a}'`,
  functions: {
    exp: 'exp', log: 'log', sqrt: 'sqrt', abs: 'abs', sign: 'sign', sin: 'sin', cos: 'cos', tanh: 'tanh', sinh: 'sinh', cosh: 'cosh',
    sech: 'sech', max: 'max', step: 'step', xlogy: 'xlogy', xdivy: 'xdivy', sigmoid: 'sigmoid', softplus: 'softplus',
  },
  maxOverUnits: (x) => `max(${x}, [], 1)`,
  sumOverUnits: (x) => `sum(${x}, 1)`,
  sumOverExamples: (x) => `sum(${x}, 2)`,
  total: (x) => `sum(sum(${x}, 1), 2)`,
  assign: (target, code) => `${target} = ${code};`,
  comment: (text) => `% ${text}`,
  // reshape whatever the orientation of p (a row is accepted too); W is stored row-major, Octave reads column-major, hence the transpose.
  load: (e, p) => {
    const n = e.rows * e.cols;
    if (n === 1) return `${p}(${range(e, 1)})`;
    return e.kind === 'b' ? `reshape(${p}(${range(e, n)}), ${e.rows}, 1)` : `reshape(${p}(${range(e, n)}), ${e.cols}, ${e.rows})'`;
  },
  pack: (parts) => {
    const columns = parts.map(({ name, entry }) => (entry.cols === 1 ? name : entry.rows === 1 ? `${name}'` : `reshape(${name}', [], 1)`));
    return columns.length === 1 ? columns[0]! : `[${columns.join('; ')}]`;
  },
};

/** Local functions for the IR functions Octave and MATLAB lack, in the TypeScript trainer's arithmetic. */
export const OCTAVE_HELPERS: Readonly<Record<string, string>> = {
  step: [
    'function r = step(x)',
    '  % the Heaviside step with step(0) = 0 (the one-sided convention relu\'(0) = 0)',
    '  r = double(x > 0);',
    'end',
  ].join('\n'),
  xlogy: [
    'function r = xlogy(x, y)',
    '  % x log y with 0 log 0 = 0, so a target of 0 or 1 never gives NaN',
    '  r = x .* log(y);',
    '  r(x == 0 & true(size(r))) = 0;',
    'end',
  ].join('\n'),
  xdivy: [
    'function r = xdivy(x, y)',
    '  % a zero numerator gives 0 even over 0: cross-entropy at outputs of exactly 0 or 1',
    '  r = x ./ y;',
    '  r(x == 0 & true(size(r))) = 0;',
    'end',
  ].join('\n'),
  sigmoid: [
    'function r = sigmoid(x)',
    '  % exp of a non-positive argument only, so it never overflows',
    '  e = exp(-abs(x));',
    '  r = 1 ./ (1 + e);',
    '  negative = x < 0;',
    '  r(negative) = e(negative) ./ (1 + e(negative));',
    'end',
  ].join('\n'),
  softplus: [
    'function r = softplus(x)',
    '  r = max(x, 0) + log1p(exp(-abs(x)));',
    'end',
  ].join('\n'),
};

/**
 * Names the file cannot take: the keywords of Octave and MATLAB, its own local
 * functions, and the functions it calls (a file of that name in the current
 * folder would shadow the builtin it calls).
 */
export const OCTAVE_RESERVED = new Set([
  'break', 'case', 'catch', 'classdef', 'continue', 'do', 'else', 'elseif', 'end', 'end_try_catch', 'end_unwind_protect', 'endarguments',
  'endclassdef', 'endenumeration', 'endevents', 'endfor', 'endfunction', 'endif', 'endmethods', 'endparfor', 'endproperties', 'endspmd',
  'endswitch', 'endwhile', 'for', 'function', 'global', 'if', 'otherwise', 'parfor', 'persistent', 'return', 'spmd', 'switch', 'try',
  'until', 'unwind_protect', 'unwind_protect_cleanup', 'while', 'arguments', 'enumeration', 'events', 'methods', 'properties',
  'predict', 'loss', 'loss_and_gradient', 'batch_loss_and_gradient', 'sgd_step', 'train', ...Object.keys(OCTAVE_HELPERS),
  ...Object.values(OCTAVE.functions), 'log1p', 'sum', 'reshape', 'double', 'true', 'size', 'struct', 'isfield', 'error', 'mod', 'ceil',
  'min', 'zeros', 'numel', 'fprintf',
]);

/** The function's name, which is also the file's: the network name with '-' as '_' (names match [a-z][a-z0-9-]*). */
export function octaveName(network: Pick<Network, 'name' | 'source'>): string {
  const ident = network.name.replace(/-/g, '_');
  if (OCTAVE_RESERVED.has(ident)) {
    throw new UserError(`${network.source}: name: "${network.name}" cannot name a MATLAB/Octave function file (it is a keyword or a function the file uses); choose another name`);
  }
  // MATLAB's namelengthmax; network names may have 64 characters.
  if (ident.length > 63) throw new UserError(`${network.source}: name: MATLAB function names have at most 63 characters; "${network.name}" has ${ident.length}`);
  return ident;
}

/** The file MATLAB and Octave find the function in. */
export const octaveFileName = (network: Pick<Network, 'name' | 'source'>): string => `${octaveName(network)}.m`;

/** The comment lines on the parameter layout and the arguments, for a chain of layers. */
const CHAIN_LAYOUT_DOC = [
  '%   p is a column of net.param_count parameters: for each layer, W row-major,',
  '%   then b (net.layout; offsets count from 0, so W1 is p(offset+1 : offset+rows*cols)).',
  '%   x and y are columns; several columns are several examples, whose losses',
  '%   and gradients loss and loss_and_gradient sum.',
].join('\n');

/** The trainer module as a MATLAB / GNU Octave function file. */
export function generateOctave(c: Compiled): string {
  const ident = octaveName(c.network);
  const bodies = arrayBodies(c, OCTAVE, 'p');
  const entries = layoutOf(c.network).entries;
  const cell = (values: readonly (string | number)[]): string => `{${values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}}`;
  const block = (lines: readonly string[]): string => lines.map((l) => `  ${l}`).join('\n');
  return renderTemplate('octave/module', {
    ident,
    upper: ident.toUpperCase(),
    origin: "the derivation's matrix form",
    outputDoc: 'a^(L)',
    layoutDoc: CHAIN_LAYOUT_DOC,
    name: c.network.name,
    summary: describe(c.network),
    inputSize: c.network.input,
    outputSize: c.network.layers[c.network.layers.length - 1]!.units,
    paramCount: layoutOf(c.network).paramCount,
    layout: `struct('name', ${cell(entries.map((e) => e.name))}, 'offset', ${cell(entries.map((e) => e.offset))}, 'rows', ${cell(entries.map((e) => e.rows))}, 'cols', ${cell(entries.map((e) => e.cols))})`,
    predict: block([...bodies.predict, `a = ${bodies.output};`]),
    loss: block(bodies.loss),
    lossAndGradient: block(bodies.lossAndGradient),
    helpers: Object.entries(OCTAVE_HELPERS).filter(([fn]) => bodies.used.has(fn)).map(([, source]) => source).join('\n\n'),
  });
}
