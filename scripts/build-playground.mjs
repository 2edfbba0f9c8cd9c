// The playground page, built into dist/playground/ by `npm run build`: the page
// (playground/index.html, style.css), its script and the training worker bundled
// for the browser, and KaTeX's style sheet and fonts, so the folder needs
// nothing outside itself. The pipeline runs in the page: the few modules that
// use Node (files, worker threads, the package folder, template files) are
// swapped for their stand-ins in src/platform/browser/, and the templates are
// compiled here, so the page calls no Function() at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import Handlebars from 'handlebars';

/** The Node modules of src/ and the browser's stand-in for each. */
const STAND_INS = {
  'io/read.ts': 'platform/browser/read.ts',
  'verify/cas-client.ts': 'platform/browser/cas-client.ts',
  'render/emit.ts': 'platform/browser/emit.ts',
  'package-root.ts': 'platform/browser/package-root.ts',
};

/** The same options as src/render/emit.ts compiles with. */
const TEMPLATE_OPTIONS = { noEscape: true, strict: true, knownHelpersOnly: true, knownHelpers: { each: true, if: true, unless: true } };

function templatesModule(root) {
  const names = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, 'templates', dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.hbs')) names.push(path.slice(0, -'.hbs'.length));
    }
  };
  walk('');
  const specs = names.sort().map((name) => `  ${JSON.stringify(name)}: hb.template(${Handlebars.precompile(readFileSync(join(root, 'templates', `${name}.hbs`), 'utf8'), TEMPLATE_OPTIONS)}),`);
  return `import Handlebars from 'handlebars/runtime';\nconst hb = Handlebars.create();\nexport const templates = {\n${specs.join('\n')}\n};\n`;
}

function browserPlatform(root) {
  const src = join(root, 'src');
  return {
    name: 'deltagen-browser-platform',
    setup(b) {
      b.onResolve({ filter: /\.ts$/ }, (args) => {
        if (!args.resolveDir) return undefined;
        const target = relative(src, resolve(args.resolveDir, args.path)).split('\\').join('/');
        return STAND_INS[target] ? { path: join(src, STAND_INS[target]) } : undefined;
      });
      b.onResolve({ filter: /^deltagen:templates$/ }, () => ({ path: 'templates', namespace: 'deltagen' }));
      b.onLoad({ filter: /.*/, namespace: 'deltagen' }, () => ({ contents: templatesModule(root), loader: 'js', resolveDir: root }));
      // Anything else of Node's reaching the page is a mistake of ours: fail the build, naming it.
      b.onResolve({ filter: /^node:/ }, (args) => ({ errors: [{ text: `${args.path} imported by ${relative(root, args.importer)}: the page must not use Node` }] }));
    },
  };
}

export async function buildPlayground(root) {
  const out = join(root, 'dist', 'playground');
  mkdirSync(join(out, 'fonts'), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const common = {
    absWorkingDir: root,
    bundle: true,
    platform: 'browser',
    target: 'chrome110',
    minify: true,
    legalComments: 'none',
    loader: { '.yaml': 'text' },
    define: { DELTAGEN_VERSION: JSON.stringify(pkg.version), 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  };
  // The training worker, as text inside the page's script: a page opened from the file system may not
  // load a worker file (its origin is null), but it may start one from a blob.
  const worker = await build({ ...common, entryPoints: ['playground/worker.ts'], format: 'iife', write: false, plugins: [browserPlatform(root)] });
  const workerSource = worker.outputFiles[0].text;
  // A classic script (not a module), for the same reason: file:// pages cannot load module scripts.
  await build({
    ...common,
    entryPoints: { app: 'playground/main.ts' },
    outdir: out,
    format: 'iife',
    plugins: [browserPlatform(root), {
      name: 'deltagen-worker-source',
      setup(b) {
        b.onResolve({ filter: /^deltagen:worker$/ }, () => ({ path: 'worker', namespace: 'deltagen-worker' }));
        b.onLoad({ filter: /.*/, namespace: 'deltagen-worker' }, () => ({ contents: `export default ${JSON.stringify(workerSource)};`, loader: 'js' }));
      },
    }],
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'playground', f), join(out, f));
  const katex = dirname(createRequire(import.meta.url).resolve('katex/package.json'));
  copyFileSync(join(katex, 'dist', 'katex.min.css'), join(out, 'katex.min.css'));
  for (const font of readdirSync(join(katex, 'dist', 'fonts')).filter((f) => f.endsWith('.woff2'))) {
    copyFileSync(join(katex, 'dist', 'fonts', font), join(out, 'fonts', font));
  }
}
