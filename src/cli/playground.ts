// deltagen playground: serve dist/playground on 127.0.0.1 (never on other
// interfaces) and print its address. Only files inside that folder are served,
// with the page's Content-Security-Policy as a header too; Ctrl-C stops.
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { UserError } from '../errors.ts';
import { packageRoot } from '../package-root.ts';
import type { PlaygroundFlags } from './commands.ts';
import { parsePositiveInt, type Ctx } from './common.ts';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.woff2': 'font/woff2', '.png': 'image/png', '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8',
};

/** The page's own policy (index.html states it too): no eval, nothing from elsewhere. */
export const PLAYGROUND_CSP = "default-src 'none'; script-src 'self' blob:; worker-src blob:; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data: blob:; connect-src 'none'; base-uri 'none'; form-action 'none'";

/** The port when none is given (any free one when it is taken). */
export const DEFAULT_PORT = 8177;

export function playgroundFolder(): string {
  return join(packageRoot(), 'dist', 'playground');
}

/** A server for the folder; `listen` it. Paths outside the folder (.., encoded or not) are 404. */
export function playgroundServer(folder: string): Server {
  return createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = normalize(join(folder, path.endsWith('/') ? `${path}index.html` : path));
    const inside = file.startsWith(folder + sep) && existsSync(file) && statSync(file).isFile();
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !inside) {
      res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 404 : 405, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': PLAYGROUND_CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });
}

export async function playground(ctx: Ctx, opts: PlaygroundFlags): Promise<number> {
  const port = opts.port === undefined ? DEFAULT_PORT : opts.port === '0' ? 0 : parsePositiveInt(opts.port, '--port', 65535);
  const folder = playgroundFolder();
  if (!existsSync(join(folder, 'index.html'))) throw new UserError(`${folder}: the playground is not built; run npm run build (npm ci does) first`);
  const server = playgroundServer(folder);
  const listen = (on: number): Promise<void> => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(on, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  try {
    await listen(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    // The default port taken (another playground, say): any free one. A port asked for by name is the user's to change.
    if (opts.port !== undefined) throw new UserError(`--port ${port}: already in use; choose another (--port 0 takes any free one)`);
    await listen(0);
  }
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}/`;
  ctx.stdout.write(`deltagen playground: ${url}\n`);
  ctx.stderr.write('deltagen: serving the playground; Ctrl-C stops\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => { server.close(() => resolve()); server.closeAllConnections(); };
    if (ctx.signal) ctx.signal.addEventListener('abort', stop, { once: true });
    else process.once('SIGINT', stop);
  });
  return 0;
}
