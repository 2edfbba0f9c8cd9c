// The networks of the speed table, with seeded parameters and data.
import type { Network } from '../src/spec/types.ts';

export interface BenchNet { readonly label: string; readonly network: Network; readonly goal: number }

const layer = (units: number, activation: string, bias = true) => ({ units, bias, activation: { kind: activation } });
const net = (name: string, input: number, layers: ReturnType<typeof layer>[], loss: string): Network =>
  ({ name, source: 'bench', input, layers, loss } as unknown as Network);

/** goal: the minimum speed-up of the generated module over the generic loops. */
export const NETWORKS: readonly BenchNet[] = [
  { label: '1-1', network: net('question', 1, [layer(1, 'identity', false)], 'squared'), goal: 3.5 },
  { label: '2-3-1', network: net('xor', 2, [layer(3, 'sigmoid'), layer(1, 'sigmoid')], 'half-squared'), goal: 1.5 },
  { label: '4-16-3', network: net('iris16', 4, [layer(16, 'tanh'), layer(3, 'softmax')], 'softmax-cross-entropy'), goal: 2 },
  { label: '16-256-8', network: net('wide', 16, [layer(256, 'sigmoid'), layer(8, 'sigmoid')], 'half-squared'), goal: 1.0 },
  { label: '784-30-10', network: net('mnist', 784, [layer(30, 'sigmoid'), layer(10, 'sigmoid')], 'half-squared'), goal: 1.2 },
];

/** Deterministic pseudo-random numbers (mulberry32), so every run trains on the same numbers. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Data { readonly xs: Float64Array[]; readonly ys: Float64Array[]; readonly params: Float64Array; readonly rate: number }

/** 16 examples (one-hot targets for softmax, values in (0, 1) otherwise) and small initial weights. */
export function dataFor(n: Network, paramCount: number): Data {
  const r = rng(42);
  const out = n.layers[n.layers.length - 1]!.units;
  const xs = Array.from({ length: 16 }, () => Float64Array.from({ length: n.input }, () => r() * 2 - 1));
  const ys = Array.from({ length: 16 }, (_, e) => Float64Array.from({ length: out }, (_, j) =>
    n.loss === 'softmax-cross-entropy' ? (j === e % out ? 1 : 0) : 0.1 + 0.8 * r()));
  const scale = 1 / Math.sqrt(n.input);
  const params = Float64Array.from({ length: paramCount }, () => (r() * 2 - 1) * scale);
  return { xs, ys, params, rate: 0.01 };
}
