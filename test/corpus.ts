// The corpora every suite runs over: the example networks, chain form (`layers:`)
// and graph form (`nodes:`) apart, since some outputs exist for one form only.
import { exampleFiles } from '../scripts/generate.ts';
import { loadNetworkFile } from '../src/spec/load.ts';
import { isGraph, type AnyNetwork, type GraphNetwork } from '../src/spec/graph-types.ts';
import type { Network } from '../src/spec/types.ts';

const all: { file: string; network: AnyNetwork }[] = exampleFiles().map((file) => ({ file, network: loadNetworkFile(file) }));

export const corpus: { file: string; network: Network }[] = all.filter((e): e is { file: string; network: Network } => !isGraph(e.network));
export const graphCorpus: { file: string; network: GraphNetwork }[] = all.filter((e): e is { file: string; network: GraphNetwork } => isGraph(e.network));
