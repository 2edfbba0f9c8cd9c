
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { writeFilesAtomic } from '../io/atomic.ts';
import { train, writePlot } from '../index.ts';
import { loadNetworkFile } from '../spec/load.ts';
import { guard, parsePositiveInt, printJson } from './common.ts';
import { progress } from './progress.ts';

export function registerTrain(program: Command): void {
  program.command('train')
    .description("train with the generated trainer on the file's train section")
    .argument('<file>', 'network file (YAML or JSON)')
    .option('--steps <n>', "SGD steps (default: the file's steps or epochs)")
    .option('--trace', 'record the parameters after every step')
    .option('--plot <file>', 'write a plot of the run (.svg or .png)')
    .option('--quiet', 'no progress output')
    .option('--json', 'print { losses, params, trajectory? } as JSON')
    .addHelpText('after', '\nExamples:\n  deltagen train examples/question.yaml --trace --json\n  deltagen train examples/question.yaml --plot question.svg')
    .action((file: string, opts: { steps?: string; trace?: boolean; plot?: string; quiet?: boolean; json?: boolean }) => guard(async () => {
      if (opts.plot && !/\.(svg|png)$/i.test(opts.plot)) throw new UserError(`--plot: expected a file ending in .svg or .png, found "${opts.plot}"`);
      const network = loadNetworkFile(file);
      const bar = progress(`train ${network.name}`, opts.quiet);
      const { result, plot } = await train(network, {
        ...(opts.steps ? { steps: parsePositiveInt(opts.steps, '--steps') } : {}),
        trace: Boolean(opts.trace),
        plot: Boolean(opts.plot),
        onProgress: (step, total, loss) => bar.update(step, total, `loss ${loss.toPrecision(5)}`),
      }).finally(() => bar.stop());
      if (opts.plot && plot) writeFilesAtomic(await writePlot(plot, opts.plot));
      if (opts.json) { printJson(result); return; }
      const n = result.losses.length;
      process.stdout.write(`${network.name}: ${n} steps, loss ${result.losses[0]?.toPrecision(6)} -> ${result.losses[n - 1]?.toPrecision(6)}\n`);
      for (const [name, value] of Object.entries(result.params)) process.stdout.write(`${name} = ${JSON.stringify(value)}\n`);
      if (opts.plot) process.stdout.write(`wrote ${opts.plot}\n`);
    }));
}


