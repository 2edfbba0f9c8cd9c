// Matrix-level IR: the language of the derivation (W a + b, σ(z), Wᵀ δ ⊙ σ'(z)).
// Every node carries its shape so printers can state dimensions and lowering
// can index it.
import type { Activation } from './activations.ts';
import type { Expr } from './expr.ts';

export interface Shape { readonly rows: number; readonly cols: number }

export type MExpr = Shape & (
  /** A named matrix or vector: W^(l), b^(l), z^(l), a^(l), y, δ^(l). a^(0) is x. */
  | { readonly kind: 'mvar'; readonly base: string; readonly layer?: number }
  | { readonly kind: 'matmul'; readonly left: MExpr; readonly right: MExpr }
  | { readonly kind: 'transpose'; readonly arg: MExpr }
  | { readonly kind: 'hadamard'; readonly left: MExpr; readonly right: MExpr }
  | { readonly kind: 'plus'; readonly left: MExpr; readonly right: MExpr }
  | { readonly kind: 'apply'; readonly act: Activation; readonly arg: MExpr }
  /** σ'(arg), elementwise; `output` is σ(arg), which the code may reuse. */
  | { readonly kind: 'applyDeriv'; readonly act: Activation; readonly arg: MExpr; readonly output: MExpr }
  /** The Jacobian of softmax at its output a: diag(a) − a aᵀ (for display; lowering never sees it). */
  | { readonly kind: 'softmaxJacobian'; readonly output: MExpr }
  /** A scalar formula applied elementwise; its symbols named in `args` stand for matrices of this shape. */
  | { readonly kind: 'ewise'; readonly expr: Expr; readonly args: Readonly<Record<string, MExpr>> }
);

export const mvar = (base: string, layer: number | undefined, rows: number, cols = 1): MExpr =>
  layer === undefined ? { kind: 'mvar', base, rows, cols } : { kind: 'mvar', base, layer, rows, cols };

export function matmul(left: MExpr, right: MExpr): MExpr {
  if (left.cols !== right.rows) throw new Error(`internal: ${left.rows}×${left.cols} times ${right.rows}×${right.cols}`);
  return { kind: 'matmul', left, right, rows: left.rows, cols: right.cols };
}
export const transpose = (arg: MExpr): MExpr => ({ kind: 'transpose', arg, rows: arg.cols, cols: arg.rows });
export function hadamard(left: MExpr, right: MExpr): MExpr {
  sameShape(left, right);
  return { kind: 'hadamard', left, right, rows: left.rows, cols: left.cols };
}
export function plus(left: MExpr, right: MExpr): MExpr {
  sameShape(left, right);
  return { kind: 'plus', left, right, rows: left.rows, cols: left.cols };
}
export const apply = (act: Activation, arg: MExpr): MExpr => ({ kind: 'apply', act, arg, rows: arg.rows, cols: arg.cols });
export const applyDeriv = (act: Activation, arg: MExpr, output: MExpr): MExpr =>
  ({ kind: 'applyDeriv', act, arg, output, rows: arg.rows, cols: arg.cols });
export const softmaxJacobian = (output: MExpr): MExpr => ({ kind: 'softmaxJacobian', output, rows: output.rows, cols: output.rows });

export function ewise(expr: Expr, args: Record<string, MExpr>, shape: Shape): MExpr {
  return { kind: 'ewise', expr, args, rows: shape.rows, cols: shape.cols };
}

function sameShape(a: Shape, b: Shape): void {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`internal: shapes ${a.rows}×${a.cols} and ${b.rows}×${b.cols}`);
}

export function mkey(m: MExpr): string {
  switch (m.kind) {
    case 'mvar': return `${m.base}${m.layer ?? ''}`;
    case 'matmul': return `(${mkey(m.left)} ${mkey(m.right)})`;
    case 'transpose': return `${mkey(m.arg)}'`;
    case 'hadamard': return `(${mkey(m.left)} .* ${mkey(m.right)})`;
    case 'plus': return `(${mkey(m.left)} + ${mkey(m.right)})`;
    case 'apply': return `${m.act.name}(${mkey(m.arg)})`;
    case 'applyDeriv': return `${m.act.name}'(${mkey(m.arg)})`;
    case 'softmaxJacobian': return `J(${mkey(m.output)})`;
    case 'ewise': return `ewise(${Object.entries(m.args).map(([k, v]) => `${k}=${mkey(v)}`).join(',')})`;
  }
}
