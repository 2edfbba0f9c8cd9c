// The optimizers of the generated module against plain implementations of
// each paper's update, written here as the papers write them (one array op at
// a time, no fusing, Nesterov with its look-ahead gradient): 20 steps over 3
// examples from the same start agree to 1e-12. Adam also against
// TensorFlow.js's Adam, to float32 precision.
import { describe, expect, it } from 'vitest';
import { loadTrainer, type TrainerModule } from '../src/compile/compile.ts';
import { compileNetwork, renderTypeScript } from '../src/pipeline.ts';
import { loadNetworkFile } from '../src/spec/load.ts';
import { HYPERPARAMETERS, OPTIMIZERS, type OptimizerKind } from '../src/spec/types.ts';

type Vec = number[];
type Gradient = (theta: Vec, example: number) => Vec;

/** Hyperparameters as given to both sides; undefined ones take the papers' defaults. */
interface Settings { momentum?: number; rho?: number; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number }

/**
 * The papers' updates, step by step. Each returns the parameters after `steps`
 * steps (the trajectory), one example a step, cycling through three.
 */
function plain(kind: OptimizerKind, start: Vec, grad: Gradient, rate: number, s: Settings, steps: number): Vec[] {
  const h = { ...HYPERPARAMETERS, ...s };
  const n = start.length;
  const zeros = (): Vec => new Array<number>(n).fill(0);
  let theta = [...start];
  let m = zeros(), v = zeros();
  const out: Vec[] = [];
  for (let t = 1; t <= steps; t++) {
    const e = (t - 1) % 3;
    if (kind === 'sgd') {
      const g = grad(theta, e);
      theta = theta.map((p, i) => p - rate * g[i]!);
      out.push(theta);
    } else if (kind === 'momentum') {
      // Sutskever et al. 2013, eq. (1)-(2): v ← μv − ε∇f(θ), θ ← θ + v.
      const g = grad(theta, e);
      v = v.map((vi, i) => h.momentum * vi - rate * g[i]!);
      theta = theta.map((p, i) => p + v[i]!);
      out.push(theta);
    } else if (kind === 'nesterov') {
      // Sutskever et al. 2013, eq. (3)-(4): the gradient at the look-ahead point θ + μv.
      const g = grad(theta.map((p, i) => p + h.momentum * v[i]!), e);
      v = v.map((vi, i) => h.momentum * vi - rate * g[i]!);
      theta = theta.map((p, i) => p + v[i]!);
      // The module keeps the look-ahead point itself (Bengio et al. 2013).
      out.push(theta.map((p, i) => p + h.momentum * v[i]!));
    } else if (kind === 'rmsprop') {
      // Tieleman and Hinton 2012 (lecture 6e), ε outside the square root.
      const g = grad(theta, e);
      m = m.map((si, i) => h.rho * si + (1 - h.rho) * g[i]! ** 2);
      theta = theta.map((p, i) => p - (rate * g[i]!) / (Math.sqrt(m[i]!) + h.epsilon));
      out.push(theta);
    } else {
      // Kingma and Ba 2015, Algorithm 1; AdamW: Loshchilov and Hutter 2019, Algorithm 2 (α = 1, η_t = rate).
      const g = grad(theta, e);
      m = m.map((mi, i) => h.beta1 * mi + (1 - h.beta1) * g[i]!);
      v = v.map((vi, i) => h.beta2 * vi + (1 - h.beta2) * g[i]! ** 2);
      const mHat = m.map((mi) => mi / (1 - h.beta1 ** t));
      const vHat = v.map((vi) => vi / (1 - h.beta2 ** t));
      const decay = kind === 'adamw' ? h.weightDecay : 0;
      theta = theta.map((p, i) => p - rate * (mHat[i]! / (Math.sqrt(vHat[i]!) + h.epsilon) + decay * p));
      out.push(theta);
    }
  }
  return out;
}

/** Largest |a − b| relative to max(1, |b|). */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return d;
}

const NETWORKS = ['examples/xor.yaml', 'examples/iris.yaml', 'examples/custom.yaml'];
const modules = new Map<string, Promise<TrainerModule>>();
const trainer = (file: string): Promise<TrainerModule> => {
  if (!modules.has(file)) modules.set(file, loadTrainer(renderTypeScript(compileNetwork(loadNetworkFile(file)))));
  return modules.get(file)!;
};

/** Three examples of the network (its first three, or made up), and a start away from zero. */
async function setup(file: string): Promise<{ mod: TrainerModule; start: Vec; xs: Float64Array[]; ys: Float64Array[]; grad: Gradient }> {
  const mod = await trainer(file);
  const data = loadNetworkFile(file).train!.data;
  const xs = [0, 1, 2].map((e) => Float64Array.from(data[e % data.length]!.x, (v, k) => v + 0.1 * Math.sin(e + k)));
  const ys = [0, 1, 2].map((e) => Float64Array.from(data[e % data.length]!.y));
  const start = Array.from({ length: mod.paramCount }, (_, i) => 0.5 * Math.sin(1.7 * i + 0.3));
  const g = new Float64Array(mod.paramCount);
  const grad: Gradient = (theta, e) => { mod.lossAndGradient(Float64Array.from(theta), xs[e]!, ys[e]!, g); return Array.from(g); };
  return { mod, start, xs, ys, grad };
}

const CASES: [OptimizerKind, number, Settings][] = [
  ['sgd', 0.1, {}],
  ['momentum', 0.05, {}], ['momentum', 0.05, { momentum: 0.5 }],
  ['nesterov', 0.05, {}], ['nesterov', 0.05, { momentum: 0.7 }],
  ['rmsprop', 0.01, {}], ['rmsprop', 0.01, { rho: 0.8, epsilon: 1e-6 }],
  ['adam', 0.01, {}], ['adam', 0.02, { beta1: 0.8, beta2: 0.99, epsilon: 1e-7 }],
  ['adamw', 0.01, {}], ['adamw', 0.01, { weightDecay: 0.1, beta1: 0.85 }],
];

describe('optimizer steps equal the papers\' updates (20 steps, 3 examples, same start)', () => {
  it('covers every optimizer the module has', () => {
    expect(new Set(CASES.map(([k]) => k))).toEqual(new Set(Object.keys(OPTIMIZERS)));
  });
  for (const file of NETWORKS) {
    for (const [kind, rate, settings] of CASES) {
      it(`${file}: ${kind} ${JSON.stringify(settings)}`, async () => {
        const { mod, start, xs, ys, grad } = await setup(file);
        const expected = plain(kind, start, grad, rate, settings, 20);
        const optimizer = mod.createOptimizer({ kind, rate, ...settings });
        const params = Float64Array.from(start);
        let worst = 0;
        for (let t = 0; t < 20; t++) {
          optimizer.step(params, xs[t % 3]!, ys[t % 3]!);
          worst = Math.max(worst, maxRelDiff(params, expected[t]!));
        }
        expect(optimizer.steps).toBe(20);
        expect(worst, `${kind}: largest difference ${worst}`).toBeLessThan(1e-12);
        // The moved parameters really moved (a test of nothing would also agree).
        expect(maxRelDiff(params, start)).toBeGreaterThan(1e-3);
      });
    }
  }

  it('batchStep is the update of the mean gradient of the batch; reset starts again', async () => {
    const { mod, start, xs, ys, grad } = await setup('examples/iris.yaml');
    const mean: Gradient = (theta) => {
      const gs = [0, 1, 2].map((e) => grad(theta, e));
      return gs[0]!.map((_, i) => (gs[0]![i]! + gs[1]![i]! + gs[2]![i]!) / 3);
    };
    for (const kind of Object.keys(OPTIMIZERS) as OptimizerKind[]) {
      const expected = plain(kind, start, mean, 0.01, {}, 20);
      const optimizer = mod.createOptimizer({ kind, rate: 0.01 });
      for (let round = 0; round < 2; round++) {
        const params = Float64Array.from(start);
        let worst = 0;
        for (let t = 0; t < 20; t++) {
          optimizer.batchStep(params, xs, ys);
          worst = Math.max(worst, maxRelDiff(params, expected[t]!));
        }
        expect(worst, `${kind} batch: ${worst}`).toBeLessThan(1e-12);
        optimizer.reset();
        expect(optimizer.steps).toBe(0);
      }
    }
  });

  it('update() applies a given gradient; a schedule may change rate between steps', async () => {
    const { mod, start, grad } = await setup('examples/xor.yaml');
    const optimizer = mod.createOptimizer({ kind: 'adam', rate: 0.01 });
    const params = Float64Array.from(start);
    const rates = [0.01, 0.005, 0.0025];
    // The papers' Adam with the rate of each step (Kingma and Ba's α_t).
    const h = HYPERPARAMETERS;
    let theta = [...start], m = start.map(() => 0), v = start.map(() => 0);
    for (let t = 1; t <= 3; t++) {
      const g = grad(theta, t - 1);
      optimizer.rate = rates[t - 1]!;
      optimizer.update(params, Float64Array.from(g));
      m = m.map((mi, i) => h.beta1 * mi + (1 - h.beta1) * g[i]!);
      v = v.map((vi, i) => h.beta2 * vi + (1 - h.beta2) * g[i]! ** 2);
      theta = theta.map((p, i) => p - rates[t - 1]! * (m[i]! / (1 - h.beta1 ** t)) / (Math.sqrt(v[i]! / (1 - h.beta2 ** t)) + h.epsilon));
      expect(maxRelDiff(params, theta)).toBeLessThan(1e-12);
    }
  });

  it('refuses an unknown kind, a hyperparameter the kind does not take, and a non-finite value', async () => {
    const mod = await trainer('examples/xor.yaml');
    expect(() => mod.createOptimizer({ kind: 'adamax', rate: 0.1 })).toThrow(/unknown kind "adamax".*sgd, momentum, nesterov, rmsprop, adam, adamw/);
    expect(() => mod.createOptimizer({ kind: 'rmsprop', rate: 0.1, beta1: 0.9 })).toThrow('rmsprop takes rate, rho, epsilon, not beta1');
    expect(() => mod.createOptimizer({ kind: 'adam', rate: 0.1, beta2: NaN })).toThrow('beta2 must be a finite number');
    expect(() => mod.createOptimizer({ kind: 'sgd', rate: Infinity })).toThrow('the rate must be a finite number');
  });
});

describe('Adam against TensorFlow.js', () => {
  it('the same gradients give the same parameters to float32 precision (20 steps)', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const { mod, start, xs, ys } = await setup('examples/iris.yaml');
    const rate = 0.01;
    const ours = mod.createOptimizer({ kind: 'adam', rate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    const theirs = tf.train.adam(rate, 0.9, 0.999, 1e-8);
    const params = Float64Array.from(start);
    // TensorFlow.js holds float32: start it from the float32 values, and give both the same gradient.
    const variable = tf.variable(tf.tensor1d(Float32Array.from(start)), true, 'theta');
    const g = new Float64Array(mod.paramCount);
    let worst = 0, moved = 0;
    for (let t = 0; t < 20; t++) {
      mod.lossAndGradient(params, xs[t % 3]!, ys[t % 3]!, g);
      ours.update(params, g);
      tf.tidy(() => theirs.applyGradients([{ name: 'theta', tensor: tf.tensor1d(Float32Array.from(g)) }]));
      const theirValues = variable.dataSync();
      for (let i = 0; i < params.length; i++) {
        worst = Math.max(worst, Math.abs(theirValues[i]! - params[i]!) / Math.max(1, Math.abs(params[i]!)));
        moved = Math.max(moved, Math.abs(params[i]! - start[i]!));
      }
    }
    variable.dispose();
    theirs.dispose();
    // Float32 precision: TensorFlow.js rounds every operation to 24 bits (one unit in the last place
    // is 2^-23 relative); allow one such unit a step over the 20 steps.
    expect(worst, `largest relative difference ${worst}`).toBeLessThan(20 * 2 ** -23);
    expect(moved).toBeGreaterThan(0.1);
  }, 60_000);
});
