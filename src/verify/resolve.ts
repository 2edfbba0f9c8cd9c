// Names in the formula → quantities of this network: fill in layers left out
// (bare W, a, z as in the question's scalar notation), check that every name,
// layer and index exists and is bound. Anything wrong here means the formula
// cannot be read (exit 2); shapes that do not fit are judged later (different).
import type { FNode, Idx } from './ast.ts';
import { bin, children, neg, nodesOf as nodesOfTree, num, ref, withChildren } from './ast.ts';
import type { NetInfo } from './context.ts';
import { printMathjs } from './print.ts';
import { SyntaxProblem } from './errors.ts';
import type { Task } from './task.ts';

/** Functions that are the derivative of an activation: tanh′, the sigmoid's, relu′ (the step), softplus′ (the sigmoid). */
const DERIVATIVE_OF = new Map([['dtanh', 'tanh'], ['dsigmoid', 'sigmoid'], ['step', 'relu'], ['sigmoid', 'softplus']]);

export interface Resolved {
  readonly tree: FNode;
  readonly notes: readonly string[];
  readonly usesRate: boolean;
}

export function resolveTree(tree: FNode, task: Task): Resolved {
  const { info, wrt, update } = task;
  const notes = new Set<string>();
  const free = new Set(task.free.map((f) => f.name));
  let usesRate = false;
  const paramLayer = wrt.layer;

  const letters = unitLetters(tree, task);
  const aIsOutput = bareABesideY(tree);
  const defaultLayer = (base: string, pos: number, indices: readonly Idx[] = []): number => {
    // Bishop's index form: a bare name takes the layer its index letter runs over (δ_j = h′(a_j) Σ_k w_kj δ_k,
    // with j the units of --wrt's layer, k those of the next).
    const inferred = layerFromLetters(base, indices, letters);
    if (inferred !== undefined && inferred >= (base === 'a' ? 0 : 1) && inferred <= info.L) {
      notes.add(`${base} without a layer read as ${base}${inferred}, from the units its index runs over`);
      return inferred;
    }
    switch (base) {
      case 'W': case 'b':
        if (info.L > 1) notes.add(`${base} without a layer read as ${base}${paramLayer}, the layer of --wrt`);
        return paramLayer;
      case 'a':
        // a − y with a bare a: the output against its target, as every loss's derivative writes it; the same
        // letter elsewhere in the formula is then the output too ((a − y) a (1 − a)).
        if (aIsOutput) {
          notes.add(`a without a layer read as a${info.L}: beside y it is the output the target is compared with`);
          return info.L;
        }
        notes.add(`a without a layer read as ${paramLayer - 1 === 0 ? 'a0 (x)' : `a${paramLayer - 1}`}, the input of W${paramLayer}`);
        return paramLayer - 1;
      case 'z': case 'delta':
        if (info.L > 1) notes.add(`${base} without a layer read as ${base}${paramLayer}`);
        return paramLayer;
    }
    throw new SyntaxProblem('internal: no default layer', pos);
  };

  const checkIndex = (ix: Idx, dim: number, bound: ReadonlySet<string>, what: string): void => {
    if (ix.kind === 'lit' || free.has(ix.name) || bound.has(ix.name) || dim === 1) return;
    const names = [...free].join(', ');
    throw new SyntaxProblem(`index ${ix.name} of ${what} is not bound: it is not an index of --wrt/--of${names ? ` (${names})` : ''} and no sum runs over it`, ix.pos);
  };

  const go = (n: FNode, bound: ReadonlySet<string>): FNode => {
    switch (n.kind) {
      case 'num': {
        if (!n.outputs) return n;
        notes.add(`n read as ${info.units(info.L)}, the number of outputs (the n of a mean)`);
        return num(info.units(info.L), n.pos);
      }
      case 'ref': {
        if (n.base === 'grad') {
          const g = lossGradient(info, n.indices, n.pos);
          notes.add(`${n.spelled} read as ${printMathjs(g)}, the gradient of the ${info.network.loss} loss in the output`);
          return go(g, bound);
        }
        if (n.base === 'rate') {
          if (!update) throw new SyntaxProblem(`${n.spelled} (the learning rate) belongs in an update rule: add --update`, n.pos);
          usesRate = true;
          return n;
        }
        // W_t, W_k in an update: the iterate before the step (W_{t+1} = W_t − η …), not an element.
        if (update && n.base === 'W' && n.indices.length === 1 && n.indices[0]!.kind === 'var' && ['t', 'k'].includes(n.indices[0]!.name)) {
          notes.add(`${n.base}${n.layer ?? ""}_${n.indices[0]!.name} read as the value before the step`);
          n = { ...n, indices: [] };
        }
        let layer = n.layer;
        if (layer === undefined && n.base !== 'y') layer = defaultLayer(n.base, n.pos, n.indices);
        const min = n.base === 'a' ? 0 : 1;
        if (layer !== undefined && (layer < min || layer > info.L)) {
          throw new SyntaxProblem(`the network has no ${n.base}${layer}: ${n.base} runs over layers ${min} to ${info.L}`, n.pos);
        }
        if (n.base === 'b' && !info.hasBias(layer!)) throw new SyntaxProblem(`layer ${layer} has no bias (bias: false)`, n.pos);
        const shape = info.shape(n.base, layer);
        const name = info.name(n.base, layer);
        const want = n.base === 'W' ? 2 : 1;
        if (n.indices.length !== 0 && n.indices.length !== want) {
          throw new SyntaxProblem(`${name} takes ${want === 2 ? 'two indices, as in W2[j,k]' : 'one index, as in a1[k]'}`, n.indices[0]!.pos);
        }
        n.indices.forEach((ix, d) => checkIndex(ix, d === 0 ? shape.rows : shape.cols, bound, name));
        return layer === undefined ? n : { ...n, layer };
      }
      case 'call': {
        const args = n.args.map((a) => go(a, bound));
        const arg = args[0]!;
        // tanh′(z1) on a tanh layer is that layer's σ′: the derivation's own form, which the proof compares directly.
        if (!n.inclusive && arg.kind === 'ref' && arg.base === 'z' && arg.layer !== undefined && DERIVATIVE_OF.get(n.fn) === info.activation(arg.layer).kind) {
          return { ...n, fn: 'dsigma', args, layer: arg.layer };
        }
        if (n.fn !== 'sigma' && n.fn !== 'dsigma') return { ...n, args };
        const layer = activationLayer(args[0]!, task, n.pos);
        if (n.fn === 'dsigma' && info.activation(layer).kind === 'softmax') {
          // People write it; its diagonal is what they compute, and the hints can then say why it does not belong.
          notes.add(`σ'(z${layer}) of the softmax layer ${layer} read as its diagonal, a${layer} ⊙ (1 − a${layer}): the derivative of softmax is a Jacobian, not elementwise`);
        }
        return { ...n, args, layer };
      }
      case 'sum': {
        if (free.has(n.index)) throw new SyntaxProblem(`${n.index} is an index of --wrt/--of; sum over another letter`, n.pos);
        if (bound.has(n.index)) throw new SyntaxProblem(`a sum over ${n.index} inside another`, n.pos);
        if (!usesIndex(n.body, n.index)) throw new SyntaxProblem(`the sum over ${n.index} does not use ${n.index}`, n.pos);
        return { ...n, body: go(n.body, new Set([...bound, n.index])) };
      }
      default: {
        const cs = children(n);
        return cs.length ? withChildren(n, cs.map((c) => go(c, bound))) : n;
      }
    }
  };
  const out = go(tree, new Set());
  return { tree: out, notes: [...notes], usesRate };
}

/** ∇_a C for the network's loss, in a^(L) and y (with the indices written on ∇). */
function lossGradient(info: NetInfo, indices: readonly Idx[], pos: number): FNode {
  const L = info.L;
  const a = ref('a', L, indices, `a${L}`, pos);
  const y = ref('y', undefined, indices, 'y', pos);
  const diff = bin('-', a, y, pos);
  switch (info.network.loss) {
    case 'squared': return bin('*', num(2, pos), diff, pos);
    case 'half-squared': return diff;
    case 'mse': return info.units(L) === 1 ? bin('*', num(2, pos), diff, pos) : bin('*', bin('/', num(2, pos), num(info.units(L), pos), pos), diff, pos);
    case 'cross-entropy': return bin('./', diff, bin('.*', a, bin('-', num(1, pos), a, pos), pos), pos);
    case 'softmax-cross-entropy': return bin('./', neg(y, pos), a, pos);
  }
}

function usesIndex(n: FNode, name: string): boolean {
  if (n.kind === 'ref') return n.indices.some((ix) => ix.kind === 'var' && ix.name === name);
  return children(n).some((c) => usesIndex(c, name));
}

/** σ(z2) is layer 2's activation; σ of anything else needs all layers to share one activation. */
function activationLayer(arg: FNode, task: Task, pos: number): number {
  const { info } = task;
  if (arg.kind === 'ref' && arg.base === 'z' && arg.layer !== undefined) return arg.layer;
  const kinds = new Set(info.network.layers.map((l) => JSON.stringify(l.activation)));
  if (kinds.size === 1) return 1;
  throw new SyntaxProblem('σ of an expression: the layers have different activations, so write σ(z2) with the layer\'s z', pos);
}

/**
 * Which layer's units each index letter runs over, from --wrt, --of and the names written with a layer
 * (W^{(l)}_{jk}: j over layer l, k over l − 1; a, z, δ, b of layer l: over l), then from bare W's that
 * those place (w_{kj} with j over layer l is W^{(l+1)}, so k runs over l + 1). A letter placed twice
 * differently places nothing.
 */
function unitLetters(tree: FNode, task: Task): Map<string, number> {
  const out = new Map<string, number>();
  const clash = new Set<string>();
  const bind = (ix: Idx | undefined, layer: number): void => {
    if (!ix || ix.kind !== 'var' || clash.has(ix.name)) return;
    const was = out.get(ix.name);
    if (was === undefined) out.set(ix.name, layer);
    else if (was !== layer) { out.delete(ix.name); clash.add(ix.name); }
  };
  const place = (base: string, layer: number, indices: readonly Idx[]): void => {
    if (base === 'W') { bind(indices[0], layer); bind(indices[1], layer - 1); } else if (base !== 'y' && base !== 'C') bind(indices[0], layer);
  };
  place(task.wrt.base, task.wrt.layer, task.wrt.indices);
  if (task.of.base !== 'C') place(task.of.base, task.of.layer, task.of.indices);
  const refs = nodesOfTree(tree).filter((n): n is Extract<FNode, { kind: 'ref' }> => n.kind === 'ref');
  for (const r of refs) if (r.layer !== undefined) place(r.base, r.layer, r.indices);
  for (const r of refs) {
    if (r.layer !== undefined || r.base !== 'W') continue;
    const layer = layerFromLetters('W', r.indices, out);
    if (layer !== undefined) place('W', layer, r.indices);
  }
  return out;
}

function layerFromLetters(base: string, indices: readonly Idx[], letters: ReadonlyMap<string, number>): number | undefined {
  const at = (k: number): number | undefined => {
    const ix = indices[k];
    return ix?.kind === 'var' ? letters.get(ix.name) : undefined;
  };
  if (base === 'W') {
    const row = at(0);
    const col = at(1);
    return row ?? (col === undefined ? undefined : col + 1);
  }
  return base === 'a' || base === 'z' || base === 'delta' || base === 'b' ? at(0) : undefined;
}

/** Whether a bare a (no layer) stands right beside y in a sum or difference: a − y, y − a. */
function bareABesideY(tree: FNode): boolean {
  const bareA = (m: FNode): boolean => m.kind === 'ref' && m.base === 'a' && m.layer === undefined;
  const isY = (m: FNode): boolean => m.kind === 'ref' && m.base === 'y';
  return nodesOfTree(tree).some((n) => n.kind === 'bin' && (n.op === '-' || n.op === '+') && ((bareA(n.left) && isY(n.right)) || (isY(n.left) && bareA(n.right))));
}
