// The validated description of a network: what the rest of the pipeline reads.

export type ElementwiseActivationName = 'identity' | 'sigmoid' | 'tanh' | 'relu' | 'softplus';

export type ActivationSpec =
  | { readonly kind: ElementwiseActivationName }
  | { readonly kind: 'softmax' }
  | { readonly kind: 'leaky-relu'; readonly slope: number }
  | { readonly kind: 'formula'; readonly formula: string };

export type LossName = 'squared' | 'half-squared' | 'mse' | 'cross-entropy' | 'softmax-cross-entropy';

export interface LayerSpec {
  readonly units: number;
  readonly activation: ActivationSpec;
  readonly bias: boolean;
}

export interface Example {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/**
 * The optimizers of the generated trainer module, each with the hyperparameters
 * it takes. One table: the network file's schema, the module (its defaults and
 * option checks) and the LaTeX are printed from it; the update loops themselves
 * are in templates/ts/module.hbs (UPDATES) and their equations in
 * src/render/latex.ts (OPTIMIZER_RULES), both keyed by these names, so the
 * compiler asks for each when a name is added here.
 */
export const OPTIMIZERS = {
  sgd: [],
  momentum: ['momentum'],
  nesterov: ['momentum'],
  rmsprop: ['rho', 'epsilon'],
  adam: ['beta1', 'beta2', 'epsilon'],
  adamw: ['beta1', 'beta2', 'epsilon', 'weightDecay'],
} as const satisfies Record<string, readonly Hyperparameter[]>;

export type OptimizerKind = keyof typeof OPTIMIZERS;

/**
 * The defaults, from the papers: μ 0.9 (Sutskever et al. 2013), ρ 0.9 (Tieleman
 * and Hinton 2012), β1 0.9, β2 0.999, ε 1e-8 (Kingma and Ba 2015); λ 0.01 as
 * PyTorch's AdamW (Loshchilov and Hutter give no single value).
 */
export const HYPERPARAMETERS = { momentum: 0.9, rho: 0.9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 } as const;

export type Hyperparameter = keyof typeof HYPERPARAMETERS;

/** An optimizer and the hyperparameters the file sets (the others take their defaults). */
export type OptimizerSpec = { readonly kind: OptimizerKind } & { readonly [h in Hyperparameter]?: number };

/** How the rate changes, counted in epochs (an epochs run) or steps (a steps run); k from 0. */
export type ScheduleSpec =
  | { readonly kind: 'constant' }
  /** η · factor^⌊k / every⌋ */
  | { readonly kind: 'step'; readonly every: number; readonly factor: number }
  /** η · factor^k */
  | { readonly kind: 'exponential'; readonly factor: number }
  /** min + (η − min)(1 + cos(π min(k, over) / over)) / 2 */
  | { readonly kind: 'cosine'; readonly over: number; readonly min: number };

export interface TrainSpec {
  readonly rate: number;
  readonly steps?: number;
  readonly epochs?: number;
  readonly batch?: number;
  /** Seeds the random initial weights and the shuffled order. */
  readonly seed: number;
  /** Initial values by parameter name: W<l> as rows, b<l> as a vector. */
  readonly init?: Readonly<Record<string, readonly (readonly number[])[] | readonly number[]>>;
  readonly data: readonly Example[];
  /** Absent: plain SGD. */
  readonly optimizer?: OptimizerSpec;
  /** A new order of the data for every pass. */
  readonly shuffle?: boolean;
  readonly schedule?: ScheduleSpec;
  /** Examples whose mean loss is taken after every epoch. */
  readonly validation?: readonly Example[];
  /** Stop after this many epochs without a lower validation loss. */
  readonly patience?: number;
  /** With patience: end with the parameters of the best epoch (default true). */
  readonly restoreBest?: boolean;
}

export interface Network {
  readonly name: string;
  readonly input: number;
  readonly layers: readonly LayerSpec[];
  readonly loss: LossName;
  readonly train?: TrainSpec;
  /** The file it came from, for messages. */
  readonly source: string;
}
