// The graph form's schema (`nodes:`). zod checks each field's shape; the rules
// between nodes (inputs, cycles, sizes, softmax, ties) live in graph-validate.ts.
import { z } from 'zod';
import { activation, lossSchema, regularizationSchema, RESERVED_NAMES, size, trainSchema, vector } from './schema.ts';

/** Names a node may not take: the symbols of the notation. */
export const RESERVED_NODE_NAMES = new Set(['x', 'y', 'a', 'z', 'C', 't']);

const NODE_NAME = /^[a-z][a-z0-9]{0,31}$/;
export const nodeName = z.string().regex(NODE_NAME, { error: 'expected a node name matching [a-z][a-z0-9]* (at most 32 characters)' })
  .refine((n) => !RESERVED_NODE_NAMES.has(n), { error: (issue) => `"${String(issue.input)}" is reserved (x, y, a, z, C and t name the notation's symbols); choose another name` })
  .refine((n) => !RESERVED_NAMES.has(n), { error: (issue) => `"${String(issue.input)}" is a reserved word of TypeScript or JavaScript; choose another name` });

/** x, a node, or NODE@prev. */
const source = z.string({ error: 'expected x, a node name or NODE@prev' })
  .regex(/^[a-z][a-z0-9]{0,31}(@prev)?$/, { error: (issue) => `expected x, a node name or NODE@prev, found ${JSON.stringify(issue.input)}` });
const sources = (min: number, max = 64) => z.union([source.transform((s) => [s]), z.array(source).min(min, { error: `expected at least ${min} inputs` }).max(max, { error: `expected at most ${max} inputs` })], {
  // One input or a list: a bad single name is named as the list form names it.
  error: (issue) => (typeof issue.input === 'string' ? `expected x, a node name or NODE@prev, found ${JSON.stringify(issue.input)}` : 'expected an input or a list of inputs (x, a node name or NODE@prev)'),
});

export const NODE_KINDS = ['dense', 'add', 'multiply', 'concat', 'of'] as const;

const node = z.strictObject({
  dense: sources(1).optional(),
  add: z.array(source).min(2, { error: 'expected a list of at least 2 inputs' }).max(64, { error: 'expected at most 64 inputs' }).optional(),
  multiply: z.array(source).length(2, { error: 'expected a list of exactly 2 inputs' }).optional(),
  concat: z.array(source).min(2, { error: 'expected a list of at least 2 inputs' }).max(64, { error: 'expected at most 64 inputs' }).optional(),
  of: source.optional(),
  units: size.optional(),
  activation: activation.optional(),
  bias: z.boolean({ error: 'expected true or false' }).optional(),
  tied: nodeName.optional(),
}, { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (a node takes one of ${NODE_KINDS.join(', ')}, with units, activation, bias, tied)` : 'expected a node: { dense: IN, units: N } or { add | multiply | concat: [A, B] } or { of: A, activation: … }') });

/** x of one example: a vector, or in a sequence model a list of T vectors. */
const sequenceOrVector = z.union([vector, z.array(vector).min(1)], { error: 'expected a list of numbers, or a list of such lists (one per step)' });
const examples = z.array(z.strictObject({ x: sequenceOrVector, y: sequenceOrVector }));
const graphInitName = z.string().regex(/^[Wb]_[a-z][a-z0-9]{0,31}(_[a-z][a-z0-9]{0,31})?$/, { error: 'expected a parameter name of the layout, such as W_h, W_h_x or b_h' });

export const graphFileSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { error: 'expected a name matching [a-z][a-z0-9-]* (at most 64 characters)' })
    .refine((n) => !RESERVED_NAMES.has(n), { error: (issue) => `"${String(issue.input)}" is a reserved word; choose another name` }),
  input: size,
  sequence: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' })
    .positive({ error: 'expected a number of at least 1' }).max(10_000, { error: 'expected at most 10000 steps' }).optional(),
  nodes: z.record(z.string(), node, { error: 'expected a mapping from node names to what they compute' })
    .refine((r) => Object.keys(r).length > 0, { error: 'expected at least one node' })
    .refine((r) => Object.keys(r).length <= 1000, { error: 'expected at most 1000 nodes' }),
  output: z.string({ error: 'expected a node name' }).optional(),
  target: z.enum(['every-step', 'last-step'], { error: 'expected every-step or last-step' }).optional(),
  loss: lossSchema,
  regularization: regularizationSchema.optional(),
  train: trainSchema(examples, graphInitName).optional(),
});

export type GraphFile = z.infer<typeof graphFileSchema>;
