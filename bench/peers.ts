// The peers, each set up for one network and returning an SGD step on one
// example. They differ in conventions (noted in `note`); what is timed is one
// forward pass, one backward pass and one update of the same sizes.
import { createRequire } from 'node:module';
import { referenceGradient } from '../src/reference/reference.ts';
import type { Network } from '../src/spec/types.ts';
import type { Data } from './networks.ts';

/** step(params, x, y, rate) → C; params is ignored by peers that keep their own weights. */
export type Step = (params: Float64Array, x: Float64Array, y: Float64Array, rate: number) => number;
export interface Peer { readonly step?: Step; readonly note?: string; readonly blocked?: string }

const require = createRequire(import.meta.url);
const acts = (n: Network): string[] => n.layers.map((l) => l.activation.kind);

/** mathjs reference (src/reference): the four equations with mathjs matrices, then the update. */
export function mathjsPeer(n: Network): Peer {
  const net = { ...n, loss: n.loss };
  return { step: (p, x, y, rate) => {
    const { loss, grad } = referenceGradient(net, p, [...x], [...y]);
    for (let i = 0; i < p.length; i++) p[i]! -= rate * grad[i]!;
    return loss;
  } };
}

/** synaptic: layers of neurons, optimize() compiles the network to one function. No softmax: logistic output. */
export function synapticPeer(n: Network): Peer {
  try {
    const { Layer, Network: SNet, Neuron } = require('synaptic');
    const squash: Record<string, unknown> = { identity: Neuron.squash.IDENTITY, sigmoid: Neuron.squash.LOGISTIC, tanh: Neuron.squash.TANH, softmax: Neuron.squash.LOGISTIC };
    const input = new Layer(n.input);
    const layers = n.layers.map((l) => { const layer = new Layer(l.units); layer.set({ squash: squash[l.activation.kind] }); return layer; });
    [input, ...layers].slice(0, -1).forEach((l, i) => l.project(layers[i]));
    const net = new SNet({ input, hidden: layers.slice(0, -1), output: layers[layers.length - 1] });
    const note = acts(n).includes('softmax') ? 'logistic output for softmax' : undefined;
    return { note, step: (_p, x, y, rate) => { const a = net.activate(x); net.propagate(rate, y); return a[0]; } };
  } catch (e) { return { blocked: `synaptic: ${(e as Error).message}` }; }
}

/** brain.js NeuralNetwork: one activation for every layer, momentum 0, trainPattern = one SGD step. */
export function brainPeer(n: Network): Peer {
  try {
    const brain = require('brain.js');
    const hidden = n.layers[0]!.activation.kind === 'identity' ? 'sigmoid' : n.layers[0]!.activation.kind;
    const net = new brain.NeuralNetwork({ activation: hidden });
    net.sizes = [n.input, ...n.layers.map((l) => l.units)];
    net.initialize();
    net.updateTrainingOptions({ learningRate: 0.01 });
    net.trainOpts.momentum = 0; // plain SGD; its option check refuses 0
    const note = acts(n).some((a) => a !== hidden) ? `${hidden} in every layer` : undefined;
    const pattern = { input: new Float64Array(0) as ArrayLike<number>, output: new Float64Array(0) as ArrayLike<number> };
    return { note, step: (_p, x, y) => { pattern.input = x; pattern.output = y; return net.trainPattern(pattern, true); } };
  } catch (e) { return { blocked: `brain.js: ${(e as Error).message}` }; }
}

/** TensorFlow.js core with its cpu backend: variables, a loss closure, tf.train.sgd().minimize. */
export async function tfPeer(n: Network, d: Data): Promise<Peer> {
  try {
    // The CommonJS bundle of the pure-JS package (tfjs-core's ES build alone registers no gradients).
    const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    let fanIn = n.input;
    const vars = n.layers.map((l) => {
      const W = tf.variable(tf.randomUniform([fanIn, l.units], -0.3, 0.3));
      const b = l.bias ? tf.variable(tf.zeros([l.units])) : undefined;
      fanIn = l.units;
      return { W, b, act: l.activation.kind };
    });
    const opt = tf.train.sgd(d.rate);
    const f32 = new WeakMap<Float64Array, Float32Array>(); // converted once, outside the timing
    const as32 = (v: Float64Array): Float32Array => { let r = f32.get(v); if (!r) f32.set(v, (r = Float32Array.from(v))); return r; };
    const cost = (x: Float64Array, y: Float64Array) => () => {
      let a: import('@tensorflow/tfjs').Tensor = tf.tensor2d(as32(x), [1, n.input], 'float32');
      for (const v of vars) {
        const z = v.b ? tf.add(tf.matMul(a, v.W), v.b) : tf.matMul(a, v.W);
        a = v.act === 'sigmoid' ? tf.sigmoid(z) : v.act === 'tanh' ? tf.tanh(z) : z;
      }
      const t = tf.tensor2d(as32(y), [1, y.length], 'float32');
      if (n.loss === 'softmax-cross-entropy') return tf.losses.softmaxCrossEntropy(t, a) as import('@tensorflow/tfjs').Scalar;
      const e = tf.sum(tf.square(tf.sub(a, t)));
      return (n.loss === 'half-squared' ? tf.mul(e, 0.5) : e) as import('@tensorflow/tfjs').Scalar;
    };
    return { note: 'float32', step: (_p, x, y) => { const c = opt.minimize(cost(x, y), true)!; const v = c.dataSync()[0]!; c.dispose(); return v; } };
  } catch (e) { return { blocked: `TensorFlow.js: ${(e as Error).message}` }; }
}
