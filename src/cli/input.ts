// The FILE argument of derive, check, train and verify: a path, or - for standard input.
import { UserError } from '../errors.ts';
import { loadNetworkFile, MAX_FILE_BYTES, parseNetwork } from '../spec/load.ts';
import type { AnyNetwork } from '../spec/graph-types.ts';
import type { Ctx } from './common.ts';

export const STDIN_NAME = '<stdin>';

export async function loadNetwork(ctx: Ctx, file: string): Promise<AnyNetwork> {
  if (file !== '-') {
    ctx.inputs.push(file);
    return loadNetworkFile(file);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.stdin) {
    const b = Buffer.from(chunk);
    size += b.length;
    // Same limit as for files, checked while reading so an endless stream is refused too.
    if (size > MAX_FILE_BYTES) throw new UserError(`${STDIN_NAME}: file larger than ${MAX_FILE_BYTES} bytes`);
    chunks.push(b);
  }
  return parseNetwork(Buffer.concat(chunks).toString('utf8'), STDIN_NAME);
}
