// The committed HTML pages as a reader sees them: every generated/*.html is
// opened from disk in headless Chromium at 1200 px and 400 px wide, offline
// (any request that is not file: or data: fails the test), and checked through
// the DOM: KaTeX rendered without errors, no equation clipped (each one fits or
// scrolls on its own, and the page never scrolls sideways), every equation
// number shown and matching its anchor, and ℝ set in KaTeX's AMS font, which
// the page really loaded. The run also writes screenshots of the question and
// iris pages to docs/.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// HTML_BROWSER_DIR checks other pages (no screenshots are written then).
const generated = process.env.HTML_BROWSER_DIR ?? join(root, 'generated');
const writeScreenshots = !process.env.HTML_BROWSER_DIR;
const pages = readdirSync(generated).filter((f) => f.endsWith('.html')).sort();
const widths = [1200, 400] as const;
const screenshots = new Set(['question.html', 'iris.html']);

// Debian's Chromium; CHROMIUM_PATH overrides. Outside CI a missing browser skips
// this file with a message; under CI it fails.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = existsSync(executablePath);
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
if (!haveBrowser && !inCi) {
  console.warn(`test/html-browser: skipped, no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

/** A box that may scroll or clip: its content's size, its own, and its overflow. */
interface Box { index: number; scrollWidth: number; clientWidth: number; scrollHeight: number; clientHeight: number; overflowX: string; overflowY: string; left: number; right: number; text: string }

/** What the page reports about itself at one width. */
interface Measured {
  errors: string[];
  innerWidth: number;
  pageScrollWidth: number;
  displays: Box[];
  wrappers: Box[];
  numbers: { id: string; href: string; text: string; visible: boolean; left: number; right: number; eqTop: number; eqBottom: number; numTop: number; numBottom: number }[];
  reals: { fontFamily: string; text: string }[];
  amsFaces: string[];
  amsCheck: boolean;
}

function measure(): Measured {
  const rect = (e: Element) => e.getBoundingClientRect();
  const box = (e: Element, index: number) => {
    const r = rect(e);
    const s = getComputedStyle(e);
    return {
      index,
      scrollWidth: e.scrollWidth,
      clientWidth: e.clientWidth,
      scrollHeight: e.scrollHeight,
      clientHeight: e.clientHeight,
      overflowX: s.overflowX,
      overflowY: s.overflowY,
      left: r.left,
      right: r.right,
      text: (e.querySelector('annotation')?.textContent ?? '').slice(0, 80),
    };
  };
  const displays = [...document.querySelectorAll('.katex-display')].map(box);
  // The page's equation wrapper (templates/html/page.hbs): div.eq > div.math (scrolls) + a.num.
  const wrappers = [...document.querySelectorAll('div.eq > div.math')].map(box);
  const numbers = [...document.querySelectorAll('div.eq')].map((eq) => {
    const a = eq.querySelector('a.num');
    const r = a ? rect(a) : undefined;
    const s = a ? getComputedStyle(a) : undefined;
    const er = rect(eq);
    return {
      id: eq.id,
      href: a?.getAttribute('href') ?? '',
      text: a?.textContent ?? '',
      visible: !!r && !!s && r.width > 0 && r.height > 0 && s.visibility === 'visible' && s.display !== 'none' && Number(s.opacity) > 0,
      left: r?.left ?? 0,
      right: r?.right ?? 0,
      eqTop: er.top,
      eqBottom: er.bottom,
      numTop: r?.top ?? 0,
      numBottom: r?.bottom ?? 0,
    };
  });
  const reals = [...document.querySelectorAll('.katex-html .mathbb')].map((e) => ({ fontFamily: getComputedStyle(e).fontFamily, text: e.textContent ?? '' }));
  const amsFaces = [...document.fonts].filter((f) => f.family.replace(/["']/g, '') === 'KaTeX_AMS').map((f) => f.status);
  return {
    errors: [...document.querySelectorAll('.katex-error')].map((e) => e.textContent ?? ''),
    innerWidth: window.innerWidth,
    pageScrollWidth: document.documentElement.scrollWidth,
    displays,
    wrappers,
    numbers,
    reals,
    amsFaces,
    amsCheck: document.fonts.check('1em KaTeX_AMS'),
  };
}

describe.skipIf(!haveBrowser && !inCi)('the HTML pages in headless Chromium', () => {
  let browser: Browser;
  const tabs = new Map<number, Page>();
  const offline: string[] = [];

  beforeAll(async () => {
    if (!existsSync(executablePath)) throw new Error(`CI is set but there is no Chromium at ${executablePath}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
    browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    // One tab per width, reused for every page.
    for (const width of widths) {
      const tab = await browser.newPage();
      await tab.setViewport({ width, height: 900, deviceScaleFactor: 1 });
      await tab.setRequestInterception(true);
      tab.on('request', (request) => {
        const url = request.url();
        if (url.startsWith('file:') || url.startsWith('data:')) void request.continue();
        else {
          offline.push(url);
          void request.abort();
        }
      });
      tabs.set(width, tab);
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('finds the pages', () => {
    expect(pages.length).toBeGreaterThan(0);
    if (writeScreenshots) expect(pages).toEqual(expect.arrayContaining([...screenshots]));
  });

  for (const file of pages) {
    for (const width of widths) {
      it(`${file} at ${width} px: no KaTeX error, nothing clipped, numbers shown, ℝ double-struck, offline`, async () => {
        const tab = tabs.get(width)!;
        const before = offline.length;
        await tab.goto(pathToFileURL(join(generated, file)).href, { waitUntil: 'load' });
        await tab.evaluate(() => document.fonts.ready.then(() => undefined));
        const m = await tab.evaluate(measure);
        expect(offline.slice(before), 'requests that are not file: or data:').toEqual([]);

        // (a) KaTeX rendered everything.
        expect(m.errors).toEqual([]);

        // (b) Nothing clipped: the page does not scroll sideways; every display
        // equation and equation wrapper lies inside the viewport; one wider than
        // its box scrolls sideways; and none is cut at the top or bottom (a box
        // that scrolls sideways hides what sticks out vertically, as KaTeX's
        // fraction feet do past its margin-less box, so that must be nothing).
        expect(m.innerWidth).toBe(width);
        expect(m.pageScrollWidth, 'page width').toBeLessThanOrEqual(m.innerWidth + 1);
        expect(m.displays.length).toBeGreaterThan(0);
        expect(m.wrappers.length).toBe(m.numbers.length);
        for (const [kind, boxes] of [['display', m.displays], ['equation wrapper', m.wrappers]] as const) {
          for (const d of boxes) {
            const what = `${kind} ${d.index} (${d.text})`;
            const fits = d.scrollWidth <= d.clientWidth + 1;
            const scrolls = d.overflowX === 'auto' || d.overflowX === 'scroll';
            expect(fits || scrolls, `${what}: ${d.scrollWidth} px wide in ${d.clientWidth} px, overflow-x ${d.overflowX}`).toBe(true);
            if (d.overflowY !== 'visible') expect(d.scrollHeight, `${what}: ${d.scrollHeight} px high in ${d.clientHeight} px, overflow-y ${d.overflowY}`).toBeLessThanOrEqual(d.clientHeight + 1);
            expect(d.left, `${what}: left edge`).toBeGreaterThanOrEqual(-1);
            expect(d.right, `${what}: right edge`).toBeLessThanOrEqual(m.innerWidth + 1);
          }
        }

        // (c) Every numbered equation shows its number (1), (2), … in order,
        // inside the viewport, beside its equation, linking to its own anchor.
        expect(m.numbers.length).toBeGreaterThan(0);
        m.numbers.forEach((n, i) => {
          expect(n.id, `equation ${i + 1} anchor`).toMatch(/^eq:/);
          expect(n.text).toBe(`(${i + 1})`);
          expect(n.href).toBe(`#${n.id}`);
          expect(n.visible, `number (${i + 1}) visible`).toBe(true);
          expect(n.left).toBeGreaterThanOrEqual(0);
          expect(n.right, `number (${i + 1}) right edge`).toBeLessThanOrEqual(m.innerWidth + 1);
          expect(n.numTop).toBeGreaterThanOrEqual(n.eqTop - 1);
          expect(n.numBottom).toBeLessThanOrEqual(n.eqBottom + 1);
        });
        expect(new Set(m.numbers.map((n) => n.id)).size).toBe(m.numbers.length);

        // (d) ℝ is set in KaTeX_AMS, and the page's KaTeX_AMS face loaded.
        const reals = m.reals.filter((r) => r.text === 'R');
        expect(reals.length).toBeGreaterThan(0);
        for (const r of reals) expect(r.fontFamily).toMatch(/KaTeX_AMS/);
        expect(m.amsFaces).toContain('loaded');
        expect(m.amsCheck).toBe(true);

        if (writeScreenshots && screenshots.has(file)) {
          await tab.screenshot({ path: join(root, 'docs', `${file.replace(/\.html$/, '')}-page-${width}.png`), fullPage: true });
        }
      });
    }
  }
});
