// Run the Octave and NumPy trainers in their real interpreters (GNU Octave's
// octave-cli, Python 3 with NumPy) and compare them with the reference and the
// TypeScript trainer. One interpreter process evaluates every point: Octave
// alone takes a few tenths of a second to start.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { interruptible, runProcess, type ProcessResult } from '../io/process.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModule } from '../compile/compile.ts';
import { CheckFailure, UserError } from '../errors.ts';
import { layoutOf } from '../graph/layout.ts';
import { compileNetwork, renderJavaScript, renderNumPy, renderOctave, type AnyCompiled } from '../pipeline.ts';
import { graphReferenceGradient, smoothGraphPoint } from '../reference/graph.ts';
import { referenceGradient } from '../reference/reference.ts';
import { numpyName } from '../render/numpy.ts';
import { octaveName } from '../render/octave.ts';
import { exampleSizes, isGraph, type AnyNetwork } from '../spec/graph-types.ts';
import { REFERENCE_TOLERANCE, smoothPoint, type Point } from './check.ts';
import { seededRandom } from './random.ts';

export type ArrayTarget = 'octave' | 'numpy';

/** The largest scaled difference from the TypeScript trainer: the two print the same derivation, so only rounding differs. */
export const TYPESCRIPT_TOLERANCE = 1e-12;

export interface Evaluation {
  readonly loss: number;
  readonly grad: Float64Array;
}

interface Interpreter {
  /** Tried in order: the first that runs with what the driver needs is used. */
  readonly commands: readonly string[];
  readonly args: (driver: string) => string[];
  readonly driverName: string;
  /** What to install, for the message when no command runs. */
  readonly install: string;
  /** An interpreter that runs but lacks a library the file needs: how its stderr shows it, and the library's name. */
  readonly library?: { readonly missing: RegExp; readonly name: string };
  readonly file: (c: AnyCompiled) => { name: string; source: string };
  /** A driver that reads points.csv (params, x, y on each line) and prints C and the gradient, 17 significant digits, one line a point. */
  readonly driver: (c: AnyCompiled) => string;
}

/** Numbers in the parameters, in x and in y of one example (a graph network's x holds T·n_x numbers, its y T·n_out or n_out). */
function sizes(c: AnyCompiled): { k: number; n0: number; nL: number } {
  const k = layoutOf(c.network).paramCount;
  if (isGraph(c.network)) {
    const { x, y } = exampleSizes(c.network);
    return { k, n0: x, nL: y };
  }
  return { k, n0: c.network.input, nL: c.network.layers[c.network.layers.length - 1]!.units };
}

/** The first lines of a driver: the trainer's folder on the path (in Octave with the warning off: a network named like a builtin, xor, shadows it). */
export const OCTAVE_PRELUDE = ["warning('off', 'Octave:shadowed-function');", "addpath('module');"];
export const PYTHON_PRELUDE = ['import sys', 'sys.path.insert(0, "module")', 'import numpy as np'];

const INTERPRETERS: Readonly<Record<ArrayTarget, Interpreter>> = {
  octave: {
    commands: ['octave-cli'],
    args: (driver) => ['--norc', '--quiet', '--no-history', driver],
    driverName: 'driver.m',
    install: 'GNU Octave (Debian: apt-get install octave)',
    file: (c) => ({ name: `${octaveName(c.network)}.m`, source: renderOctave(c) }),
    driver: (c) => {
      const { k, n0, nL } = sizes(c);
      return [
        ...OCTAVE_PRELUDE,
        `net = ${octaveName(c.network)}();`,
        "P = dlmread('points.csv', ',');",
        'for i = 1:size(P, 1)',
        `  [C, g] = net.loss_and_gradient(P(i, 1:${k})', P(i, ${k + 1}:${k + n0})', P(i, ${k + n0 + 1}:${k + n0 + nL})');`,
        "  fprintf('%.17g', C); fprintf(' %.17g', g); fprintf('\\n');",
        'end',
        '',
      ].join('\n');
    },
  },
  numpy: {
    // python3 on PATH first; Debian's python3-numpy installs for /usr/bin/python3, which may be another Python.
    commands: ['python3', '/usr/bin/python3'],
    args: (driver) => [driver],
    driverName: 'driver.py',
    install: 'Python 3 with NumPy (Debian: apt-get install python3-numpy)',
    library: { missing: /No module named '?numpy/, name: 'NumPy' },
    file: (c) => ({ name: `${numpyName(c.network)}.py`, source: renderNumPy(c) }),
    driver: (c) => {
      const { k, n0 } = sizes(c);
      return [
        ...PYTHON_PRELUDE,
        `import ${numpyName(c.network)} as net`,
        'P = np.loadtxt("points.csv", delimiter=",", ndmin=2)',
        'for row in P:',
        `    c, g = net.loss_and_gradient(row[:${k}], row[${k}:${k + n0}], row[${k + n0}:])`,
        '    print(" ".join("%.17g" % v for v in [c, *g]))',
        '',
      ].join('\n');
    },
  },
};

/** Octave 7 prints this on every exit without a terminal; it means nothing. */
const OCTAVE_EXIT_NOISE = /^error: ignoring const execution_exception& while preparing to exit\n?/m;

/** %.17g as C prints it (Octave: Inf, NaN; Python: inf, nan). */
function parseNumber(s: string): number {
  const t = s.toLowerCase();
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  const v = Number(s);
  if (s === '' || Number.isNaN(v)) throw new CheckFailure(`the interpreter printed "${s.slice(0, 40)}" where a number was expected`);
  return v;
}

/** What one interpreter's run means: its output, or the next command to try (not found, no library), or a failure. */
function judge(target: ArrayTarget, command: string, r: ProcessResult, tried: string[]): { stdout: string; command: string } | undefined {
  const it = INTERPRETERS[target];
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') { tried.push(`${command}: not found`); return undefined; }
  if (r.error) throw r.error;
  if (r.status !== 0 && it.library?.missing.test(r.stderr)) { tried.push(`${command} has no ${it.library.name}`); return undefined; }
  if (r.status !== 0) throw new CheckFailure(`the ${target} trainer failed in ${command} (exit ${r.status}): ${r.stderr.replace(OCTAVE_EXIT_NOISE, '').trim().slice(-2000)}`);
  return { stdout: r.stdout, command };
}

/** A temporary folder holding the files and the driver script, and the commands to try. */
function prepare(target: ArrayTarget, files: Readonly<Record<string, string>>, script: string, options: { command?: string }): { dir: string; commands: readonly string[] } {
  const it = INTERPRETERS[target];
  const dir = mkdtempSync(join(tmpdir(), `deltagen-${target}-`));
  mkdirSync(join(dir, 'module'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  writeFileSync(join(dir, it.driverName), script);
  return { dir, commands: options.command !== undefined ? [options.command] : it.commands };
}

/**
 * Run a script in the target's interpreter, in a temporary folder holding
 * `files` (the trainer goes in module/, which the driver adds to the path).
 * Returns what it printed and the command that ran it. `command` replaces the
 * interpreter's usual command (tests use it to see a missing interpreter).
 */
export function runInInterpreter(target: ArrayTarget, files: Readonly<Record<string, string>>, script: string, options: { command?: string } = {}): { stdout: string; command: string } {
  const it = INTERPRETERS[target];
  const { dir, commands } = prepare(target, files, script, options);
  try {
    const tried: string[] = [];
    for (const command of commands) {
      const r = spawnSync(command, it.args(it.driverName), { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
      const done = judge(target, command, r, tried);
      if (done) return done;
    }
    throw new UserError(`${tried.join('; ')}; install ${it.install}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same run without blocking the process, for the command line: Ctrl-C (or
 * SIGTERM) ends the interpreter's whole process group at once, removes the
 * folder and throws Interrupted (exit 130 or 143).
 */
export function runInInterpreterAsync(target: ArrayTarget, files: Readonly<Record<string, string>>, script: string, options: { command?: string } = {}): Promise<{ stdout: string; command: string }> {
  const it = INTERPRETERS[target];
  return interruptible(`the ${target} run was stopped and its temporary files removed`, async (signal) => {
    const { dir, commands } = prepare(target, files, script, options);
    try {
      const tried: string[] = [];
      for (const command of commands) {
        if (signal.aborted) throw signal.reason;
        const r = await runProcess(command, it.args(it.driverName), { cwd: dir, signal });
        if (signal.aborted) throw signal.reason;
        const done = judge(target, command, r, tried);
        if (done) return done;
      }
      throw new UserError(`${tried.join('; ')}; install ${it.install}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The trainer's file, as the interpreter's drivers load it: module/<name>.m or module/<name>.py. */
export function trainerFile(target: ArrayTarget, c: AnyCompiled): Record<string, string> {
  const file = INTERPRETERS[target].file(c);
  return { [join('module', file.name)]: file.source };
}

/** Loss and gradient at every point, from the target's trainer run in its interpreter, all points in one process. */
/** The trainer and the points (params, x, y a line) for the driver to evaluate. */
function evaluationFiles(target: ArrayTarget, c: AnyCompiled, points: readonly Point[]): Record<string, string> {
  const csv = points.map((p) => [...p.params, ...p.x, ...p.y].map(String).join(',')).join('\n') + '\n';
  return { ...trainerFile(target, c), 'points.csv': csv };
}

export function evaluateInInterpreter(target: ArrayTarget, c: AnyCompiled, points: readonly Point[], options: { command?: string } = {}): { evaluations: Evaluation[]; command: string } {
  const { stdout, command } = runInInterpreter(target, evaluationFiles(target, c, points), INTERPRETERS[target].driver(c), options);
  return { evaluations: parseEvaluations(stdout, points.length, layoutOf(c.network).paramCount, command), command };
}

function parseEvaluations(stdout: string, points: number, paramCount: number, context: string): Evaluation[] {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== points) throw new CheckFailure(`expected ${points} lines from the interpreter, found ${lines.length} (${context})`);
  return lines.map((line) => {
    const values = line.trim().split(/\s+/).map(parseNumber);
    if (values.length !== paramCount + 1) throw new CheckFailure(`expected ${paramCount + 1} numbers a line from the interpreter, found ${values.length}`);
    return { loss: values[0]!, grad: Float64Array.from(values.slice(1)) };
  });
}

export interface TargetParameterReport {
  readonly name: string;
  /** Largest scaled error |g − r| / max(1, |r|) against the reference, and against the TypeScript trainer. */
  readonly reference: number;
  readonly typescript: number;
}

export interface TargetCheckReport {
  readonly network: string;
  readonly target: ArrayTarget;
  /** The interpreter command that ran the trainer. */
  readonly interpreter: string;
  readonly points: number;
  readonly loss: { readonly reference: number; readonly typescript: number };
  readonly parameters: readonly TargetParameterReport[];
  readonly passed: boolean;
}

const scaledError = (got: number, want: number): number =>
  (Object.is(got, want) ? 0 : Number.isNaN(got - want) ? Infinity : Math.abs(got - want) / Math.max(1, Math.abs(want)));

/**
 * Write the target's trainer, run it in its interpreter at seeded random points,
 * and compare loss and gradient with the reference and the TypeScript trainer.
 */
export async function checkInInterpreter(network: AnyNetwork, target: ArrayTarget, options: { points?: number; seed?: number; command?: string; onStage?: (stage: string) => void } = {}): Promise<TargetCheckReport> {
  const stage = options.onStage ?? ((): void => {});
  stage('deriving');
  const c = compileNetwork(network);
  const rand = seededRandom(options.seed ?? 1);
  const points: Point[] = Array.from({ length: options.points ?? 5 }, () => (isGraph(network) ? smoothGraphPoint(network, rand) : smoothPoint(network, rand)));
  stage(`running the ${target} trainer`);
  const { stdout, command } = await runInInterpreterAsync(target, evaluationFiles(target, c, points), INTERPRETERS[target].driver(c), options);
  const evaluations = parseEvaluations(stdout, points.length, layoutOf(c.network).paramCount, command);
  stage('comparing with the reference and the TypeScript trainer');
  const ts = await loadModule(renderJavaScript(c));
  const layout = layoutOf(network);
  const refErr = new Float64Array(layout.paramCount);
  const tsErr = new Float64Array(layout.paramCount);
  const loss = { reference: 0, typescript: 0 };
  const grad = new Float64Array(layout.paramCount);
  points.forEach((p, i) => {
    const got = evaluations[i]!;
    const ref = isGraph(network) ? graphReferenceGradient(network, p.params, p.x, p.y) : referenceGradient(network, p.params, p.x, p.y);
    const c0 = ts.lossAndGradient(p.params, p.x, p.y, grad);
    loss.reference = Math.max(loss.reference, scaledError(got.loss, ref.loss));
    loss.typescript = Math.max(loss.typescript, scaledError(got.loss, c0));
    for (let k = 0; k < layout.paramCount; k++) {
      refErr[k] = Math.max(refErr[k]!, scaledError(got.grad[k]!, ref.grad[k]!));
      tsErr[k] = Math.max(tsErr[k]!, scaledError(got.grad[k]!, grad[k]!));
    }
  });
  const parameters = layout.entries.map((e) => {
    const slice = (a: Float64Array): number => a.subarray(e.offset, e.offset + e.rows * e.cols).reduce((m, v) => Math.max(m, v), 0);
    return { name: e.name, reference: slice(refErr), typescript: slice(tsErr) };
  });
  const within = (r: { reference: number; typescript: number }): boolean => r.reference <= REFERENCE_TOLERANCE && r.typescript <= TYPESCRIPT_TOLERANCE;
  return { network: network.name, target, interpreter: command, points: points.length, loss, parameters, passed: within(loss) && parameters.every(within) };
}

export function formatTargetReport(r: TargetCheckReport): string {
  const e = (v: number): string => v.toExponential(2);
  const lines = [
    `${r.network}: the ${r.target} trainer in ${r.interpreter}, ${r.points} random points; scaled error |g - r| / max(1, |r|)`,
    `  loss: ${e(r.loss.reference)} vs reference, ${e(r.loss.typescript)} vs the TypeScript trainer`,
    `  ${'parameter'.padEnd(10)} ${'vs reference'.padStart(13)} ${'vs TypeScript'.padStart(14)}`,
    ...r.parameters.map((p) => `  ${p.name.padEnd(10)} ${e(p.reference).padStart(13)} ${e(p.typescript).padStart(14)}`),
    `  limits: ${REFERENCE_TOLERANCE} against the reference, ${TYPESCRIPT_TOLERANCE} against the TypeScript trainer`,
    `  ${r.passed ? 'PASSED' : 'FAILED'}`,
  ];
  return `${lines.join('\n')}\n`;
}
