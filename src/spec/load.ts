// Network file → validated Network. Errors name the file, the line and column
// where the YAML parser can tell, and the field path.
import { LineCounter, parseDocument, isAlias, isMap, isNode, isScalar, isSeq, visit, type Document } from 'yaml';
import { UserError, formatPath } from '../errors.ts';
import { readBounded } from '../io/read.ts';
import { ACTIVATION_NAMES, LOSS_NAMES, networkFileSchema, type NetworkFile } from './schema.ts';
import type { ActivationSpec, LossName, Network } from './types.ts';
import { validateNetwork } from './validate.ts';
import { nearest } from './nearest.ts';
import { graphFileSchema, type GraphFile } from './graph-schema.ts';
import { toGraphNetwork } from './graph-validate.ts';
import { isGraph, type AnyNetwork } from './graph-types.ts';
import { resolveActivation } from '../symbolic/activations.ts';

export const MAX_FILE_BYTES = 1 << 20;
export const MAX_NESTING = 16;
/** Values a file may hold once its aliases are expanded: a 1 MiB file holds at most about 500,000 written out. */
export const MAX_VALUES = 1_000_000;

/**
 * How many values (scalars) the document holds once its aliases are expanded,
 * counted on the syntax tree (an alias counts what its anchor holds, computed
 * once), so a file is refused before the expansion is built.
 */
function expandedValues(doc: Document): number {
  const memo = new Map<unknown, number>();
  const count = (node: unknown): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) return 1;
      if (!memo.has(target)) memo.set(target, 0); // a cycle counts nothing more
      return memo.get(target) || (memo.set(target, count(target)), memo.get(target)!);
    }
    if (isMap(node)) return node.items.reduce((n, pair) => n + count(pair.key) + count(pair.value), 0);
    if (isSeq(node)) return node.items.reduce((n: number, item) => n + count(item), 0);
    return 1;
  };
  return count(doc.contents);
}

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The path to the first own key that would reach an object's prototype, if any (bounded by the nesting limit). */
function prototypeKey(value: unknown, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (value === null || typeof value !== 'object' || path.length > MAX_NESTING) return undefined;
  for (const k of Object.keys(value)) {
    if (!Array.isArray(value) && PROTOTYPE_KEYS.has(k)) return [...path, k];
    const found = prototypeKey((value as Record<string, unknown>)[k], [...path, Array.isArray(value) ? Number(k) : k]);
    if (found) return found;
  }
  return undefined;
}

/** The path to the first value nested deeper than `limit`, if any. */
function tooDeep(value: unknown, limit: number, path: PropertyKey[] = []): PropertyKey[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (path.length >= limit) return path;
  const entries: [PropertyKey, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    const found = tooDeep(v, limit, [...path, k]);
    if (found) return found;
  }
  return undefined;
}

export function loadNetworkFile(file: string): AnyNetwork {
  let text: string;
  try {
    const read = readBounded(file, MAX_FILE_BYTES);
    if (read === undefined) throw new UserError(`${file}: file larger than ${MAX_FILE_BYTES} bytes`);
    text = read;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseNetwork(text, file);
}

/** Parse YAML or JSON text (JSON is YAML) into a validated Network. */
export function parseNetwork(text: string, file = '<input>'): AnyNetwork {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, version: '1.2', schema: 'core' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const pos = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0]);
    const where = pos ? `:${pos.line}:${pos.col}` : '';
    throw new UserError(`${file}${where}: ${problem.message.split('\n')[0]}`);
  }
  // The place of a field; a missing one is placed at the nearest part of the path that is there (its node's `{`).
  const where = (path: readonly PropertyKey[]): string => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) {
        const p = lineCounter.linePos(node.range[0]);
        return `:${p.line}:${p.col}`;
      }
    }
    return '';
  };
  // A key that would set an object's prototype is refused where it stands: converted to data, it
  // would vanish without a trace in some places (a record such as train.init) instead of being refused.
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && (pair.key.value === '__proto__' || pair.key.value === 'constructor' || pair.key.value === 'prototype')) {
        const p = pair.key.range ? lineCounter.linePos(pair.key.range[0]) : undefined;
        throw new UserError(`${file}${p ? `:${p.line}:${p.col}` : ''}: the key "${String(pair.key.value)}" is not allowed anywhere in a network file`);
      }
    },
  });
  // Aliases can repeat large parts of a file within the alias limit: the data they expand to is bounded too.
  if (expandedValues(doc) > MAX_VALUES) throw new UserError(`${file}: more than ${MAX_VALUES} values once its aliases are expanded`);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new UserError(`${file}: ${(err as Error).message}`);
  }
  return networkFromData(raw, file, where);
}

/**
 * Plain data in the network file's form (parsed YAML or JSON, or an object a
 * library caller built) → a validated Network, through the file's schema and
 * rules; `where` adds a line and column to a field path where it knows them.
 */
export function networkFromData(raw: unknown, file: string, where: (path: readonly PropertyKey[]) => string = () => ''): AnyNetwork {
  // Also in data (an object from the library, a key a YAML alias spells): a prototype key vanishes
  // when the schema copies a record, so it is refused first, with its path.
  const proto = prototypeKey(raw);
  if (proto) throw new UserError(`${file}${where(proto.slice(0, -1))}: ${formatPath(proto)}: the key "${String(proto[proto.length - 1])}" is not allowed anywhere in a network`);
  const deep = tooDeep(raw, MAX_NESTING);
  if (deep) throw new UserError(`${file}${where(deep)}: ${formatPath(deep)}: nested deeper than ${MAX_NESTING} levels`);
  // The graph form names its nodes; the chain form lists layers.
  if (raw !== null && typeof raw === 'object' && 'nodes' in raw) {
    if ('layers' in raw) throw new UserError(`${file}${where(['layers'])}: layers: a network file gives layers (the chain form) or nodes (the graph form), not both`);
    const parsed = graphFileSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path as PropertyKey[];
      throw new UserError(`${file}${where(path)}: ${formatPath(path)}: ${withSuggestion(issue.message, path, raw)}`);
    }
    return withFormulasRead(toGraphNetwork(parsed.data, file, where), file, where);
  }
  const parsed = networkFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path as PropertyKey[];
    throw new UserError(`${file}${where(path)}: ${formatPath(path)}: ${withSuggestion(issue.message, path, raw)}`);
  }
  // A formula loss or regularization is derived by the graph pipeline: the chain is a graph of dense nodes.
  const data = parsed.data;
  if (typeof data.loss !== 'string' || data.regularization) return withFormulasRead(chainAsGraph(data, file, where), file, where);
  return withFormulasRead(validateNetwork(toNetwork({ ...data, loss: data.loss }, file), (path) => where(path)), file, where);
}

/**
 * Formula activations are read (parsed, differentiated, checked on the grid) when the file is, so a
 * mistake in one is named with its field and placed at its line and column, as a loss formula's is.
 */
function withFormulasRead(net: AnyNetwork, file: string, where: (path: readonly PropertyKey[]) => string): AnyNetwork {
  const specs: [PropertyKey[], ActivationSpec][] = isGraph(net)
    ? net.nodes.flatMap((n, i): [PropertyKey[], ActivationSpec][] => (n.kind === 'dense' || n.kind === 'of' ? [[net.chainNames ? ['layers', i, 'activation'] : ['nodes', n.name, 'activation'], n.activation]] : []))
    : net.layers.map((l, i): [PropertyKey[], ActivationSpec] => [['layers', i, 'activation'], l.activation]);
  for (const [path, spec] of specs) {
    if (spec.kind !== 'formula') continue;
    try {
      resolveActivation(spec);
    } catch (err) {
      if (err instanceof UserError) throw new UserError(`${file}${where([...path, 'formula'])}: ${formatPath(path)}: ${err.message}`);
      throw err;
    }
  }
  return net;
}

/** A chain of layers as the graph of dense nodes l1 → l2 → …, keeping the chain's parameter names (W1, b1, …). */
function chainAsGraph(f: NetworkFile, file: string, where: (path: readonly PropertyKey[]) => string): AnyNetwork {
  const nodes = Object.fromEntries(f.layers.map((l, i) => [`l${i + 1}`, { dense: [i === 0 ? 'x' : `l${i}`], units: l.units, activation: l.activation, bias: l.bias }]));
  const { layers: _layers, ...rest } = f;
  return toGraphNetwork({ ...rest, nodes } as GraphFile, file, where, true);
}

function withSuggestion(message: string, path: readonly PropertyKey[], raw: unknown): string {
  let value: unknown = raw;
  for (const p of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p];
  if (typeof value !== 'string') return message;
  const last = path[path.length - 1];
  const names: readonly string[] = last === 'loss' ? LOSS_NAMES : last === 'activation' ? ACTIVATION_NAMES : [];
  // A name that is no activation: say so, quoting it (the union's own message lists the forms instead).
  const what = last === 'activation' && !names.includes(value) ? `unknown activation ${JSON.stringify(value)}`
    : last === 'loss' && !names.includes(value) ? `unknown loss ${JSON.stringify(value)}` : message;
  const guess = nearest(value, names);
  return guess ? `${what} (did you mean "${guess}"?)` : what;
}

function toActivation(a: NetworkFile['layers'][number]['activation']): ActivationSpec {
  if (typeof a === 'string') return a === 'leaky-relu' ? { kind: 'leaky-relu', slope: 0.01 } : { kind: a };
  if ('formula' in a) return { kind: 'formula', formula: a.formula };
  return { kind: 'leaky-relu', slope: a['leaky-relu'] };
}

function toNetwork(f: NetworkFile & { loss: LossName }, source: string): Network {
  return {
    name: f.name,
    input: f.input,
    layers: f.layers.map((l) => ({ units: l.units, activation: toActivation(l.activation), bias: l.bias })),
    loss: f.loss,
    ...(f.train ? { train: { ...f.train } } : {}),
    source,
  };
}
