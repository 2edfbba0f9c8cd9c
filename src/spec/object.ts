// A Network object given to the library → the same validation as a file. The
// object is written back into the file's form (activation names, optimizer and
// schedule keys) and goes through the file's schema and rules, so a name, a size
// or a limit that a file may not have, an object may not have either. Values of
// an unexpected shape are passed on as they are, for the schema to name.
import { UserError } from '../errors.ts';
import { networkFromData } from './load.ts';
import type { AnyNetwork } from './graph-types.ts';

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
  // A graph network as loadNetworkFile returns it: nodes back into the file's mapping, `form` dropped.
  if (value.form === 'graph') {
    delete out.form;
    if (value.chainNames === true && Array.isArray(value.nodes)) {
      // A chain loaded through the graph pipeline: back to its layers.
      for (const k of ['chainNames', 'nodes', 'output', 'target']) delete out[k];
      out.layers = value.nodes.map((n: unknown) => (isRecord(n) ? { units: n.size, activation: activationData(n.activation), bias: n.bias } : n));
    } else if (Array.isArray(value.nodes)) out.nodes = nodesData(value.nodes);
  }
  return out;
}

/** [{ kind, name, inputs, … }] → { name: { kind: inputs, … } }; anything of another shape is passed on for the schema to name. */
function nodesData(nodes: unknown[]): unknown {
  if (!nodes.every((n) => isRecord(n) && typeof n.name === 'string' && typeof n.kind === 'string' && Array.isArray(n.inputs))) return nodes;
  return Object.fromEntries((nodes as Record<string, unknown>[]).map((n) => {
    const inputs = (n.inputs as unknown[]).map((s) => (isRecord(s) && typeof s.node === 'string' ? `${s.node}${s.prev === true ? '@prev' : ''}` : s));
    const { kind, name: _name, inputs: _inputs, size, ...rest } = n;
    const fields: Record<string, unknown> = { [kind as string]: kind === 'of' ? inputs[0] : inputs, ...rest };
    if (kind === 'dense') fields.units = size;
    if ('activation' in rest) fields.activation = activationData(rest.activation);
    return [n.name as string, fields];
  }));
}

/** Validate a network object as a file is validated; errors name `label` (the object's own `source`, or "network") and the field. */
export function networkFromObject(value: unknown, label = 'network'): AnyNetwork {
  if (!isRecord(value)) throw new UserError(`${label}: expected a network object or a file path, found ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  const source = typeof value.source === 'string' && value.source !== '' ? value.source : label;
  return networkFromData(fileData(value), source);
}
