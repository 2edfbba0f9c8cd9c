// Rules that span fields: where softmax may stand, what init, data and validation
// must look like, what early stopping needs.
import { UserError, formatPath } from '../errors.ts';
import type { Example, Network } from './types.ts';

export const MAX_PARAMS = 5_000_000;

export function validateNetwork(net: Network, where: (path: readonly PropertyKey[]) => string): Network {
  const fail = (path: PropertyKey[], message: string): never => {
    throw new UserError(`${net.source}${where(path)}: ${formatPath(path)}: ${message}`);
  };
  const L = net.layers.length;
  let params = 0;
  let fanIn = net.input;
  net.layers.forEach((layer, i) => {
    params += layer.units * fanIn + (layer.bias ? layer.units : 0);
    if (params > MAX_PARAMS) fail(['layers', i, 'units'], `the network would have more than ${MAX_PARAMS} parameters`);
    if (layer.activation.kind === 'softmax' && i !== L - 1) fail(['layers', i, 'activation'], 'softmax is allowed on the last layer only');
    fanIn = layer.units;
  });
  const last = net.layers[L - 1]!;
  if (net.loss === 'softmax-cross-entropy' && last.activation.kind !== 'softmax') {
    fail(['loss'], 'softmax-cross-entropy needs activation: softmax on the last layer');
  }
  if (last.activation.kind === 'softmax' && net.loss !== 'softmax-cross-entropy') {
    fail(['layers', L - 1, 'activation'], 'a softmax output layer goes with loss: softmax-cross-entropy');
  }
  const train = net.train;
  if (!train) return net;
  if (train.steps !== undefined && train.epochs !== undefined) fail(['train', 'steps'], 'give steps or epochs, not both');
  for (const [name, value] of Object.entries(train.init ?? {})) {
    const l = Number(name.slice(1));
    const layer = net.layers[l - 1];
    if (!layer) fail(['train', 'init', name], `there is no layer ${l} (the network has ${L})`);
    const rows = layer!.units;
    const cols = l === 1 ? net.input : net.layers[l - 2]!.units;
    if (name.startsWith('b')) {
      if (!layer!.bias) fail(['train', 'init', name], `layer ${l} has bias: false`);
      const flat = value.flat();
      if (!Array.isArray(value) || value.some((v) => Array.isArray(v) && v.length !== 1) || flat.length !== rows) {
        fail(['train', 'init', name], `expected ${rows} numbers`);
      }
    } else {
      const ok = value.length === rows && value.every((row) => Array.isArray(row) && row.length === cols);
      if (!ok) fail(['train', 'init', name], `expected ${rows} rows of ${cols} numbers (a ${rows}×${cols} matrix)`);
    }
  }
  const nOut = last.units;
  const checkExamples = (field: 'data' | 'validation', examples: readonly Example[]): void => examples.forEach((ex, i) => {
    if (ex.x.length !== net.input) fail(['train', field, i, 'x'], `expected ${net.input} numbers (input: ${net.input}), found ${ex.x.length}`);
    if (ex.y.length !== nOut) fail(['train', field, i, 'y'], `expected ${nOut} numbers (the last layer has ${nOut} units), found ${ex.y.length}`);
    // δ^(L) = a − y for softmax with cross-entropy holds because a target is a distribution.
    if (net.loss === 'softmax-cross-entropy') {
      const sum = ex.y.reduce((s, v) => s + v, 0);
      if (ex.y.some((v) => v < 0) || Math.abs(sum - 1) > 1e-9) fail(['train', field, i, 'y'], `a softmax-cross-entropy target must be non-negative and sum to 1 (this one sums to ${sum})`);
    }
    if (net.loss === 'cross-entropy' && ex.y.some((v) => v < 0 || v > 1)) fail(['train', field, i, 'y'], 'a cross-entropy target must lie in [0, 1]');
  });
  checkExamples('data', train.data);
  checkExamples('validation', train.validation ?? []);
  if (train.patience !== undefined && train.validation === undefined) fail(['train', 'patience'], 'early stopping watches the validation loss: give train.validation');
  if (train.restoreBest !== undefined && train.patience === undefined) fail(['train', 'restoreBest'], 'restoreBest goes with patience (early stopping)');
  if ((train.steps !== undefined || train.epochs !== undefined) && train.data.length === 0) {
    fail(['train', 'data'], 'training needs at least one example');
  }
  return net;
}
