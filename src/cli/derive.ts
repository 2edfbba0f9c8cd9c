import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { writeFilesAtomic } from '../io/atomic.ts';
import { outputsFor, type OutputFile } from '../outputs.ts';
import { loadNetworkFile } from '../spec/load.ts';
import { guard, parsePositiveInt, printJson } from './common.ts';

interface DeriveFlags {
  out: string; latex?: string; ts?: string; html?: string; notation: string; fragment?: boolean;
  levels: string; expandLimit: string; unroll: string; json?: boolean;
}

export function registerDerive(program: Command): void {
  program.command('derive')
    .description('derive the gradients; write the LaTeX derivation and the TypeScript trainer')
    .argument('<file>', 'network file (YAML or JSON)')
    .option('--out <dir>', 'folder for <name>.tex and <name>.ts', 'generated')
    .option('--latex <file>', 'write the LaTeX here instead')
    .option('--ts <file>', 'write the TypeScript here instead')
    .option('--html <file>', 'also write the derivation as a web page (KaTeX)')
    .option('--notation <name>', 'nielsen (superscript (l), indices j, k) or question ((L), (L-1), i, j)', 'nielsen')
    .option('--fragment', 'LaTeX body only, to \\input into a paper')
    .option('--levels <list>', 'which of matrix,index,scalar to show', 'matrix,index,scalar')
    .option('--expand-limit <n>', 'write every scalar derivative out up to this many parameters', '10')
    .option('--unroll <mode>', 'full, loops or auto (chosen from the sizes)', 'auto')
    .option('--json', 'print what was written as JSON')
    .addHelpText('after', '\nExamples:\n  deltagen derive examples/question.yaml --out generated\n  deltagen derive examples/iris.yaml --notation question --fragment --latex paper/backprop.tex')
    .action((file: string, opts: DeriveFlags) => guard(() => {
      if (opts.notation !== 'nielsen' && opts.notation !== 'question') throw new UserError(`--notation: expected nielsen or question, found "${opts.notation}"`);
      if (!['full', 'loops', 'auto'].includes(opts.unroll)) throw new UserError(`--unroll: expected full, loops or auto, found "${opts.unroll}"`);
      const levels = opts.levels.split(',').map((s) => s.trim());
      const unknown = levels.find((l) => !['matrix', 'index', 'scalar'].includes(l));
      if (unknown !== undefined) throw new UserError(`--levels: expected a list of matrix, index, scalar; found "${unknown}"`);
      const network = loadNetworkFile(file);
      const out = outputsFor(network, opts.out, {
        notation: opts.notation,
        fragment: opts.fragment ?? false,
        levels: { matrix: levels.includes('matrix'), index: levels.includes('index'), scalar: levels.includes('scalar') },
        expandLimit: parsePositiveInt(opts.expandLimit, '--expand-limit'),
        unroll: opts.unroll as 'full' | 'loops' | 'auto',
      });
      const files: OutputFile[] = [{ ...out.ts, path: opts.ts ?? out.ts.path }, { ...out.tex, path: opts.latex ?? out.tex.path }];
      if (opts.html) files.push({ ...out.html, path: opts.html });
      // Everything is rendered before anything is written.
      writeFilesAtomic(files);
      if (opts.json) printJson({ network: network.name, files: files.map((f) => f.path) });
      else for (const f of files) process.stdout.write(`wrote ${f.path}\n`);
    }));
}
