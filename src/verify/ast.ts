// The formula tree both front ends (mathjs syntax and LaTeX) produce, and the
// printers and evaluators read. Names are already split into base and layer so
// that neither front end's spelling leaks past parsing. `pos` is the 0-based
// offset in the text the user gave, for error messages.
import { treeWalks } from './tree.ts';

/** `grad` is ∇_a C, the gradient of the loss in the output a^(L); the resolver writes it out for the network's loss. */
export type Base = 'W' | 'b' | 'a' | 'z' | 'y' | 'delta' | 'rate' | 'grad';

/** An index inside brackets or a LaTeX subscript: a number or a name (j, k, a summation index). */
export type Idx =
  | { readonly kind: 'lit'; readonly value: number; readonly pos: number }
  | { readonly kind: 'var'; readonly name: string; readonly pos: number };

export type BinOp = '+' | '-' | '*' | '.*' | '/' | './' | '^' | '.^';

export type FNode = { readonly pos: number } & (
  /** `outputs`: n, the number of outputs (the mean of mse), a number once the network is known (resolve.ts). */
  | { readonly kind: 'num'; readonly value: number; readonly outputs?: true }
  /**
   * A quantity of the network. `layer` undefined means written without one (bare
   * `W`, `a`); the resolver fills it in. `spelled` is how the user wrote it.
   */
  | { readonly kind: 'ref'; readonly base: Base; readonly layer?: number; readonly indices: readonly Idx[]; readonly spelled: string }
  | { readonly kind: 'neg'; readonly arg: FNode }
  /**
   * `implicit`: a product written by juxtaposition (W δ), which two vectors of one size make elementwise;
   * `star`: written with mathjs's *, read the same way (as NumPy's * is) where no matrix product exists.
   */
  | { readonly kind: 'bin'; readonly op: BinOp; readonly left: FNode; readonly right: FNode; readonly implicit?: boolean; readonly star?: boolean }
  | { readonly kind: 'transpose'; readonly arg: FNode }
  /** exp, log, sigmoid, … ; `sigma`/`dsigma` are a layer's activation and its derivative (`layer` set by the resolver). */
  /** `inclusive`: a mask written with ≥ or ≤, 1 where its argument is 0 too (step is 0 there, as relu′(0)). */
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly FNode[]; readonly layer?: number; readonly inclusive?: true }
  | { readonly kind: 'sum'; readonly index: string; readonly body: FNode }
  | { readonly kind: 'matrix'; readonly rows: readonly (readonly FNode[])[] }
);

export const num = (value: number, pos = 0): FNode => ({ kind: 'num', value, pos });
export const bin = (op: BinOp, left: FNode, right: FNode, pos = left.pos): FNode => ({ kind: 'bin', op, left, right, pos });
export const neg = (arg: FNode, pos = arg.pos): FNode => ({ kind: 'neg', arg, pos });
export const transposeOf = (arg: FNode, pos = arg.pos): FNode => ({ kind: 'transpose', arg, pos });
export const callOf = (fn: string, args: FNode[], pos = 0, layer?: number): FNode =>
  layer === undefined ? { kind: 'call', fn, args, pos } : { kind: 'call', fn, args, pos, layer };
export const ref = (base: Base, layer: number | undefined, indices: readonly Idx[], spelled: string, pos = 0): FNode =>
  layer === undefined ? { kind: 'ref', base, indices, spelled, pos } : { kind: 'ref', base, layer, indices, spelled, pos };
export const lit = (value: number, pos = 0): Idx => ({ kind: 'lit', value, pos });
export const ivar = (name: string, pos = 0): Idx => ({ kind: 'var', name, pos });

/** The direct children, in order. */
export function children(n: FNode): FNode[] {
  switch (n.kind) {
    case 'num': case 'ref': return [];
    case 'neg': case 'transpose': return [n.arg];
    case 'bin': return [n.left, n.right];
    case 'call': return [...n.args];
    case 'sum': return [n.body];
    case 'matrix': return n.rows.flat();
  }
}

/** Rebuild with new children (same order as `children`). */
export function withChildren(n: FNode, cs: readonly FNode[]): FNode {
  switch (n.kind) {
    case 'num': case 'ref': return n;
    case 'neg': return { ...n, arg: cs[0]! };
    case 'transpose': return { ...n, arg: cs[0]! };
    case 'bin': return { ...n, left: cs[0]!, right: cs[1]! };
    case 'call': return { ...n, args: cs };
    case 'sum': return { ...n, body: cs[0]! };
    case 'matrix': {
      let at = 0;
      return { ...n, rows: n.rows.map((r) => r.map(() => cs[at++]!)) };
    }
  }
}

export const { mapTree, nodesOf, replaceNode } = treeWalks<FNode>(children, withChildren);

export function countNodes(n: FNode): number {
  let count = 1;
  for (const c of children(n)) count += countNodes(c);
  return count;
}

/** A node deeper than `limit`, found without recursion, or undefined. */
export function deepNode(root: FNode, limit: number): FNode | undefined {
  const stack: [FNode, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [n, d] = stack.pop()!;
    if (d > limit) return n;
    for (const c of children(n)) stack.push([c, d + 1]);
  }
  return undefined;
}
