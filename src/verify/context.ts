// What is being verified: the network's shapes, the quantity differentiated
// (--of), the variable (--wrt), and how one formula value maps to elements of
// the true derivative.
import { UserError } from '../errors.ts';
import type { ActivationSpec, Network } from '../spec/types.ts';
import type { Base, FNode, Idx } from './ast.ts';
import { SyntaxProblem } from './errors.ts';
import { parseLatexFormula } from './latex-front.ts';
import { parseMathjsFormula } from './mathjs-front.ts';

export interface Shape { readonly rows: number; readonly cols: number }
export const SCALAR: Shape = { rows: 1, cols: 1 };
export const shapeText = (s: Shape): string => `${s.rows}×${s.cols}`;
export const isScalar = (s: Shape): boolean => s.rows === 1 && s.cols === 1;

export class NetInfo {
  readonly L: number;
  constructor(readonly network: Network) {
    this.L = network.layers.length;
  }
  units(l: number): number {
    return l === 0 ? this.network.input : this.network.layers[l - 1]!.units;
  }
  hasBias(l: number): boolean {
    return this.network.layers[l - 1]?.bias ?? false;
  }
  activation(l: number): ActivationSpec {
    return this.network.layers[l - 1]!.activation;
  }
  /** Shape of a whole named quantity. */
  shape(base: Base, layer: number | undefined): Shape {
    switch (base) {
      case 'W': return { rows: this.units(layer!), cols: this.units(layer! - 1) };
      case 'y': return { rows: this.units(this.L), cols: 1 };
      case 'rate': return SCALAR;
      default: return { rows: this.units(layer!), cols: 1 };
    }
  }
  /** "W2", "a0", "y": the name in mathjs spelling. */
  name(base: Base | 'C', layer?: number): string {
    if (base === 'C' || base === 'y') return base;
    if (base === 'rate') return 'R';
    return `${base}${layer ?? ''}`;
  }
}

/** --of or --wrt, read: C, W2, a1[i], W^{(L)}_{i,j}. */
export interface Quantity {
  readonly base: 'C' | 'W' | 'b' | 'a' | 'z';
  readonly layer: number;
  readonly indices: readonly Idx[];
  readonly text: string;
}

/** Read a --wrt or --of argument in either syntax. */
export function parseQuantity(text: string, flag: '--wrt' | '--of', info: NetInfo): Quantity {
  const t = text.trim();
  if (flag === '--of' && t === 'C') return { base: 'C', layer: info.L, indices: [], text: 'C' };
  let node: FNode | undefined;
  for (const read of [() => parseMathjsFormula(t), () => parseLatexFormula(t, info.L).tree]) {
    try {
      node = read();
      break;
    } catch (err) {
      if (!(err instanceof SyntaxProblem)) throw err;
    }
  }
  const allowed = flag === '--wrt' ? 'a parameter: W2, b1, or one element W2[j,k]' : 'C, or an intermediate: a2, z1, a2[i]';
  if (!node || node.kind !== 'ref') throw new UserError(`${flag} "${text}": expected ${allowed}`);
  const bases = flag === '--wrt' ? ['W', 'b'] : ['a', 'z'];
  if (!bases.includes(node.base)) throw new UserError(`${flag} "${text}": expected ${allowed}`);
  let layer = node.layer;
  if (layer === undefined) {
    if (info.L !== 1) throw new UserError(`${flag} "${text}": name the layer, as in ${node.base}${info.L}`);
    layer = 1;
  }
  const min = node.base === 'a' ? 0 : 1;
  if (layer < min || layer > info.L) throw new UserError(`${flag} "${text}": the network has no ${node.base}${layer} (layers ${min} to ${info.L})`);
  if (node.base === 'b' && !info.hasBias(layer)) throw new UserError(`${flag} "${text}": layer ${layer} has no bias (bias: false)`);
  const shape = info.shape(node.base, layer);
  const want = node.base === 'W' ? 2 : 1;
  if (node.indices.length !== 0 && node.indices.length !== want) throw new UserError(`${flag} "${text}": ${info.name(node.base, layer)} takes ${want} ind${want === 1 ? 'ex' : 'ices'}`);
  node.indices.forEach((ix, d) => {
    const dim = d === 0 ? shape.rows : shape.cols;
    if (ix.kind === 'lit' && ix.value > dim) throw new UserError(`${flag} "${text}": index ${ix.value} is out of range 1..${dim}`);
  });
  const names = node.indices.flatMap((ix) => (ix.kind === 'var' ? [ix.name] : []));
  if (new Set(names).size !== names.length) throw new UserError(`${flag} "${text}": use two different index letters`);
  return { base: node.base as Quantity['base'], layer, indices: node.indices, text: t };
}

/** Free indices and their ranges, with where each range comes from (for messages). */
export interface FreeIndex { readonly name: string; readonly range: number; readonly origin: string }

export function freeIndices(of: Quantity, wrt: Quantity, info: NetInfo): FreeIndex[] {
  const out = new Map<string, FreeIndex>();
  for (const q of [wrt, of]) {
    if (q.base === 'C') continue;
    const shape = info.shape(q.base, q.layer);
    q.indices.forEach((ix, d) => {
      if (ix.kind !== 'var') return;
      const range = d === 0 ? shape.rows : shape.cols;
      const origin = `${d === 0 ? 'rows' : 'columns'} of ${info.name(q.base, q.layer)}`;
      const seen = out.get(ix.name);
      if (seen && seen.range !== range) throw new UserError(`index ${ix.name} runs over the ${seen.origin} (${seen.range}) and the ${origin} (${range})`);
      if (!seen) out.set(ix.name, { name: ix.name, range, origin });
    });
  }
  return [...out.values()];
}
