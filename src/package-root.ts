// The folder of deltagen's own package.json, found from this module's location,
// so that templates and the version are found the same way from src/ (tests,
// tsx) and from the bundled dist/ (installed package), whatever the depth.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'deltagen') return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('internal: deltagen cannot find its own package.json');
    dir = parent;
  }
}

/** The version in package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
