// A Network object given to the library → the same validation as a file. The
// object is written back into the file's form (activation names, optimizer and
// schedule keys) and goes through the file's schema and rules, so a name, a size
// or a limit that a file may not have, an object may not have either. Values of
// an unexpected shape are passed on as they are, for the schema to name.
import { UserError } from '../errors.ts';
import { networkFromData } from './load.ts';
import type { Network } from './types.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** { kind, ...settings } → the file's `name` or `{ name: settings }`. */
function keyed(v: unknown, bare: (kind: string, rest: Record<string, unknown>) => boolean): unknown {
  if (!isRecord(v) || typeof v.kind !== 'string') return v;
  const { kind, ...rest } = v;
  return bare(kind, rest) ? kind : { [kind]: rest };
}

function activationData(a: unknown): unknown {
  if (!isRecord(a) || typeof a.kind !== 'string') return a;
  if (a.kind === 'formula' && Object.keys(a).length === 2) return { formula: a.formula };
  if (a.kind === 'leaky-relu' && Object.keys(a).length === 2) return { 'leaky-relu': a.slope };
  return Object.keys(a).length === 1 ? a.kind : a;
}

function trainData(t: unknown): unknown {
  if (!isRecord(t)) return t;
  const out: Record<string, unknown> = { ...t };
  if ('optimizer' in t) out.optimizer = keyed(t.optimizer, (_, rest) => Object.keys(rest).length === 0);
  if ('schedule' in t) out.schedule = keyed(t.schedule, (kind) => kind === 'constant');
  return out;
}

/** The data of a Network in the file's form; `source` is not part of a file. */
function fileData(value: Record<string, unknown>): Record<string, unknown> {
  const { source: _source, ...rest } = value;
  const out: Record<string, unknown> = { ...rest };
  if (Array.isArray(value.layers)) out.layers = value.layers.map((l: unknown) => (isRecord(l) ? { ...l, ...('activation' in l ? { activation: activationData(l.activation) } : {}) } : l));
  if ('train' in value) out.train = trainData(value.train);
  return out;
}

/** Validate a network object as a file is validated; errors name `label` (the object's own `source`, or "network") and the field. */
export function networkFromObject(value: unknown, label = 'network'): Network {
  if (!isRecord(value)) throw new UserError(`${label}: expected a network object or a file path, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  const source = typeof value.source === 'string' && value.source !== '' ? value.source : label;
  return networkFromData(fileData(value), source);
}
