// Rewrite generated/ from examples/: the trainer module and the derivation of
// every example network, and the question's trainer in MATLAB/Octave. A test
// fails when generated/ is stale.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFilesAtomic } from '../src/io/atomic.ts';
import { outputsFor, type OutputFile } from '../src/outputs.ts';
import { loadNetworkFile } from '../src/spec/load.ts';
import { train, writePlot } from '../src/index.ts';
import { compileNetwork, renderOctave } from '../src/pipeline.ts';
import { octaveFileName } from '../src/render/octave.ts';
import type { Network } from '../src/spec/types.ts';

export const EXAMPLES_DIR = 'examples';
export const GENERATED_DIR = 'generated';

export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES_DIR).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('-matlab.json')).sort().map((f) => join(EXAMPLES_DIR, f));
}

/** The question's own networks are written in the asker's notation ((L), (L−1), i, j, a^{(L)*}), as npm start writes them. */
export const ASKER_NOTATION = new Set(['examples/question.yaml', 'examples/question-chain.yaml']);

export function allOutputs(): OutputFile[] {
  return exampleFiles().flatMap((file) => {
    const { ts, tex, html } = outputsFor(loadNetworkFile(file), GENERATED_DIR, ASKER_NOTATION.has(file) ? { notation: 'question' } : {});
    return [ts, tex, html];
  }).concat(questionOctave());
}

/**
 * The question's trainer in the asker's own language, generated/question.m (the
 * README runs it in GNU Octave). Only this example: `deltagen derive --target
 * octave|numpy` writes any other when it is wanted.
 */
export function questionOctave(): OutputFile {
  const network = loadNetworkFile(join(EXAMPLES_DIR, 'question.yaml')) as Network;
  return { path: join(GENERATED_DIR, octaveFileName(network)), content: renderOctave(compileNetwork(network)) };
}

/** The question's training plot, as `npm start` draws it (the SVG is a golden file too). */
export async function questionPlot(): Promise<OutputFile> {
  const run = await train('examples/question.yaml', { plot: true });
  const [svg] = await writePlot(run.plot!, join(GENERATED_DIR, 'question-trajectory.svg'));
  return { path: svg!.path, content: svg!.content as string };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outputs = [...allOutputs(), await questionPlot()];
  await writeFilesAtomic(outputs);
  process.stdout.write(`wrote ${outputs.length} files to ${GENERATED_DIR}/\n`);
}
