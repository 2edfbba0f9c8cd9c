// `npm start`: the whole pipeline on the question's network. Derive, write the
// LaTeX and the trainer, check them, train 20 steps and compare W with the
// values the question's MATLAB session printed.
import { readFileSync } from 'node:fs';
import { checkNetwork, formatCheckReport } from '../check/run.ts';
import { writeFilesAtomic } from '../io/atomic.ts';
import { outputsFor } from '../outputs.ts';
import { loadNetworkFile } from '../spec/load.ts';
import { contextOf, guard } from './common.ts';
import { train, writePlot } from '../index.ts';

process.exitCode = await guard(contextOf(), false, async () => {
  const network = loadNetworkFile('examples/question.yaml');
  // In the asker's own notation: their (L), (L−1), i, j and a^{(L)*}.
  const { ts, tex, html } = outputsFor(network, 'generated', { notation: 'question' });
  await writeFilesAtomic([ts, tex, html]);
  for (const o of [ts, tex, html]) process.stdout.write(`wrote ${o.path}\n`);
  const run = await train(network, { plot: true });
  const plots = [...await writePlot(run.plot!, 'generated/question-trajectory.svg'), ...await writePlot(run.plot!, 'generated/question-trajectory.png')];
  await writeFilesAtomic(plots);
  for (const p of plots) process.stdout.write(`wrote ${p.path}\n`);
  const report = await checkNetwork(network);
  process.stdout.write(`\n${formatCheckReport(report)}\n`);
  const { trajectory } = run.result;
  const matlab = (JSON.parse(readFileSync('examples/question-matlab.json', 'utf8')) as { W1: number[] }).W1;
  process.stdout.write('step  W (deltagen)          W (question, MATLAB)\n');
  trajectory!.forEach((params, i) => {
    const w = (params.W1 as number[][])[0]![0]!;
    process.stdout.write(`${String(i + 1).padStart(4)}  ${w.toFixed(12).padStart(18)}    ${String(matlab[i]).padStart(9)}\n`);
  });
  return report.passed ? 0 : 1;
});
