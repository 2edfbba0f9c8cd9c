// The corpus every suite runs over: the example networks.
import { exampleFiles } from '../scripts/generate.ts';
import { loadNetworkFile } from '../src/spec/load.ts';
import type { Network } from '../src/spec/types.ts';

export const corpus: { file: string; network: Network }[] = exampleFiles().map((file) => ({ file, network: loadNetworkFile(file) }));
