// deltagen playground: a static server for dist/playground on 127.0.0.1 that
// prints its address, serves only that folder (with the page's policy as a
// header) and stops on Ctrl-C (here: the abort signal) with exit 0.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { PLAYGROUND_CSP } from '../src/cli/playground.ts';
import { capture, deltagen } from './helpers.ts';

describe('deltagen playground', () => {
  it('serves the page and its assets, nothing outside the folder, and stops on Ctrl-C', async () => {
    const stdout = capture();
    const stderr = capture();
    const stop = new AbortController();
    const running = main(['playground', '--port', '0'], { stdout, stderr, stdin: Readable.from([]), signal: stop.signal });
    let url: string | undefined;
    for (let i = 0; i < 100 && !url; i++) {
      url = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout.text)?.[0];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    try {
      expect(url, stderr.text).toBeDefined();
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.headers.get('content-security-policy')).toBe(PLAYGROUND_CSP);
      expect(PLAYGROUND_CSP).not.toMatch(/unsafe-eval/);
      const html = await page.text();
      expect(html).toContain('app.js');
      expect((await fetch(new URL('app.js', url))).status).toBe(200);
      expect((await fetch(new URL('katex.min.css', url))).status).toBe(200);
      for (const outside of ['../package.json', '%2e%2e/package.json', '..%2fpackage.json', 'nothing-here.js']) {
        expect((await fetch(`${url}${outside}`)).status, outside).toBe(404);
      }
      expect((await fetch(url!, { method: 'POST' })).status).toBe(405);
    } finally {
      stop.abort();
    }
    expect(await running).toBe(0);
  }, 30_000);

  it('a port that is not a number is refused, exit 2', async () => {
    const r = await deltagen(['playground', '--port', 'http']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port/);
  });
});

describe('deltagen playground without --port', () => {
  it('takes 8177, or any free port when 8177 is taken; a port asked for by name and taken is exit 2', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    const taken = await new Promise<boolean>((resolve) => { blocker.once('error', () => resolve(false)); blocker.listen(8177, '127.0.0.1', () => resolve(true)); });
    try {
      const stdout = capture();
      const stop = new AbortController();
      const running = main(['playground'], { stdout, stderr: capture(), stdin: Readable.from([]), signal: stop.signal });
      let url: string | undefined;
      for (let i = 0; i < 100 && !url; i++) {
        url = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout.text)?.[0];
        if (!url) await new Promise((r) => setTimeout(r, 50));
      }
      expect(url).toBeDefined();
      // 8177 is held here (by this test or by another program): the server took another port.
      expect(url).not.toBe('http://127.0.0.1:8177/');
      expect((await fetch(url!)).status).toBe(200);
      stop.abort();
      expect(await running).toBe(0);
      const named = await deltagen(['playground', '--port', '8177']);
      expect(named.code).toBe(2);
      expect(named.stderr).toMatch(/--port 8177: already in use/);
    } finally {
      if (taken) blocker.close();
    }
  }, 30_000);
});
