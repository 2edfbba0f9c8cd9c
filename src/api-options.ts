// The library's arguments, checked as the command line's are: a bad value is a
// UserError naming the function and the option, never a TypeError from deep
// inside or a silent default. The bounds are the command line's.
import { z } from 'zod';
import { UserError } from './errors.ts';

const count = (max: number) => z.number().int().min(1).max(max);
const seed = z.number().int();

/** An equation label's prefix: it is printed into \\label{eq:<prefix>:…}, so letters, digits and : . _ - only. */
export const LABEL_PREFIX = /^[A-Za-z][A-Za-z0-9:._-]*$/;
/** What LABEL_PREFIX asks for, in every message that refuses a prefix. */
export const LABEL_PREFIX_RULE = 'expected letters, digits and : . _ -, starting with a letter';

const latexOptions = {
  notation: z.enum(['nielsen', 'question']).optional(),
  fragment: z.boolean().optional(),
  expandLimit: count(32).optional(), // as the command line's --expand-limit (LIMITS in src/cli/common.ts)
  levels: z.strictObject({ matrix: z.boolean(), index: z.boolean(), scalar: z.boolean() }).optional(),
  labelPrefix: z.string().regex(LABEL_PREFIX, LABEL_PREFIX_RULE).optional(),
  heading: z.enum(['section', 'subsection', 'none']).optional(),
  bold: z.boolean().optional(),
};
const codeOptions = { unroll: z.enum(['full', 'loops', 'auto']).optional() };

/** Every option is known: a misspelt one is an error, not a silent default. */
export const OPTION_SCHEMAS = {
  generate: z.strictObject({ out: z.string().min(1).optional(), ...latexOptions, ...codeOptions }),
  renderLatex: z.strictObject(latexOptions),
  renderTypeScript: z.strictObject(codeOptions),
  renderJavaScript: z.strictObject(codeOptions),
  check: z.strictObject({ points: count(10_000).optional(), seed: seed.optional() }),
  verify: z.strictObject({
    wrt: z.string().min(1),
    of: z.string().min(1).optional(),
    formula: z.string().optional(),
    latex: z.string().optional(),
    update: z.boolean().optional(),
    points: z.number().int().min(20).max(10_000).optional(),
    seed: seed.optional(),
    timeLimitMs: z.number().positive().max(600_000).optional(),
  }).refine((o) => (o.formula === undefined) !== (o.latex === undefined), { message: 'give formula or latex (one of them)', path: ['formula'] }),
  train: z.strictObject({
    steps: count(10_000_000).optional(),
    trace: z.boolean().optional(),
    onProgress: z.function().optional(),
    gradientNorms: z.boolean().optional(),
    init: z.strictObject({ source: z.string(), params: z.unknown() }).optional(),
    plot: z.boolean().optional(),
  }),
} as const;

/** Check `options` of library function `fn`; returns them unchanged. */
export function checkOptions<T>(fn: keyof typeof OPTION_SCHEMAS, options: T): T {
  const r = OPTION_SCHEMAS[fn].safeParse(options ?? {});
  if (r.success) return options;
  const issue = r.error.issues[0]!;
  const field = issue.path.length > 0 ? `options.${issue.path.map(String).join('.')}` : 'options';
  let value: unknown = options;
  for (const p of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
  const shown = issue.code === 'unrecognized_keys' ? '' : `, found ${typeof value === 'function' ? 'a function' : JSON.stringify(value) ?? String(value)}`;
  throw new UserError(`${fn}: ${field}: ${issue.message}${shown}`);
}
