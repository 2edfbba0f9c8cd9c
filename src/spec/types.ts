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

export interface TrainSpec {
  readonly rate: number;
  readonly steps?: number;
  readonly epochs?: number;
  readonly batch?: number;
  readonly seed: number;
  /** Initial values by parameter name: W<l> as rows, b<l> as a vector. */
  readonly init?: Readonly<Record<string, readonly (readonly number[])[] | readonly number[]>>;
  readonly data: readonly Example[];
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
