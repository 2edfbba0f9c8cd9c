// The trainer as a Python module using NumPy, printed from the derivation's
// matrix form (matrix-printer.ts) into templates/numpy/module.hbs. Inside, arrays
// hold one example per column, as in the derivation; the public functions take
// the NumPy convention of one example per row and transpose.
import { layoutOf } from '../graph/layout.ts';
import type { Compiled } from '../pipeline.ts';
import type { Network } from '../spec/types.ts';
import { UserError } from '../errors.ts';
import { renderTemplate } from './emit.ts';
import { arrayBodies, type ArraySpelling } from './matrix-printer.ts';
import { describe } from './typescript.ts';

export const NUMPY: ArraySpelling = {
  times: ' * ',
  divide: ' / ',
  power: ' ** ',
  matmul: ' @ ',
  transpose: (a) => `${a}.T`,
  functions: {
    exp: 'np.exp', log: 'np.log', sqrt: 'np.sqrt', abs: 'np.abs', sign: 'np.sign', sin: 'np.sin', cos: 'np.cos', tanh: 'np.tanh',
    sinh: 'np.sinh', cosh: 'np.cosh', sech: '_sech', max: 'np.maximum', step: '_step', xlogy: '_xlogy', xdivy: '_xdivy',
    sigmoid: '_sigmoid', softplus: '_softplus',
  },
  maxOverUnits: (x) => `np.max(${x}, axis=0, keepdims=True)`,
  sumOverUnits: (x) => `np.sum(${x}, axis=0, keepdims=True)`,
  sumOverExamples: (x) => `np.sum(${x}, axis=1, keepdims=True)`,
  total: (x) => `float(np.sum(${x}))`,
  assign: (target, code) => `${target} = ${code}`,
  comment: (text) => `# ${text}`,
  load: (e, p) => `${p}[${e.offset}:${e.offset + e.rows * e.cols}].reshape(${e.rows}, ${e.cols})`,
  pack: (parts) => `np.concatenate([${parts.map(({ name }) => `${name}.ravel()`).join(', ')}])`,
};

/** Module-level helpers for the IR functions NumPy lacks, in the TypeScript trainer's arithmetic. */
export const NUMPY_HELPERS: Readonly<Record<string, string>> = {
  step: [
    'def _step(x):',
    '    # the Heaviside step with step(0) = 0 (the one-sided convention relu\'(0) = 0)',
    '    return np.where(x > 0, 1.0, 0.0)',
  ].join('\n'),
  xlogy: [
    'def _xlogy(x, y):',
    '    # x log y with 0 log 0 = 0, so a target of 0 or 1 never gives NaN',
    '    with np.errstate(divide="ignore", invalid="ignore"):',
    '        return np.where(x == 0, 0.0, x * np.log(y))',
  ].join('\n'),
  xdivy: [
    'def _xdivy(x, y):',
    '    # a zero numerator gives 0 even over 0: cross-entropy at outputs of exactly 0 or 1',
    '    with np.errstate(divide="ignore", invalid="ignore"):',
    '        return np.where(x == 0, 0.0, x / y)',
  ].join('\n'),
  sigmoid: [
    'def _sigmoid(x):',
    '    # exp of a non-positive argument only, so it never overflows',
    '    e = np.exp(-np.abs(x))',
    '    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))',
  ].join('\n'),
  softplus: [
    'def _softplus(x):',
    '    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))',
  ].join('\n'),
  sech: [
    'def _sech(x):',
    '    with np.errstate(over="ignore"):',
    '        return 1 / np.cosh(x)',
  ].join('\n'),
};

/** Python's keywords (no module of that name can be imported with `import`) and numpy, which the module imports. */
const RESERVED = new Set([
  'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for',
  'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with',
  'yield', 'numpy',
]);

/** The module's name: the network name with '-' as '_' (names match [a-z][a-z0-9-]*). */
export function numpyName(network: Pick<Network, 'name' | 'source'>): string {
  const ident = network.name.replace(/-/g, '_');
  if (RESERVED.has(ident)) {
    throw new UserError(`${network.source}: name: "${network.name}" cannot name a Python module (it is a keyword or numpy); choose another name`);
  }
  return ident;
}

export const numpyFileName = (network: Pick<Network, 'name' | 'source'>): string => `${numpyName(network)}.py`;

/** The docstring's lines on the parameter layout and the arguments, for a chain of layers. */
const CHAIN_LAYOUT_DOC = [
  'params is a 1-D float64 array of param_count values: for each layer, W',
  'row-major, then b (see layout). An input x is a 1-D array of input_size',
  'values, or a 2-D array with one example per row (and y likewise).',
].join('\n');

/** The trainer module as Python with NumPy. */
export function generateNumPy(c: Compiled): string {
  numpyName(c.network);
  const bodies = arrayBodies(c, NUMPY, 'params');
  const layout = layoutOf(c.network);
  const block = (lines: readonly string[]): string => lines.map((l) => `    ${l}`).join('\n');
  return renderTemplate('numpy/module', {
    name: c.network.name,
    origin: "the derivation's matrix form",
    outputDoc: 'a^(L)',
    layoutDoc: CHAIN_LAYOUT_DOC,
    summary: describe(c.network),
    inputSize: c.network.input,
    outputSize: c.network.layers[c.network.layers.length - 1]!.units,
    paramCount: layout.paramCount,
    layout: layout.entries.map((e) => `    {"name": "${e.name}", "offset": ${e.offset}, "rows": ${e.rows}, "cols": ${e.cols}},`).join('\n'),
    predict: block([...bodies.predict, `return ${bodies.output}`]),
    loss: block([...bodies.loss, 'return C']),
    lossAndGradient: block([...bodies.lossAndGradient, 'return C, g']),
    helpers: Object.entries(NUMPY_HELPERS).filter(([fn]) => bodies.used.has(fn)).map(([, source]) => source).join('\n\n\n'),
  });
}
