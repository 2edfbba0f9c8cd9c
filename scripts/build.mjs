// `npm run build` (run by `prepare` on every `npm ci`): bundle src/ into dist/
// with esbuild and write the library's type declarations with tsc.
//
// The library and the CLI are bundled so that start-up reads a few files, not
// thousands, and so that mathjs is tree-shaken to the functions deltagen uses
// (importing all of mathjs costs about 1 s). Code loaded only by some commands
// sits in chunks that are imported on demand. Packages left external are the
// ones loaded lazily (plotting, KaTeX) or optional (TypeScript for type-checks).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildPlayground } from './build-playground.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];

rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/index.ts', 'src/cli/run.ts', 'src/cli/start.ts', 'src/verify/cas-worker.mjs'],
  outbase: 'src',
  outdir: 'dist',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // Bundled CommonJS packages (nerdamer, handlebars) call require(); give them one.
  banner: { js: "import { createRequire as __deltagenRequire } from 'node:module'; const require = __deltagenRequire(import.meta.url);" },
  legalComments: 'linked',
  logLevel: 'warning',
});

// The playground page (dist/playground/): the same pipeline, bundled for the browser.
await buildPlayground(root);

// Declarations for the library API (dist/index.d.ts and what it refers to).
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
