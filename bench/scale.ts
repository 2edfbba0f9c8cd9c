// The scale table: derive + generate + compile time and peak memory against
// width (784-n-10) and depth (chains of one-unit layers), each point in a
// fresh process; the growth exponent is the slope of log time on log size.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const WIDTHS = [10, 30, 100, 300, 1000];
export const DEPTHS = [10, 30, 100, 300, 500];

export interface ScalePoint { readonly kind: 'width' | 'depth'; readonly n: number; readonly derive: number; readonly generate: number; readonly compile: number; readonly total: number; readonly peakMB: number; readonly bytes: number }

export function measure(kind: 'width' | 'depth', n: number): ScalePoint {
  const file = fileURLToPath(new URL('./scale-one.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, kind, String(n)], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`scale ${kind} ${n}: ${r.stderr.slice(-2000)}`);
  return { kind, n, ...JSON.parse(r.stdout.trim().split('\n').pop()!) };
}

/** Least-squares slope of log y on log x: y ∝ x^slope. */
export function exponent(points: readonly { x: number; y: number }[]): number {
  const p = points.map((q) => ({ x: Math.log(q.x), y: Math.log(q.y) }));
  const mx = p.reduce((s, q) => s + q.x, 0) / p.length;
  const my = p.reduce((s, q) => s + q.y, 0) / p.length;
  return p.reduce((s, q) => s + (q.x - mx) * (q.y - my), 0) / p.reduce((s, q) => s + (q.x - mx) ** 2, 0);
}
