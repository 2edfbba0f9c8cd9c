import type { Command } from 'commander';
import { loadTrainer } from '../compile/compile.ts';
import { compileNetwork, renderTypeScript } from '../pipeline.ts';
import { loadNetworkFile } from '../spec/load.ts';
import { runTraining } from '../train/train.ts';
import { guard, parsePositiveInt, printJson } from './common.ts';

export function registerTrain(program: Command): void {
  program.command('train')
    .description("train with the generated trainer on the file's train section")
    .argument('<file>', 'network file (YAML or JSON)')
    .option('--steps <n>', 'SGD steps (default: the file\'s steps or epochs)')
    .option('--trace', 'record the parameters after every step')
    .option('--json', 'print { losses, params, trajectory? } as JSON')
    .addHelpText('after', '\nExample:\n  deltagen train examples/question.yaml --trace --json')
    .action((file: string, opts: { steps?: string; trace?: boolean; json?: boolean }) => guard(async () => {
      const network = loadNetworkFile(file);
      const trainer = await loadTrainer(renderTypeScript(compileNetwork(network)));
      const result = runTraining(network, trainer, {
        ...(opts.steps ? { steps: parsePositiveInt(opts.steps, '--steps') } : {}),
        ...(opts.trace ? { trace: true } : {}),
      });
      if (opts.json) { printJson(result); return; }
      const n = result.losses.length;
      process.stdout.write(`${network.name}: ${n} steps, loss ${result.losses[0]?.toPrecision(6)} -> ${result.losses[n - 1]?.toPrecision(6)}\n`);
      for (const [name, value] of Object.entries(result.params)) process.stdout.write(`${name} = ${JSON.stringify(value)}\n`);
    }));
}
