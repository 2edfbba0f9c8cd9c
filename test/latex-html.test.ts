// The page matches the PDF: the same equations, numbered in the same order and
// anchored by their LaTeX labels; KaTeX's HTML with the fonts it needs inlined
// (offline, ℝ double-struck); a viewport for phones; each equation scrolls on
// its own rather than being clipped.
import { describe, expect, it } from 'vitest';
import { compileNetwork, renderLatex } from '../src/pipeline.ts';
import { generateHtml } from '../src/render/html.ts';
import { corpus } from './corpus.ts';

describe('the HTML page', () => {
  for (const { network } of corpus) {
    for (const notation of ['nielsen', 'question'] as const) {
      it(`${network.name} (${notation}): numbers and anchors as in the PDF, fonts inlined, a viewport`, () => {
        const c = compileNetwork(network);
        const tex = renderLatex(c, { notation });
        const html = generateHtml(c, { notation });
        const labels = [...tex.matchAll(/\\begin\{equation\}[\s\S]*?\\label\{([^}]*)\}[\s\S]*?\\end\{equation\}/g)].map((m) => m[1]);
        const anchors = [...html.matchAll(/<div class="eq" id="([^"]*)">[\s\S]*?<a class="num" href="#\1">\((\d+)\)<\/a><\/div>/g)];
        expect(anchors.map((m) => m[1])).toEqual(labels);
        expect(anchors.map((m) => Number(m[2]))).toEqual(labels.map((_, i) => i + 1));
        expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
        // Offline: no font is fetched, each font the page uses is a data: URL.
        expect(html).not.toMatch(/url\((?!data:)/);
        expect(html).toMatch(/font-family:KaTeX_Main;[^}]*src:url\(data:font\/woff2;base64,/);
        // ℝ is set in the AMS font, and that font is on the page.
        expect(html).toMatch(/class="mord mathbb">R</);
        expect(html).toMatch(/font-family:KaTeX_AMS;[^}]*src:url\(data:font\/woff2;base64,/);
        expect(html).toContain('.eq .math { flex: 1; min-width: 0; overflow-x: auto; }');
      });
    }
  }
});
