// deltagen derive: write the trainer, the LaTeX and the page, exactly the files asked for.
import { watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.ts';
import { LABEL_PREFIX, LABEL_PREFIX_RULE } from '../api-options.ts';
import { outputsFor, type OutputFile } from '../outputs.ts';
import { compileNetwork, renderDeclarations, renderJavaScript, renderNumPy, renderOctave, type AnyCompiled } from '../pipeline.ts';
import { numpyFileName } from '../render/numpy.ts';
import { octaveFileName } from '../render/octave.ts';
import type { UnrollMode } from '../render/typescript.ts';
import { isGraph, type AnyNetwork } from '../spec/graph-types.ts';
import type { DeriveFlags } from './commands.ts';
import { guard, LIMITS, parsePositiveInt, parseUnroll, printJson, writeFiles, type Ctx } from './common.ts';
import { loadNetwork } from './input.ts';
import { stages } from './progress.ts';
import { layoutOf } from '../graph/layout.ts';

const STDOUT = '-';
/** --levels when not given (commands.ts). */
const DEFAULT_LEVELS = 'matrix,index,scalar';

export async function derive(ctx: Ctx, file: string, opts: DeriveFlags): Promise<number> {
  if (opts.notation !== 'nielsen' && opts.notation !== 'question') throw new UserError(`--notation: expected nielsen or question, found "${opts.notation}"`);
  if (!['section', 'subsection', 'none'].includes(opts.heading)) throw new UserError(`--heading: expected section, subsection or none, found "${opts.heading}"`);
  if (opts.labelPrefix !== undefined && !LABEL_PREFIX.test(opts.labelPrefix)) throw new UserError(`--label-prefix: ${LABEL_PREFIX_RULE}; found "${opts.labelPrefix}"`);
  const unroll = parseUnroll(opts.unroll);
  const levels = opts.levels.split(',').map((s) => s.trim());
  const unknown = levels.find((l) => !['matrix', 'index', 'scalar'].includes(l));
  if (unknown !== undefined) throw new UserError(`--levels: expected a list of matrix, index, scalar; found "${unknown}"`);
  const expandLimit = parsePositiveInt(opts.expandLimit, '--expand-limit', LIMITS.expandLimit);
  for (const [flag, value] of [['--latex', opts.latex], ['--ts', opts.ts], ['--html', opts.html], ['--code', opts.code]] as const) {
    if (value === '') throw new UserError(`${flag}: expected a file name (or - for standard output), found ""`);
  }
  const target = opts.target;
  if (!isTarget(target)) throw new UserError(`--target: expected ts, js, octave or numpy, found "${target}"`);
  if (opts.ts !== undefined && (opts.code !== undefined || target !== 'ts')) throw new UserError('--ts names the TypeScript file; with --target or --code, give the file with --code alone');
  const codePath = opts.code ?? opts.ts;
  const toStdout = [codePath, opts.latex, opts.html].filter((p) => p === STDOUT).length;
  if (toStdout > 1) throw new UserError('only one of --ts (or --code), --latex and --html can be - (standard output)');
  if (toStdout && opts.json) throw new UserError('--json prints its object on standard output; write the file elsewhere than -');
  if (opts.watch && file === '-') throw new UserError('--watch needs a file to watch, not - (standard input)');
  if (opts.watch && opts.json) throw new UserError('--watch reports every change, but --json prints exactly one object; leave one of them out');

  const once = async (): Promise<number> => {
    const step = stages(ctx, `derive ${file}`, opts.quiet);
    const network = await loadNetwork(ctx, file);
    // --out (or no file option at all) writes <dir>/<name>.ts and .tex; --ts, --latex and --html name single files.
    const dir = opts.out ?? (codePath || opts.latex || opts.html ? undefined : 'generated');
    const out = outputsFor(network, dir ?? '.', {
      notation: opts.notation as 'nielsen' | 'question',
      fragment: opts.fragment ?? false,
      heading: opts.heading as 'section' | 'subsection' | 'none',
      // A fragment goes into a paper: vectors and matrices in bold there unless --no-bold; a document stays plain unless --bold.
      bold: opts.bold ?? (opts.fragment ?? false),
      ...(opts.labelPrefix !== undefined ? { labelPrefix: opts.labelPrefix } : {}),
      levels: { matrix: levels.includes('matrix'), index: levels.includes('index'), scalar: levels.includes('scalar') },
      expandLimit,
      unroll,
    }, step);
    // Levels asked for by name that the document leaves out are said here as well as in it (when a document is written).
    const levelsNamed = opts.levels !== DEFAULT_LEVELS && (opts.latex !== undefined || opts.html !== undefined || codePath === undefined);
    const paramCount = layoutOf(network).paramCount;
    if (levelsNamed && !isGraph(network) && levels.includes('scalar') && paramCount > expandLimit) {
      ctx.stderr.write(`deltagen: note: --levels scalar: ${network.name} has ${paramCount} parameters, more than --expand-limit ${expandLimit}; the document says the scalar level is left out\n`);
    }
    // The graph form prints the matrix form only.
    const missing = isGraph(network) ? levels.filter((l) => l === 'index' || l === 'scalar') : [];
    if (levelsNamed && missing.length > 0) {
      ctx.stderr.write(`deltagen: note: --levels ${missing.join(',')}: ${network.name} is a network of nodes, derived in matrix form only; the document says so\n`);
    }
    // The trainer: the file --ts or --code names (a .js brings its .d.ts beside it), or each file in --out.
    const code = target === 'ts' ? [out.ts] : codeOutputs(target, network, dir ?? '.', unroll, step);
    if (codePath !== undefined && codePath !== STDOUT && target === 'octave' && basename(codePath) !== basename(code[0]!.path)) {
      ctx.stderr.write(`deltagen: note: MATLAB and Octave call a function file by its name; ${codePath} defines ${basename(code[0]!.path, '.m')}()\n`);
    }
    const codePaths = codePath === undefined ? code.map((c) => (dir !== undefined ? c.path : undefined))
      : [codePath, ...(codePath === STDOUT ? [] : code.slice(1).map(() => codePath.replace(/(\.m?js)?$/, '.d.ts')))];
    const wanted = [
      ...code.map((output, i) => ({ path: codePaths[i], output })),
      { path: opts.latex ?? (dir !== undefined ? out.tex.path : undefined), output: out.tex },
      { path: opts.html, output: out.html },
    ];
    // Everything is rendered before anything is written.
    const files = wanted.filter((w) => w.path !== undefined).map((w) => ({ path: w.path!, content: w.output.content }));
    const printed = files.find((f) => f.path === STDOUT);
    const written = files.filter((f) => f !== printed);
    if (written.length > 0) {
      step('writing the files');
      await writeFiles(ctx, written);
    }
    if (printed) ctx.stdout.write(printed.content.endsWith('\n') ? printed.content : `${printed.content}\n`);
    if (opts.json) printJson(ctx, { network: network.name, files: written.map((f) => f.path) });
    // With a file on stdout, the notices go to stderr to keep stdout that file alone.
    else if (!opts.quiet) for (const f of written) (printed ? ctx.stderr : ctx.stdout).write(`wrote ${f.path}\n`);
    return 0;
  };

  if (!opts.watch) return once();
  await guard(ctx, false, once);
  await watchFile(ctx, file, () => guard(ctx, false, once));
  return 0;
}

/**
 * Call `onChange` after each change of `file` until ctx.signal aborts (tests) or
 * SIGINT (a person at the terminal; while a derivation runs, it ends after it).
 * The folder is watched, not the file: editors often save by replacing the file,
 * which ends a watch on the file itself.
 */
async function watchFile(ctx: Ctx, file: string, onChange: () => Promise<unknown>): Promise<void> {
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  if (ctx.signal) ctx.signal.addEventListener('abort', onSigint, { once: true });
  else process.once('SIGINT', onSigint);
  let pending: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  try {
    if (ctx.signal?.aborted) return;
    const watcher = watch(dirname(file), { signal: stop.signal }, (_event, name) => {
      if (name !== basename(file)) return;
      // Editors write in bursts; derive once they are done, and one run at a time.
      clearTimeout(pending);
      pending = setTimeout(() => { running = running.then(onChange); }, 100);
    });
    ctx.stderr.write(`deltagen: watching ${file} for changes; Ctrl-C stops\n`);
    await new Promise<void>((resolve) => {
      watcher.on('close', resolve);
      watcher.on('error', () => resolve()); // the folder went away: nothing left to watch
      stop.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    clearTimeout(pending);
    ctx.signal?.removeEventListener('abort', onSigint);
    process.off('SIGINT', onSigint);
    await running;
  }
}

type Target = 'ts' | 'js' | 'octave' | 'numpy';
const isTarget = (t: string): t is Target => t === 'ts' || t === 'js' || t === 'octave' || t === 'numpy';

/**
 * The trainer in a language other than TypeScript, rendered only when read.
 * It derives the network itself (outputsFor keeps its derivation for the
 * LaTeX and TypeScript files), so asking for the LaTeX as well derives twice.
 */
function codeOutputs(target: Exclude<Target, 'ts'>, network: AnyNetwork, dir: string, unroll: UnrollMode, onStage: (what: string) => void): OutputFile[] {
  let compiled: AnyCompiled | undefined;
  const file = (name: string, render: (c: AnyCompiled) => string): OutputFile => ({
    path: join(dir, name),
    get content() {
      if (!compiled) { onStage('deriving'); compiled = compileNetwork(network); }
      onStage(`rendering the ${target} trainer`);
      return render(compiled);
    },
  });
  switch (target) {
    case 'js': return [file(`${network.name}.js`, (c) => renderJavaScript(c, { unroll })), file(`${network.name}.d.ts`, renderDeclarations)];
    case 'octave': return [file(octaveFileName(network), renderOctave)];
    case 'numpy': return [file(numpyFileName(network), renderNumPy)];
  }
}
