// The commands and their options. They are declared here, eagerly, so that every
// --help lists them; each command's implementation (and through it mathjs,
// nerdamer, KaTeX, vega, esbuild) is imported only when that command runs.
// Nothing here may import more than commander's types and common.ts.
import type { Command } from 'commander';
import type { Ctx } from './common.ts';

export interface DeriveFlags {
  out?: string; latex?: string; ts?: string; html?: string; notation: string; fragment?: boolean;
  levels: string; expandLimit: string; unroll: string; json?: boolean; watch?: boolean; quiet?: boolean;
  target: string; code?: string; labelPrefix?: string; heading: string; bold?: boolean;
}
export interface CheckFlags { points: string; unroll: string; json?: boolean; quiet?: boolean; target: string }
export interface PlaygroundFlags { port?: string }
export interface TrainFlags { steps?: string; trace?: boolean; plot?: string; save?: string; init?: string; quiet?: boolean; json?: boolean }
export interface VerifyFlags { wrt: string; of: string; formula?: string; latex?: string; update?: boolean | string; points: string; seed: string; json?: boolean }
export interface InitFlags { force?: boolean }

/** Runs a command's body under the error boundary and keeps its exit code. */
export type Runner = (json: boolean, body: () => Promise<number | void>, jsonErrorFields?: Record<string, unknown>) => Promise<void>;

const FILE = ['<file>', 'network file (YAML or JSON); - reads it from standard input'] as const;

export function registerCommands(program: Command, ctx: Ctx, run: Runner): void {
  program.command('derive')
    .description('derive the gradients; write the LaTeX derivation and the TypeScript trainer')
    .argument(...FILE)
    .option('--out <dir>', 'folder for <name>.ts and <name>.tex (default: generated, when no --ts, --latex or --html is given)')
    .option('--latex <file>', 'write the LaTeX here (- for standard output); alone, only this file is written')
    .option('--ts <file>', 'write the TypeScript here (- for standard output); alone, only this file is written')
    .option('--target <lang>', 'the trainer\'s language: ts, js (<name>.js and <name>.d.ts), octave (<name>.m, for MATLAB and GNU Octave) or numpy (<name>.py); a - in the name becomes _ for octave and numpy', 'ts')
    .option('--code <file>', 'write the trainer in the --target language here (- for standard output); alone, only this file is written')
    .option('--html <file>', 'write the derivation as a web page (KaTeX) here (- for standard output)')
    .option('--notation <name>', 'nielsen (superscript (l), indices j, k) or question ((L), (L-1), i, j)', 'nielsen')
    .option('--fragment', 'LaTeX body only, to \\input into a paper')
    .option('--label-prefix <p>', 'equation labels are eq:<p>:<meaning> (default: the network name, with -question in that notation)')
    .option('--bold', 'bold vectors and matrices, as many journals set them (the default with --fragment)')
    .option('--no-bold', 'plain vectors and matrices, also in a --fragment')
    .option('--heading <level>', 'section, subsection or none: the level of the derivation\'s headings (none for a paper\'s own)', 'section')
    .option('--levels <list>', 'which of matrix,index,scalar to show', 'matrix,index,scalar')
    .option('--expand-limit <n>', 'write every scalar derivative out up to this many parameters (at most 32)', '10')
    .option('--unroll <mode>', 'full, loops or auto (chosen from the sizes)', 'auto')
    .option('--watch', 'derive again whenever the file changes (Ctrl-C stops)')
    .option('--quiet', 'no progress output and no "wrote" lines')
    .option('--json', 'print what was written as one JSON object')
    .addHelpText('after', [
      '',
      'Examples:',
      '  deltagen derive examples/question.yaml --out generated',
      '  deltagen derive examples/xor.yaml --ts src/xor.ts',
      '  deltagen derive examples/question.yaml --target octave --out generated',
      '  deltagen derive examples/iris.yaml --target numpy --code iris.py',
      '  deltagen derive examples/iris.yaml --notation question --fragment --latex paper/backprop.tex',
      '  cat net.yaml | deltagen derive - --latex -',
    ].join('\n'))
    .action((file: string, opts: DeriveFlags) => run(Boolean(opts.json), async () => (await import('./derive.ts')).derive(ctx, file, opts)));

  program.command('check')
    .description('compile the generated trainer and compare it with the reference and finite differences')
    .argument(...FILE)
    .option('--points <n>', 'random points to check (at most 10000)', '5')
    .option('--unroll <mode>', 'code form: full (straight-line), loops, or auto (chosen from the sizes)', 'auto')
    .option('--target <lang>', 'check the trainer in ts, octave (run in octave-cli) or numpy (run in python3)', 'ts')
    .option('--quiet', 'no progress output')
    .option('--json', 'print the report as one JSON object')
    .addHelpText('after', '\nExamples:\n  deltagen check examples/xor.yaml\n  deltagen check examples/xor.yaml --target octave')
    .action((file: string, opts: CheckFlags) => run(Boolean(opts.json), async () => (await import('./check.ts')).check(ctx, file, opts)));

  program.command('train')
    .description("train with the generated trainer on the file's train section")
    .argument(...FILE)
    .option('--steps <n>', "SGD steps (default: the file's steps or epochs)")
    .option('--trace', 'record the parameters after every step')
    .option('--plot <file>', 'write a plot of the run (.svg or .png)')
    .option('--save <file>', 'write the trained parameters as JSON, { "W1": [[...]], "b1": [...] }')
    .option('--init <file>', 'start from parameters saved by --save (JSON), instead of the file\'s init or seed')
    .option('--quiet', 'no progress output')
    .option('--json', 'print { losses, params, trajectory? } as one JSON object')
    .addHelpText('after', [
      '',
      'Examples:',
      '  deltagen train examples/question.yaml --trace --json',
      '  deltagen train examples/question.yaml --plot question.svg',
      '  deltagen train examples/iris.yaml --save iris-params.json',
      '  deltagen train examples/iris.yaml --init iris-params.json --save iris-params.json',
    ].join('\n'))
    .action((file: string, opts: TrainFlags) => run(Boolean(opts.json), async () => (await import('./train.ts')).train(ctx, file, opts)));

  program.command('verify')
    .description('check a hand-derived derivative against the network: equivalent, numerically-equal or different')
    .argument(...FILE)
    .requiredOption('--wrt <P>', 'the parameter: W2, b1 (matrix form) or one element W2[j,k] (index form)')
    .option('--of <Q>', 'what is differentiated: C, or an intermediate a2, z1, a2[i]', 'C')
    .option('--formula <expr>', "the formula in mathjs syntax (* matrix product, .* elementwise, ' transpose)")
    .option('--latex <tex>', 'the formula in LaTeX, in the question\'s notation (W^{(L)}_{i,j}, a^{(L-1)}, a^{(L)*})')
    .option('--update [expr]', 'the formula is the value after one SGD step, with R, eta, alpha, epsilon, lr or r for the rate (give it here in mathjs syntax, or with --formula or --latex)')
    .option('--points <n>', 'random points (at least 20, at most 10000)', '20')
    .option('--seed <n>', 'seed of the random points', '1')
    .option('--json', 'print one JSON object { verdict, counterexample, expected, ... }')
    .addHelpText('after', [
      '',
      'Exit codes: 0 equivalent or numerically-equal, 1 different, 2 a formula or file that cannot be read.',
      '',
      'Examples:',
      "  deltagen verify examples/question.yaml --wrt W1 --update --latex 'W(k+1) = W(k) - R a^{(L-1)} 2(a^{(L-1)} W(k) - a^{(L)*})'",
      "  deltagen verify net.yaml --wrt b2 --formula '2*(a2 - y) .* a2 .* (1 - a2)'",
      "  deltagen verify net.yaml --wrt 'W1[j,k]' --formula 'delta1[j] * x[k]' --json",
    ].join('\n'))
    // With --json an error is still one object, with "verdict": null beside it.
    .action((file: string, opts: VerifyFlags) => run(Boolean(opts.json), async () => (await import('./verify.ts')).verify(ctx, file, opts), { verdict: null }));

  program.command('playground')
    .description('serve the playground page (dist/playground: derive, verify and train in the browser) on 127.0.0.1 and print its address; Ctrl-C stops')
    .option('--port <n>', 'the port (0: any free one; default 8177, or any free one when 8177 is taken)')
    .addHelpText('after', '\nThe page needs nothing else: dist/playground/index.html also opens from the file system.')
    .action((opts: PlaygroundFlags) => run(false, async () => (await import('./playground.ts')).playground(ctx, opts)));

  program.command('init')
    .description('write a commented starter network file NAME.yaml')
    .argument('<name>', 'the network name: lower case letters, digits and dashes (a path such as nets/my-net writes nets/my-net.yaml)')
    .option('--force', 'overwrite an existing file')
    .addHelpText('after', '\nExample:\n  deltagen init my-net && deltagen derive my-net.yaml')
    .action((name: string, opts: InitFlags) => run(false, async () => (await import('./init.ts')).init(ctx, name, opts)));
}
