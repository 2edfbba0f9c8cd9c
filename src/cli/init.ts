// deltagen init: a starter network file that explains itself.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../errors.ts';
import type { InitFlags } from './commands.ts';
import { writeFiles, type Ctx } from './common.ts';

export function starterFile(name: string): string {
  return `# A deltagen network file. Run:  deltagen derive ${name}.yaml   (LaTeX and TypeScript)
#                                deltagen check ${name}.yaml    (compare with the reference)
#                                deltagen train ${name}.yaml --plot ${name}.svg
name: ${name}              # lower case, digits and dashes; names the generated files
input: 2                   # n_0, the size of x = a^(0)
layers:                    # layer l = 1..L: z = W a + b, a = activation(z)
  - units: 3
    activation: sigmoid    # identity | sigmoid | tanh | relu | leaky-relu | softplus | softmax (last layer)
                           # | { leaky-relu: 0.1 } | { formula: "x / (1 + abs(x))" }
  - units: 1
    activation: sigmoid
    bias: true             # false leaves b out of this layer
loss: half-squared         # squared | half-squared | mse | cross-entropy | softmax-cross-entropy
train:                     # optional: what \`deltagen train\` does
  rate: 1                  # the learning rate
  epochs: 1000             # or steps: N (SGD steps, cycling through the data)
  batch: 1                 # examples per step (mean gradient)
  seed: 1                  # random initial weights (or init: { W1: [[...], ...], b1: [...] })
  data:
    - { x: [0, 0], y: [0] }
    - { x: [0, 1], y: [1] }
    - { x: [1, 0], y: [1] }
    - { x: [1, 1], y: [0] }
`;
}

/** NAME may carry a folder (nets/my-net writes nets/my-net.yaml); the network is named by its last part. */
export async function init(ctx: Ctx, target: string, opts: InitFlags): Promise<number> {
  const name = basename(target);
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(name)) throw new UserError(`init: the name "${name}" must match [a-z][a-z0-9-]* (for example my-net)`);
  const path = `${target}.yaml`;
  if (existsSync(path) && !opts.force) throw new UserError(`${path}: already exists; use --force to overwrite it`);
  await writeFiles(ctx, [{ path, content: starterFile(name) }]);
  ctx.stdout.write(`wrote ${path}; next: deltagen derive ${path}\n`);
  return 0;
}
