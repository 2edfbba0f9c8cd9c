// The network file's schema. zod checks shapes and types; cross-field rules
// (init shapes, data sizes, softmax placement) live in validate.ts.
import { z } from 'zod';

export const ACTIVATION_NAMES = ['identity', 'sigmoid', 'tanh', 'relu', 'leaky-relu', 'softplus', 'softmax'] as const;
export const LOSS_NAMES = ['squared', 'half-squared', 'mse', 'cross-entropy', 'softmax-cross-entropy'] as const;

const size = z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' })
  .positive({ error: 'expected a number of at least 1' }).max(1_000_000, { error: 'expected at most 1000000' });
const finite = z.number({ error: 'expected a finite number' }).refine(Number.isFinite, { error: 'expected a finite number' });

const activation = z.union([
  z.enum(ACTIVATION_NAMES, { error: (issue) => `unknown activation ${JSON.stringify(issue.input)}` }),
  z.strictObject({ 'leaky-relu': finite }),
  z.strictObject({ formula: z.string().min(1).max(500, { error: 'formula longer than 500 characters' }) }),
], { error: 'expected an activation name, { leaky-relu: slope } or { formula: "…" }' });

const vector = z.array(finite).min(1);

/** Names that must never become identifiers, even though they match the pattern. */
const RESERVED_NAMES = new Set(['constructor', 'prototype', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete',
  'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return',
  'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static', 'implements',
  'interface', 'package', 'private', 'protected', 'public', 'await', 'arguments', 'eval']);

export const networkFileSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { error: 'expected a name matching [a-z][a-z0-9-]* (at most 64 characters)' })
    .refine((n) => !RESERVED_NAMES.has(n), { error: (issue) => `"${String(issue.input)}" is a reserved word; choose another name` }),
  input: size,
  layers: z.array(z.strictObject({
    units: size,
    activation: activation.default('identity'),
    bias: z.boolean({ error: 'expected true or false' }).default(true),
  })).min(1, { error: 'expected at least one layer' }).max(1000, { error: 'expected at most 1000 layers' }),
  loss: z.enum(LOSS_NAMES, { error: (issue) => `unknown loss ${JSON.stringify(issue.input)}` }),
  train: z.strictObject({
    rate: finite.refine((r) => r > 0, { error: 'expected a positive rate' }),
    steps: size.optional(),
    epochs: size.optional(),
    batch: size.optional(),
    seed: z.number().int().default(1),
    init: z.record(z.string().regex(/^[Wb][1-9][0-9]{0,3}$/, { error: 'expected a parameter name such as W1 or b2' }),
      z.union([z.array(vector).min(1), vector])).optional(),
    data: z.array(z.strictObject({ x: vector, y: vector })).default([]),
  }).optional(),
});

export type NetworkFile = z.infer<typeof networkFileSchema>;
