// The verdict as a person reads it on a terminal.
import type { VerifyResult } from './verify.ts';

const fmt = (v: number, digits = 10): string => (Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : String(v));
const vec = (v: readonly (number | readonly number[])[]): string => `[${v.map((x) => (typeof x === 'number' ? fmt(x) : vec(x))).join(', ')}]`;

/** The fewest significant digits (at least 3) at which two values print differently. */
function digitsApart(a: number, b: number): number {
  for (let d = 3; d < 17; d++) if (fmt(a, d) !== fmt(b, d)) return d;
  return 17;
}

export function formatResult(r: VerifyResult): string {
  const lines: string[] = [];
  const what = r.update ? `the update of ${r.wrt}` : `∂${r.of}/∂${r.wrt}`;
  lines.push(`${r.verdict}: ${what} (${r.form} form), ${r.read.formula}`);
  if (r.verdict === 'equivalent') lines.push(`  proved: ${r.proof}; equal at ${r.points} random points`);
  if (r.verdict === 'numerically-equal') lines.push(`  equal at ${r.points} random points to 1e-9 relative; no symbolic proof (${r.proof})`);
  if (r.shapes) lines.push(`  shapes: ${r.shapes}`);
  const c = r.counterexample;
  if (c) {
    const shown = (name: string): boolean => c.relevant.includes(name);
    const values = [
      ...Object.entries(c.point.params).map(([k, v]) => `${k} = ${JSON.stringify(v)}`),
      ...(shown('x') ? [`x = ${vec(c.point.x)}`] : []),
      ...(shown('y') ? [`y = ${vec(c.point.y)}`] : []),
      ...(c.point.rate !== undefined && shown('R') ? [`R = ${fmt(c.point.rate)}`] : []),
    ];
    const where = c.at ? ` at ${Object.entries(c.at).map(([k, v]) => `${k} = ${v}`).join(', ')}` : c.element ? ` at element (${c.element.join(', ')})` : '';
    const d = digitsApart(c.formula, c.expected);
    lines.push(`  counterexample${where}: the formula gives ${fmt(c.formula, d)}, the right value is ${fmt(c.expected, d)}`);
    if (values.length) lines.push(`    with ${values.join(', ')}`);
  }
  for (const d of r.differs) lines.push(`  what differs: ${d}`);
  if (r.expected && r.verdict === 'different') {
    const at = r.expected.at ? ` (at ${Object.entries(r.expected.at).map(([k, v]) => `${k} = ${v}`).join(', ')})` : '';
    lines.push(`  right formula${at}: ${r.expected.formula}`);
    lines.push(`  in LaTeX: ${r.expected.latex}`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}
