import { describe, expect, it } from 'vitest';
import { resolveActivation, U } from '../src/symbolic/activations.ts';
import { evaluate } from '../src/symbolic/evaluate.ts';
import type { ActivationSpec } from '../src/spec/types.ts';

const grid = [-30, -5, -1, -0.5, 0, 0.25, 1, 3, 30];
const specs: ActivationSpec[] = [{ kind: 'identity' }, { kind: 'sigmoid' }, { kind: 'tanh' }];

describe('activation derivatives from the CAS', () => {
  for (const spec of specs) {
    it(`${spec.kind}: the CAS derivative matches a central difference, and its forward-value form matches it`, () => {
      const act = resolveActivation(spec);
      const f = (x: number): number => evaluate(act.formula, () => x);
      for (const x of grid) {
        const d = evaluate(act.derivative, () => x);
        const h = 1e-5;
        expect(d).toBeCloseTo((f(x + h) - f(x - h)) / (2 * h), 8);
        expect(act.fromOutput).toBeDefined();
        expect(evaluate(act.fromOutput!, () => f(x))).toBeCloseTo(d, 12);
      }
    });
  }

  it('only the identity has an identity Jacobian', () => {
    expect(resolveActivation({ kind: 'identity' }).identityJacobian).toBe(true);
    expect(resolveActivation({ kind: 'tanh' }).identityJacobian).toBe(false);
    expect(U.kind).toBe('sym');
  });
});
