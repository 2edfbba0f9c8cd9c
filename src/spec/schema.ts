// The network file's schema. zod checks shapes and types; cross-field rules
// (init shapes, data sizes, softmax placement, what patience needs) live in validate.ts.
import { z } from 'zod';
import { OPTIMIZERS, type Hyperparameter, type OptimizerSpec, type ScheduleSpec } from './types.ts';

export const ACTIVATION_NAMES = ['identity', 'sigmoid', 'tanh', 'relu', 'leaky-relu', 'softplus', 'softmax'] as const;
export const LOSS_NAMES = ['squared', 'half-squared', 'mse', 'cross-entropy', 'softmax-cross-entropy'] as const;

export const size = z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' })
  .positive({ error: 'expected a number of at least 1' }).max(1_000_000, { error: 'expected at most 1000000' });
export const finite = z.number({ error: 'expected a finite number' }).refine(Number.isFinite, { error: 'expected a finite number' });

export const activation = z.union([
  z.enum(ACTIVATION_NAMES, { error: (issue) => `unknown activation ${JSON.stringify(issue.input)}` }),
  z.strictObject({ 'leaky-relu': finite }),
  z.strictObject({ formula: z.string().min(1).max(500, { error: 'formula longer than 500 characters' }) }),
], { error: 'expected an activation name, { leaky-relu: slope } or { formula: "…" }' });

export const vector = z.array(finite).min(1);
const examples = z.array(z.strictObject({ x: vector, y: vector }));

/**
 * `name` or `{ name: { field: value, … } }`, read as { kind: name, …fields }:
 * the form of train.optimizer and train.schedule. A bare name takes every
 * field's default.
 */
function named(what: string, shapes: Record<string, z.ZodRawShape>) {
  const names = Object.keys(shapes).join(', ');
  const fieldsOf = (name: string, shape: z.ZodRawShape) => z.strictObject(shape, {
    error: (issue) => (issue.code !== 'unrecognized_keys' ? undefined : Object.keys(shape).length === 0 ? `${name} takes no settings`
      : `unknown setting ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (${name} takes ${Object.keys(shape).join(', ')})`),
  });
  const one = z.strictObject(Object.fromEntries(Object.entries(shapes).map(([k, shape]) => [k, fieldsOf(k, shape).optional()])), {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown ${what} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (expected one of ${names})`
      : `expected a name (${names}) or { name: { … } }`),
  }).refine((o) => Object.keys(o).length === 1, { error: `expected one ${what}: ${names}` });
  // `adam:` with nothing after it (YAML null) is `adam: {}`.
  const braced = (v: unknown): unknown => (typeof v === 'string' ? { [v]: {} }
    : v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, f]) => [k, f ?? {}])) : v);
  return z.preprocess(braced, one)
    .transform((o) => { const [kind, fields] = Object.entries(o)[0]!; return { kind, ...fields }; });
}

const fraction = finite.refine((v) => v >= 0 && v < 1, { error: 'expected a number in [0, 1)' });
const positive = finite.refine((v) => v > 0, { error: 'expected a positive number' });
const nonNegative = finite.refine((v) => v >= 0, { error: 'expected a number of at least 0' });
const HYPERPARAMETER_VALUES: Record<Hyperparameter, z.ZodType<number>> = {
  momentum: fraction, rho: fraction, beta1: fraction, beta2: fraction, epsilon: positive, weightDecay: nonNegative,
};

/**
 * train.optimizer: a name (every hyperparameter at its default) or one name
 * with the hyperparameters it takes, e.g.
 *   optimizer: adam
 *   optimizer: { adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } }
 *   optimizer: { momentum: { momentum: 0.95 } }
 *   optimizer: { adamw: { weightDecay: 0.01 } }
 * sgd (the default), momentum and nesterov (momentum μ), rmsprop (rho ρ,
 * epsilon ε), adam (beta1, beta2, epsilon), adamw (those and weightDecay λ).
 * The rate stays train.rate. Defaults: HYPERPARAMETERS in types.ts.
 */
const optimizer = named('optimizer', Object.fromEntries(Object.entries(OPTIMIZERS).map(([kind, takes]) =>
  [kind, Object.fromEntries(takes.map((h) => [h, HYPERPARAMETER_VALUES[h].optional()]))])))
  .transform((o) => o as OptimizerSpec);

/**
 * train.schedule, counted in epochs when the run gives epochs and in steps
 * when it gives steps: constant (the default), { step: { every: 10, factor: 0.5 } },
 * { exponential: { factor: 0.99 } }, { cosine: { over: 100, min: 0 } } (min defaults to 0).
 */
const schedule = named('schedule', {
  constant: {},
  step: { every: size, factor: positive },
  exponential: { factor: positive },
  cosine: { over: size, min: nonNegative.default(0) },
}).transform((o) => o as ScheduleSpec);

/** Names that must never become identifiers, even though they match the pattern. */
export const RESERVED_NAMES = new Set(['constructor', 'prototype', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete',
  'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return',
  'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static', 'implements',
  'interface', 'package', 'private', 'protected', 'public', 'await', 'arguments', 'eval']);

/**
 * The train section, for the chain form and the graph form alike: they differ in
 * what an example's x and y may be and in the parameters' names.
 */
export function trainSchema<E extends z.ZodType>(exampleList: z.ZodArray<E>, initName: z.ZodType<string>) {
  return z.strictObject({
    rate: finite.refine((r) => r > 0, { error: 'expected a positive rate' }),
    steps: size.optional(),
    epochs: size.optional(),
    batch: size.optional(),
    seed: z.number().int().default(1),
    init: z.record(initName,
      z.union([z.array(vector).min(1), vector], { error: 'expected a matrix (a list of rows of finite numbers) or a vector of finite numbers' })).optional(),
    data: exampleList.default([]),
    // The trainer module's train() options (see the generated TrainOptions): the optimizer; a new
    // seeded order every pass (seed above); the rate's schedule; a loss on validation after every
    // epoch; early stopping after `patience` epochs without a lower validation loss, ending with the
    // best epoch's parameters unless restoreBest is false.
    optimizer: optimizer.optional(),
    shuffle: z.boolean({ error: 'expected true or false' }).optional(),
    schedule: schedule.optional(),
    validation: exampleList.min(1, { error: 'expected at least one example' }).optional(),
    patience: size.optional(),
    restoreBest: z.boolean({ error: 'expected true or false' }).optional(),
  });
}

/** A loss by name, or ℓ(a, y) as a formula in a and y, applied per output element and summed (both forms). */
export const lossSchema = z.union([
  z.enum(LOSS_NAMES, { error: (issue) => `unknown loss ${JSON.stringify(issue.input)}` }),
  z.strictObject({ formula: z.string().min(1).max(500, { error: 'formula longer than 500 characters' }) }),
], { error: 'expected a loss name or { formula: "…" } in a and y' });

/** (λ/2) Σ ‖W‖²_F over every weight matrix (not biases), in both forms. */
export const regularizationSchema = z.strictObject({ l2: finite.refine((v) => v >= 0, { error: 'expected a number of at least 0' }) }, {
  error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (the regularization is { l2: λ })` : 'expected { l2: λ }'),
});

const chainInitName = z.string().regex(/^[Wb][1-9][0-9]{0,3}$/, { error: 'expected a parameter name such as W1 or b2' });

export const networkFileSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { error: 'expected a name matching [a-z][a-z0-9-]* (at most 64 characters)' })
    .refine((n) => !RESERVED_NAMES.has(n), { error: (issue) => `"${String(issue.input)}" is a reserved word; choose another name` }),
  input: size,
  layers: z.array(z.strictObject({
    units: size,
    activation: activation.default('identity'),
    bias: z.boolean({ error: 'expected true or false' }).default(true),
  })).min(1, { error: 'expected at least one layer' }).max(1000, { error: 'expected at most 1000 layers' }),
  loss: lossSchema,
  regularization: regularizationSchema.optional(),
  train: trainSchema(examples, chainInitName).optional(),
});

export type NetworkFile = z.infer<typeof networkFileSchema>;
