// Matrix-level simplification. Each rewrite returns the rule's name so the
// derivation can show which simplification was applied.
import { hadamard, matmul, plus, transpose, type MExpr } from './matrix.ts';

export interface Simplified { readonly expr: MExpr; readonly rules: readonly string[] }

export function simplifyMatrix(m: MExpr): Simplified {
  const rules: string[] = [];
  const go = (e: MExpr): MExpr => {
    switch (e.kind) {
      case 'hadamard': {
        const left = go(e.left);
        const right = go(e.right);
        // σ' ≡ 1 (the identity): diag(σ') = I and the product disappears.
        if (right.kind === 'applyDeriv' && right.act.identityJacobian) {
          rules.push(`the derivative of the identity is 1, so its Jacobian is $I$ and the factor disappears`);
          return left;
        }
        if (left.kind === 'applyDeriv' && left.act.identityJacobian) {
          rules.push(`the derivative of the identity is 1, so its Jacobian is $I$ and the factor disappears`);
          return right;
        }
        return left === e.left && right === e.right ? e : hadamard(left, right);
      }
      case 'matmul': {
        const left = go(e.left);
        const right = go(e.right);
        return left === e.left && right === e.right ? e : matmul(left, right);
      }
      case 'plus': {
        const left = go(e.left);
        const right = go(e.right);
        return left === e.left && right === e.right ? e : plus(left, right);
      }
      case 'transpose': {
        const arg = go(e.arg);
        if (arg.kind === 'transpose') { rules.push('$(A^\\top)^\\top = A$'); return arg.arg; }
        return arg === e.arg ? e : transpose(arg);
      }
      default:
        return e;
    }
  };
  return { expr: go(m), rules };
}
