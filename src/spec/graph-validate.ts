// The graph form's rules between fields, each naming the node and the field:
// inputs that exist and come earlier (or @prev in a sequence model), sizes that
// fit, softmax on the output only, ties between dense nodes of matching shapes,
// and the train section in the layout's names and the sequence's shapes.
import { UserError, formatPath } from '../errors.ts';
import type { ActivationSpec, Example, TrainSpec } from './types.ts';
import type { GraphFile } from './graph-schema.ts';
import { NODE_KINDS, nodeName } from './graph-schema.ts';
import { exampleSizes, sourceText, type DenseNode, type GraphNetwork, type NodeSpec, type SourceRef } from './graph-types.ts';
import { graphLayout } from '../graph/graph-layout.ts';
import { MAX_PARAMS } from './validate.ts';

/** Values a graph trainer keeps for one example (every node at every step, and x): its buffers hold a few times this. */
export const MAX_VALUES_PER_EXAMPLE = 5_000_000;
import { formulaLoss } from '../symbolic/losses.ts';

type Where = (path: readonly PropertyKey[]) => string;

function toActivation(a: NonNullable<GraphFile['nodes'][string]['activation']>): ActivationSpec {
  if (typeof a === 'string') return a === 'leaky-relu' ? { kind: 'leaky-relu', slope: 0.01 } : { kind: a };
  if ('formula' in a) return { kind: 'formula', formula: a.formula };
  return { kind: 'leaky-relu', slope: a['leaky-relu'] };
}

export function toGraphNetwork(f: GraphFile, source: string, where: Where, chainNames = false): GraphNetwork {
  const fail = (path: PropertyKey[], message: string): never => {
    throw new UserError(`${source}${where(path)}: ${formatPath(path)}: ${message}`);
  };
  const names = Object.keys(f.nodes);
  const index = new Map(names.map((n, i) => [n, i]));
  const sizes = inferSizes(f);
  const nodes: NodeSpec[] = [];
  const sequence = f.sequence;
  names.forEach((name, i) => {
    const raw = f.nodes[name]!;
    const named = nodeName.safeParse(name);
    if (!named.success) fail(['nodes', name], named.error.issues[0]!.message);
    const kinds = NODE_KINDS.filter((k) => raw[k] !== undefined);
    if (kinds.length !== 1) fail(['nodes', name], kinds.length === 0 ? `expected one of ${NODE_KINDS.join(', ')}` : `expected one kind, found ${kinds.join(' and ')}`);
    const kind = kinds[0]!;
    const field = (k: string): PropertyKey[] => ['nodes', name, k];
    const refs = ([] as string[]).concat(raw[kind] as string | string[]);
    const inputs: SourceRef[] = refs.map((text, k) => {
      const at = refs.length === 1 ? field(kind) : [...field(kind), k];
      const prev = text.endsWith('@prev');
      const node = prev ? text.slice(0, -'@prev'.length) : text;
      if (node === 'x') {
        if (prev) fail(at, 'x@prev: the input has no previous value here; give the previous input as part of x');
        return { node, prev };
      }
      if (!index.has(node)) fail(at, `unknown input "${node}" (inputs are x, a node of this file, or NODE@prev)`);
      if (prev && sequence === undefined) fail(at, `${text}: @prev reads the previous step, and only a sequence model has steps (give sequence: T)`);
      if (!prev && index.get(node)! >= i) {
        fail(at, node === name
          ? `"${name}" reads itself: a cycle; in a sequence model write ${name}@prev for its value at the previous step`
          : `"${node}" is computed after "${name}": a node reads x or an earlier node (a cycle needs @prev in a sequence model)`);
      }
      return { node, prev };
    });
    const sizeOf = (s: SourceRef): number => {
      const n = s.node === 'x' ? f.input : sizes.get(s.node);
      if (n === undefined) fail(field(kind), `cannot tell the size of "${sourceText(s)}": its inputs' sizes depend on each other only`);
      return n!;
    };
    const allowed: Record<typeof kind, string[]> = {
      dense: ['units', 'activation', 'bias', 'tied'], add: [], multiply: [], concat: [], of: ['activation'],
    };
    for (const k of ['units', 'activation', 'bias', 'tied'] as const) {
      if (raw[k] !== undefined && !allowed[kind].includes(k)) fail(field(k), `${kind === 'add' || kind === 'of' ? 'an' : 'a'} ${kind} node takes no ${k}`);
    }
    let node: NodeSpec;
    if (kind === 'dense') {
      if (raw.units === undefined) fail(field('units'), 'a dense node needs units');
      const seen = new Set<string>();
      inputs.forEach((s, k) => {
        if (seen.has(s.node)) fail(refs.length === 1 ? field('dense') : [...field('dense'), k], `"${sourceText(s)}": a dense node names each source once (its weights are named W_${name}_${s.node})`);
        seen.add(s.node);
      });
      node = { kind, name, size: raw.units!, inputs, activation: raw.activation ? toActivation(raw.activation) : { kind: 'identity' }, bias: raw.bias ?? true,
        ...(raw.tied !== undefined ? { tied: raw.tied } : {}) };
    } else if (kind === 'of') {
      if (raw.activation === undefined) fail(field('activation'), 'an of node needs an activation');
      node = { kind, name, size: sizeOf(inputs[0]!), inputs, activation: toActivation(raw.activation!) };
    } else if (kind === 'concat') {
      node = { kind, name, size: inputs.reduce((n, s) => n + sizeOf(s), 0), inputs };
    } else {
      const first = sizeOf(inputs[0]!);
      inputs.forEach((s, k) => {
        if (sizeOf(s) !== first) fail([...field(kind), k], `"${sourceText(s)}" has size ${sizeOf(s)}, but "${sourceText(inputs[0]!)}" has ${first}: ${kind} needs equal sizes`);
      });
      node = { kind, name, size: first, inputs };
    }
    nodes.push(node);
  });
  // Ties and softmax need every node's size.
  const output = f.output ?? names[names.length - 1]!;
  if (!index.has(output)) fail(['output'], `unknown node "${output}"`);
  for (const node of nodes) {
    if (node.kind === 'dense' && node.tied !== undefined) checkTie(node, nodes, f.input, fail);
    if ((node.kind === 'dense' || node.kind === 'of') && node.activation.kind === 'softmax' && node.name !== output) {
      fail(['nodes', node.name, 'activation'], `softmax is allowed on the output node only (the output is "${output}")`);
    }
  }
  const out = nodes[index.get(output)!]!;
  const softmaxOut = (out.kind === 'dense' || out.kind === 'of') && out.activation.kind === 'softmax';
  if (f.loss === 'softmax-cross-entropy' && !softmaxOut) fail(['loss'], `softmax-cross-entropy needs activation: softmax on the output node "${output}"`);
  if (softmaxOut && f.loss !== 'softmax-cross-entropy') fail(['nodes', output, 'activation'], 'a softmax output goes with loss: softmax-cross-entropy');
  // Its δ is a − y only when the loss alone reads it; through the softmax's full Jacobian it is not derived here.
  const reader = softmaxOut ? nodes.find((n) => n.inputs.some((s) => s.node === output)) : undefined;
  if (reader) fail(['nodes', output, 'activation'], `the softmax output "${output}" is read by "${reader.name}"; read the node before the softmax (a dense node without it) instead`);
  // A formula loss is read now, so its mistakes are named with the field before anything else runs.
  if (typeof f.loss !== 'string') formulaLoss(f.loss.formula, `${source}${where(['loss', 'formula'])}: loss.formula`);
  if (f.target === 'last-step' && sequence === undefined) fail(['target'], 'target says which steps have a loss; only a sequence model has steps (give sequence: T)');
  const net: GraphNetwork = {
    form: 'graph', name: f.name, input: f.input, ...(sequence !== undefined ? { sequence } : {}), nodes, output,
    target: f.target ?? 'every-step', loss: f.loss, ...(f.regularization ? { regularization: f.regularization } : {}), source,
    ...(chainNames ? { chainNames } : {}),
  };
  const layout = graphLayout(net);
  if (layout.paramCount > MAX_PARAMS) fail(['nodes'], `the network would have more than ${MAX_PARAMS} parameters`);
  // The trainer keeps every node's value (and δ) at every step: bounded as the parameters are.
  const values = (sequence ?? 1) * (f.input + nodes.reduce((sum, n) => sum + n.size, 0));
  if (values > MAX_VALUES_PER_EXAMPLE) {
    fail([sequence === undefined ? 'nodes' : 'sequence'], `the network would hold ${values} values per example (${sequence === undefined ? '' : `${sequence} steps × `}the input and every node's size); at most ${MAX_VALUES_PER_EXAMPLE}`);
  }
  return f.train ? { ...net, train: trainOf(net, f.train, fail) } : net;
}

/**
 * Every node's size, also of nodes read through @prev before they are defined:
 * dense has its units, of and the elementwise kinds the size of an input whose
 * size is known, concat the sum. Repeated until nothing changes.
 */
function inferSizes(f: GraphFile): Map<string, number> {
  const sizes = new Map<string, number>();
  const of = (text: string): number | undefined => {
    const node = text.replace(/@prev$/, '');
    return node === 'x' ? f.input : sizes.get(node);
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, raw] of Object.entries(f.nodes)) {
      if (sizes.has(name)) continue;
      let n: number | undefined;
      if (raw.dense !== undefined) n = raw.units;
      else if (raw.of !== undefined) n = of(raw.of);
      else if (raw.concat !== undefined) {
        const parts = raw.concat.map(of);
        n = parts.every((p) => p !== undefined) ? parts.reduce((a, b) => a! + b!, 0) : undefined;
      } else n = (raw.add ?? raw.multiply ?? []).map(of).find((p) => p !== undefined);
      if (n !== undefined) { sizes.set(name, n); changed = true; }
    }
  }
  return sizes;
}

function checkTie(node: DenseNode, nodes: readonly NodeSpec[], input: number, fail: (path: PropertyKey[], message: string) => never): void {
  const at = ['nodes', node.name, 'tied'];
  const m = nodes.find((n) => n.name === node.tied);
  if (!m) fail(at, `unknown node "${node.tied}"`);
  if (m === node) fail(at, `"${node.name}" is tied to itself; a tie names another dense node, whose weight this node uses transposed`);
  if (m!.kind !== 'dense' || m!.tied !== undefined) fail(at, `"${node.tied}" is not a dense node with its own weight`);
  const owner = m as DenseNode;
  if (owner.inputs.length !== 1) fail(at, `"${owner.name}" has ${owner.inputs.length} inputs; a tie uses the weight of a dense node with one input`);
  if (node.inputs.length !== 1) fail(['nodes', node.name, 'dense'], 'a tied node has one input');
  const ownerIn = owner.inputs[0]!.node === 'x' ? input : nodes.find((n) => n.name === owner.inputs[0]!.node)!.size;
  const mine = node.inputs[0]!.node === 'x' ? input : nodes.find((n) => n.name === node.inputs[0]!.node)!.size;
  // z = W_Mᵀ in + b: W_M is units_M × n_in(M), so its transpose takes units_M numbers and gives n_in(M).
  if (mine !== owner.size) fail(['nodes', node.name, 'dense'], `the tied weight W_${owner.name}ᵀ takes ${owner.size} numbers, but "${sourceText(node.inputs[0]!)}" has ${mine}`);
  if (node.size !== ownerIn) fail(['nodes', node.name, 'units'], `the tied weight W_${owner.name}ᵀ gives ${ownerIn} numbers, so units must be ${ownerIn}`);
}

/** The train section with x and y flattened as the generated functions take them, and init in the layout's names and shapes. */
function trainOf(net: GraphNetwork, t: NonNullable<GraphFile['train']>, fail: (path: PropertyKey[], message: string) => never): TrainSpec {
  const layout = graphLayout(net);
  for (const [name, value] of Object.entries(t.init ?? {})) {
    const e = layout.entries.find((x) => x.name === name);
    if (!e) fail(['train', 'init', name], `no parameter ${name} (the layout has ${layout.entries.map((x) => x.name).join(', ')})`);
    if (e!.kind === 'b') {
      if (value.flat().length !== e!.rows || value.some((v) => Array.isArray(v) && v.length !== 1)) fail(['train', 'init', name], `expected ${e!.rows} numbers`);
    } else if (!(value.length === e!.rows && value.every((row) => Array.isArray(row) && row.length === e!.cols))) {
      fail(['train', 'init', name], `expected ${e!.rows} rows of ${e!.cols} numbers (a ${e!.rows}×${e!.cols} matrix)`);
    }
  }
  const T = net.sequence;
  const n = exampleSizes(net);
  const nOut = net.nodes.find((m) => m.name === net.output)!.size;
  const flat = (field: 'data' | 'validation', i: number, which: 'x' | 'y', v: readonly number[] | readonly (readonly number[])[]): number[] => {
    const at = ['train', field, i, which];
    const width = which === 'x' ? net.input : nOut;
    const nested = v.length > 0 && Array.isArray(v[0]);
    if (T === undefined) {
      if (nested) fail(at, `expected ${width} numbers (a network without sequence takes one vector)`);
      return v as number[];
    }
    const rows = which === 'x' || net.target === 'every-step' ? T : 1;
    if (!nested) {
      // Flat, as the generated functions take it (and as a network object from the library holds it).
      if (v.length === rows * width) return v as number[];
      fail(at, rows === 1
        ? `expected ${width} numbers (target: last-step: the output's value at the last step), found ${v.length}`
        : `expected ${rows} lists of ${width} numbers (one per step; sequence: ${T})`);
    }
    const list = v as readonly (readonly number[])[];
    if (list.length !== rows) {
      fail(at, rows === 1
        ? `expected ${width} numbers (target: last-step: the output's value at the last step), found ${list.length} lists`
        : `expected ${rows} lists of ${width} numbers (one per step), found ${list.length}`);
    }
    list.forEach((row, k) => { if (row.length !== width) fail([...at, k], `expected ${width} numbers, found ${row.length}`); });
    return list.flat();
  };
  const examples = (field: 'data' | 'validation', list: readonly { x: unknown; y: unknown }[]): Example[] => list.map((ex, i) => {
    const x = flat(field, i, 'x', ex.x as number[]);
    const y = flat(field, i, 'y', ex.y as number[]);
    if (x.length !== n.x) fail(['train', field, i, 'x'], `expected ${n.x} numbers (input: ${net.input}), found ${x.length}`);
    if (y.length !== n.y) fail(['train', field, i, 'y'], `expected ${n.y} numbers (the output node "${net.output}" has ${nOut}), found ${y.length}`);
    if (net.loss === 'softmax-cross-entropy') {
      for (let s = 0; s < y.length; s += nOut) {
        const part = y.slice(s, s + nOut);
        const sum = part.reduce((p, q) => p + q, 0);
        if (part.some((v) => v < 0) || Math.abs(sum - 1) > 1e-9) fail(['train', field, i, 'y'], `a softmax-cross-entropy target must be non-negative and sum to 1 (this one sums to ${sum})`);
      }
    }
    if (net.loss === 'cross-entropy' && y.some((v) => v < 0 || v > 1)) fail(['train', field, i, 'y'], 'a cross-entropy target must lie in [0, 1]');
    return { x, y };
  });
  const data = examples('data', t.data);
  const validation = t.validation ? examples('validation', t.validation) : undefined;
  if (t.steps !== undefined && t.epochs !== undefined) fail(['train', 'steps'], 'give steps or epochs, not both');
  if (t.patience !== undefined && t.validation === undefined) fail(['train', 'patience'], 'early stopping watches the validation loss: give train.validation');
  if (t.restoreBest !== undefined && t.patience === undefined) fail(['train', 'restoreBest'], 'restoreBest goes with patience (early stopping)');
  if ((t.steps !== undefined || t.epochs !== undefined) && data.length === 0) fail(['train', 'data'], 'training needs at least one example');
  return { ...t, data, ...(validation ? { validation } : {}) } as TrainSpec;
}
