import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { loadNetworkFile } from '../spec/load.ts';
import { FormulaError } from '../verify/errors.ts';
import { formatResult } from '../verify/report.ts';
import { verify } from '../verify/verify.ts';
import { guard, parsePositiveInt, printJson } from './common.ts';

interface VerifyFlags { wrt: string; of: string; formula?: string; latex?: string; update?: boolean | string; points: string; seed: string; json?: boolean }

export function registerVerify(program: Command): void {
  program.command('verify')
    .description('check a hand-derived derivative against the network: equivalent, numerically-equal or different')
    .argument('<file>', 'network file (YAML or JSON)')
    .requiredOption('--wrt <P>', 'the parameter: W2, b1 (matrix form) or one element W2[j,k] (index form)')
    .option('--of <Q>', 'what is differentiated: C, or an intermediate a2, z1, a2[i]', 'C')
    .option('--formula <expr>', "the formula in mathjs syntax (* matrix product, .* elementwise, ' transpose)")
    .option('--latex <tex>', 'the formula in LaTeX, in the question\'s notation (W^{(L)}_{i,j}, a^{(L-1)}, a^{(L)*})')
    .option('--update [expr]', 'the formula is the value after one SGD step, with R or eta for the rate (give it here in mathjs syntax, or with --formula or --latex)')
    .option('--points <n>', 'random points (at least 20)', '20')
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
    .action((file: string, opts: VerifyFlags) => guard(() => {
      try {
        if (typeof opts.update === 'string' && (opts.formula !== undefined || opts.latex !== undefined)) {
          throw new UserError('give the update either as --update EXPR or with --formula/--latex, not both');
        }
        const network = loadNetworkFile(file);
        const result = verify(network, {
          wrt: opts.wrt,
          of: opts.of,
          ...(typeof opts.update === 'string' ? { formula: opts.update } : {}),
          ...(opts.formula !== undefined ? { formula: opts.formula } : {}),
          ...(opts.latex !== undefined ? { latex: opts.latex } : {}),
          update: opts.update !== undefined && opts.update !== false,
          points: parsePositiveInt(opts.points, '--points'),
          seed: parsePositiveInt(opts.seed, '--seed'),
        });
        if (opts.json) printJson(result);
        else process.stdout.write(formatResult(result));
        if (result.verdict === 'different') process.exitCode = 1;
      } catch (err) {
        // With --json, stdout still holds one object, naming the error and where it is.
        if (opts.json && err instanceof UserError) {
          printJson({ verdict: null, error: { message: err.message, ...(err instanceof FormulaError ? { position: err.position } : {}) } });
        }
        throw err;
      }
    }));
}
