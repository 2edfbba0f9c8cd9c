// The C version: the generated module's sgdStep (and the helpers and buffers it
// uses) translated to C, so C runs the same derivation's computation, compiled
// with gcc -O3 and timed in C with its own loop. The generated code uses a small
// subset of TypeScript (const/let, for, element access, Math calls, **), which
// is all this translates; a check compares its parameters with the JavaScript's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Data } from './networks.ts';

export const hasGcc = (): boolean => spawnSync('gcc', ['--version']).status === 0;

const TYPES: Record<string, string> = { number: 'double', Float64Array: 'double *', 'ArrayLike<number>': 'const double *', void: 'void' };

/** `a ** b` → pow(a, b): the operands are atoms, parenthesized groups or calls. */
function powToC(s: string): string {
  for (let at = s.indexOf(' ** '); at >= 0; at = s.indexOf(' ** ')) {
    let i = at - 1, depth = 0;
    for (; i >= 0; i--) {
      const ch = s[i]!;
      if (ch === ')' || ch === ']') depth++;
      else if (ch === '(' || ch === '[') { if (depth === 0) break; depth--; }
      else if (depth === 0 && !/[\w.]/.test(ch)) break;
    }
    let j = at + 4; depth = 0;
    for (; j < s.length; j++) {
      const ch = s[j]!;
      if (ch === '(' || ch === '[') depth++;
      else if (ch === ')' || ch === ']') { if (depth === 0) break; depth--; }
      else if (depth === 0 && !/[\w.]/.test(ch)) break;
    }
    s = `${s.slice(0, i + 1)}pow(${s.slice(i + 1, at)}, ${s.slice(at + 4, j)})${s.slice(j)}`;
  }
  return s;
}

/** Math.max(a, b, c) → fmax(fmax(a, b), c) (arguments are simple names in generated code). */
const maxToC = (s: string): string => s.replace(/Math\.max\(([^()]*)\)/g, (_, args: string) =>
  args.split(', ').reduce((acc, a) => (acc ? `fmax(${acc}, ${a})` : a), ''));

function statementToC(line: string): string {
  let s = line.replace(/^(\s*)for \(let /, '$1for (int ').replace(/^(\s*)const (\w+) = /, '$1const double $2 = ').replace(/^(\s*)let (\w+) = /, '$1double $2 = ');
  s = s.replace(/\]!/g, ']'); // TypeScript's non-null assertions on element reads
  s = maxToC(s).replace(/Math\.(exp|expm1|log|log1p|tanh|sqrt|abs)\(/g, (_, f: string) => (f === 'abs' ? 'fabs(' : `${f}(`)).replace(/-Infinity/g, '-INFINITY');
  return powToC(s);
}

/** Top-level functions and buffers of the module, translated; sgdStep becomes sgd_step. */
export function moduleToC(ts: string): string {
  const lines = ts.split('\n');
  const out: string[] = ['#include <math.h>', '#include <stdio.h>', '#include <stdlib.h>', '#include <time.h>', ''];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const buf = /^const (\w+) = new Float64Array\((\d+)\);$/.exec(line);
    if (buf && buf[1] !== 'batchGrad') { out.push(`static double ${buf[1]}[${buf[2]}];`); continue; }
    const fn = /^(export )?function (\w+)\((.*)\): (\w+) \{$/.exec(line);
    if (!fn || (fn[1] && fn[2] !== 'sgdStep')) continue;
    // Only the step's own helpers (numbers and arrays in, a number or nothing out); the optimizers' and
    // training loop's internals take objects and are not part of the step.
    const typed = fn[3]!.split(', ').map((p) => p.split(': '));
    if (!(fn[4]! in TYPES) || typed.some(([, t]) => !(t! in TYPES))) continue;
    const params = typed.map(([n, t]) => `${TYPES[t!]} ${n}`);
    out.push(`static ${TYPES[fn[4]!]} ${fn[2] === 'sgdStep' ? 'sgd_step' : fn[2]}(${params.join(', ')}) {`);
    for (i++; lines[i] !== '}'; i++) if (!lines[i]!.trimStart().startsWith('//')) out.push(statementToC(lines[i]!));
    out.push('}', '');
  }
  return out.join('\n');
}

const array = (name: string, v: ArrayLike<number>): string => `static double ${name}[] = {${Array.from(v, (x) => x.toPrecision(17)).join(', ')}};`;

/**
 * The C program: `check` runs 100 steps and prints the parameters; `time N R`
 * runs R samples of N steps each and prints nanoseconds per step for each.
 */
export function cProgram(ts: string, d: Data): string {
  const data = d.xs.map((x, e) => `${array(`data_x${e}`, x)}\n${array(`data_y${e}`, d.ys[e]!)}`);
  return `${moduleToC(ts)}
${data.join('\n')}
static const double *xs[] = {${d.xs.map((_, e) => `data_x${e}`).join(', ')}};
static const double *ys[] = {${d.ys.map((_, e) => `data_y${e}`).join(', ')}};
${array('start', d.params)}
static double params[${d.params.length}];
static double run(long steps) {
  double c = 0;
  for (long s = 0; s < steps; s++) c += sgd_step(params, xs[s % ${d.xs.length}], ys[s % ${d.xs.length}], ${d.rate});
  return c;
}
int main(int argc, char **argv) {
  for (int i = 0; i < ${d.params.length}; i++) params[i] = start[i];
  if (argc > 1 && argv[1][0] == 'c') { run(100); for (int i = 0; i < ${d.params.length}; i++) printf("%.17g\\n", params[i]); return 0; }
  long steps = argc > 2 ? atol(argv[2]) : 1000; int samples = argc > 3 ? atoi(argv[3]) : 1;
  volatile double sink = run(steps);
  for (int r = 0; r < samples; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sink += run(steps);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.3f\\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / steps);
  }
  return sink == 12345.678;
}
`;
}

export interface CBuild { readonly binary?: string; readonly error?: string }

/** Write and compile with gcc -O3 (no -ffast-math: the same IEEE arithmetic as JavaScript). */
export function buildC(ts: string, d: Data, name: string): CBuild {
  const dir = mkdtempSync(join(tmpdir(), 'deltagen-c-'));
  const src = join(dir, `${name}.c`);
  const binary = join(dir, name);
  writeFileSync(src, cProgram(ts, d));
  const r = spawnSync('gcc', ['-O3', '-o', binary, src, '-lm'], { encoding: 'utf8' });
  return r.status === 0 ? { binary } : { error: r.stderr.slice(0, 2000) };
}

export function runC(binary: string, args: string[]): number[] {
  const r = spawnSync(binary, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`C program failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').map(Number);
}
