// deltagen train: run the generated trainer on the file's train section.
import { UserError } from '../errors.ts';
import { layoutOf, type NamedParams } from '../graph/layout.ts';
import type { FileToWrite } from '../io/atomic.ts';
import { readBounded } from '../io/read.ts';
import { train as runTrain, writePlot } from '../index.ts';
import type { TrainFlags } from './commands.ts';
import { parsePositiveInt, printJson, writeFiles, type Ctx } from './common.ts';
import { loadNetwork } from './input.ts';
import { progress } from './progress.ts';
import { MAX_TRAIN_STEPS } from '../train/train.ts';

/** Parameters with more elements than this are summarized in the text output. */
export const FULL_PRINT_LIMIT = 10;

export async function train(ctx: Ctx, file: string, opts: TrainFlags): Promise<number> {
  if (opts.plot && !/\.(svg|png)$/i.test(opts.plot)) throw new UserError(`--plot: expected a file ending in .svg or .png, found "${opts.plot}"`);
  const steps = opts.steps ? parsePositiveInt(opts.steps, '--steps') : undefined;
  if (steps !== undefined && steps > MAX_TRAIN_STEPS) throw new UserError(`--steps: ${opts.steps} steps; at most ${MAX_TRAIN_STEPS} in one run`);
  const network = await loadNetwork(ctx, file);
  const init = opts.init === undefined ? undefined : { source: opts.init, params: readParams(opts.init, layoutOf(network).paramCount) };
  // Created before compiling: progress shows once the command has run about a second; the rate counts from the first step.
  const bar = progress(`train ${network.name}`, opts.quiet, 'steps', ctx);
  const { result, plot } = await runTrain(network, {
    ...(steps ? { steps } : {}),
    ...(init ? { init } : {}),
    trace: Boolean(opts.trace),
    plot: Boolean(opts.plot),
    onProgress: (step, total, loss) => bar.update(step, total, () => `loss ${loss.toPrecision(5)}`),
  }).finally(() => bar.stop());
  const files: FileToWrite[] = [];
  if (opts.plot && plot) files.push(...await writePlot(plot, opts.plot));
  if (opts.save) files.push({ path: opts.save, content: `${JSON.stringify(result.params)}\n` });
  if (files.length > 0) await writeFiles(ctx, files);
  if (opts.json) { printJson(ctx, result); return 0; }
  const n = result.losses.length;
  ctx.stdout.write(`${network.name}: ${n} steps, loss ${result.losses[0]?.toPrecision(6)} -> ${result.losses[n - 1]?.toPrecision(6)}\n`);
  const v = result.validationLosses;
  if (v && v.length > 0) {
    const best = result.bestEpoch === undefined ? '' : `; best epoch ${result.bestEpoch}${result.stoppedEarly ? ', stopped early' : ''}`;
    ctx.stdout.write(`validation loss ${v[0]!.toPrecision(6)} -> ${v[v.length - 1]!.toPrecision(6)} over ${v.length} epochs${best}\n`);
  }
  for (const line of describeParams(result.params)) ctx.stdout.write(`${line}\n`);
  for (const f of files) ctx.stdout.write(`wrote ${f.path}\n`);
  return 0;
}

/**
 * The JSON of --init: what --save writes (the module's paramsToJSON). Bounded by
 * what such a file can take for this network (64 bytes a number, pretty-printed),
 * so a wrong file is refused before it is read whole.
 */
function readParams(path: string, paramCount: number): unknown {
  let text: string;
  try {
    const limit = 64 * paramCount + (1 << 20);
    const read = readBounded(path, limit);
    if (read === undefined) throw new UserError(`--init ${path}: larger than ${limit} bytes, more than parameters of this network can take`);
    text = read;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`--init ${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`--init ${path}: not JSON (${(err as Error).message})`);
  }
}

/** Small parameters in full; larger ones as shape, range, mean and the first values (all of them: --json or --save). */
export function describeParams(params: NamedParams): string[] {
  let summarized = false;
  const lines = Object.entries(params).map(([name, value]) => {
    const flat = (value as (number | number[])[]).flat();
    if (flat.length <= FULL_PRINT_LIMIT) return `${name} = ${JSON.stringify(value)}`;
    summarized = true;
    const shape = Array.isArray(value[0]) ? `${value.length}×${(value[0] as number[]).length}` : `${value.length}`;
    let min = Infinity, max = -Infinity, sum = 0;
    for (const v of flat) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
    const g = (v: number): string => v.toPrecision(4);
    return `${name}: ${shape}, min ${g(min)}, max ${g(max)}, mean ${g(sum / flat.length)}; first ${flat.slice(0, 4).map(g).join(', ')}, …`;
  });
  if (summarized) lines.push('(all values: --json, or --save FILE.json)');
  return lines;
}
