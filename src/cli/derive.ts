import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { outputsFor } from '../outputs.ts';
import { loadNetworkFile } from '../spec/load.ts';
import { guard, printJson } from './common.ts';

export function registerDerive(program: Command): void {
  program.command('derive')
    .description('derive the gradients; write the LaTeX derivation and the TypeScript trainer')
    .argument('<file>', 'network file (YAML or JSON)')
    .option('--out <dir>', 'folder for <name>.tex and <name>.ts', 'generated')
    .option('--latex <file>', 'write the LaTeX here instead')
    .option('--ts <file>', 'write the TypeScript here instead')
    .option('--notation <name>', 'nielsen or question', 'nielsen')
    .option('--json', 'print what was written as JSON')
    .addHelpText('after', '\nExample:\n  deltagen derive examples/question.yaml --out generated')
    .action((file: string, opts: { out: string; latex?: string; ts?: string; notation: string; json?: boolean }) => guard(() => {
      if (opts.notation !== 'nielsen' && opts.notation !== 'question') throw new UserError(`--notation: expected nielsen or question, found "${opts.notation}"`);
      const network = loadNetworkFile(file);
      const [ts, tex] = outputsFor(network, opts.out, { notation: opts.notation });
      const files = [{ ...ts!, path: opts.ts ?? ts!.path }, { ...tex!, path: opts.latex ?? tex!.path }];
      // Everything is rendered before anything is written.
      for (const f of files) writeFileAtomic(f.path, f.content);
      if (opts.json) printJson({ network: network.name, files: files.map((f) => f.path) });
      else for (const f of files) process.stdout.write(`wrote ${f.path}\n`);
    }));
}
