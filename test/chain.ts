// Chain-form networks for tests of what only the chain form has (its Derivation,
// the Octave and NumPy targets): the loaders, refusing a graph network.
import { loadNetworkFile, parseNetwork } from '../src/spec/load.ts';
import { isGraph } from '../src/spec/graph-types.ts';
import type { Network } from '../src/spec/types.ts';

export function loadChain(file: string): Network {
  const n = loadNetworkFile(file);
  if (isGraph(n)) throw new Error(`${file} is a graph network`);
  return n;
}

export function parseChain(text: string, file?: string): Network {
  const n = parseNetwork(text, file);
  if (isGraph(n)) throw new Error(`${file ?? '<input>'} is a graph network`);
  return n;
}
