// Each notation is complete: a --notation question document (text, headings,
// equations, and the HTML page) holds no symbol, index or word of Nielsen's
// notation, and a Nielsen document none of the question's.
import { describe, expect, it } from 'vitest';
import { compileNetwork, renderLatex } from '../src/pipeline.ts';
import { generateHtml } from '../src/render/html.ts';
import { corpus } from './corpus.ts';

/** The math of a LaTeX document: inline $…$, displays and environments; comments dropped. */
function mathOfLatex(tex: string): string[] {
  const body = tex.split('\n').filter((l) => !l.trimStart().startsWith('%')).join('\n');
  const out: string[] = [];
  for (const m of body.matchAll(/\$([^$]+)\$|\\\[([\s\S]*?)\\\]|\\begin\{(equation|gather\*)\}([\s\S]*?)\\end\{\3\}/g)) out.push(m[1] ?? m[2] ?? m[4]!);
  return out;
}

/** The TeX KaTeX keeps beside every formula of the page. */
function mathOfHtml(html: string): string[] {
  return [...html.matchAll(/<annotation encoding="application\/x-tex">([\s\S]*?)<\/annotation>/g)].map((m) => m[1]!.replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

/** Prose: the text with the math taken out. */
function proseOfLatex(tex: string): string {
  return tex.split('\n').filter((l) => !l.trimStart().startsWith('%')).join('\n')
    .replace(/\$[^$]+\$|\\\[[\s\S]*?\\\]|\\begin\{(equation|gather\*)\}[\s\S]*?\\end\{\1\}/g, ' ');
}

/** Single-letter symbols of a formula, with commands, \operatorname{…} and \text{…} taken out. */
function letters(math: string): Set<string> {
  const plain = math.replace(/\\(operatorname|text|mathrm|mathbb|label|begin|end)\{[^}]*\}/g, ' ').replace(/\\[A-Za-z]+/g, ' ');
  return new Set(plain.match(/(?<![A-Za-z])[A-Za-z](?![A-Za-z])/g) ?? []);
}

// Nielsen: layers by number ^{(2)}, sizes n_{2}, indices j and k, target y (Y), input x.
const NIELSEN_IN_MATH = [/\^\{\(\d+\)\}/, /n_\{\d+\}/, /_\{jk\}/];
// The question: layers from the back (L-1), the starred target, indices i and j with k the iteration.
const QUESTION_IN_MATH = [/\(L-\d+\)/, /\(L\)/, /\^\*/, /_\{ij\}/];

describe('each notation is complete', () => {
  for (const { network } of corpus) {
    const c = compileNetwork(network);
    it(`${network.name}: the question's document and page use only the question's notation`, () => {
      const tex = renderLatex(c, { notation: 'question' });
      const html = generateHtml(c, { notation: 'question' });
      const math = [...mathOfLatex(tex), ...mathOfHtml(html)];
      expect(math.length).toBeGreaterThan(10);
      for (const m of math) {
        for (const p of NIELSEN_IN_MATH) expect(m, `Nielsen's ${p} in ${m}`).not.toMatch(p);
        const found = letters(m);
        for (const s of ['x', 'y', 'Y']) expect(found.has(s), `"${s}" (Nielsen's) in ${m}`).toBe(false);
        // k is the question's iteration (W(k+1), η_k), never an index.
        expect(m.replace(/\\eta_k/g, ''), `Nielsen's index k in ${m}`).not.toMatch(/_\{?[a-z]*k|\\sum_\{?k/);
      }
      for (const prose of [proseOfLatex(tex), html.replace(/<math[\s\S]*?<\/math>/g, ' ')]) {
        expect(prose).not.toMatch(/layer \$?l-1|layer \$?l\$|\bunit \$?k\b/);
      }
    });

    it(`${network.name}: Nielsen's document and page use only Nielsen's notation`, () => {
      const tex = renderLatex(c, { notation: 'nielsen' });
      const math = [...mathOfLatex(tex), ...mathOfHtml(generateHtml(c, { notation: 'nielsen' }))];
      for (const m of math) for (const p of QUESTION_IN_MATH) expect(m, `the question's ${p} in ${m}`).not.toMatch(p);
    });
  }

  it('no tool narration in any document or page', () => {
    for (const { network } of corpus) {
      const c = compileNetwork(network);
      for (const notation of ['nielsen', 'question'] as const) {
        for (const text of [proseOfLatex(renderLatex(c, { notation })), generateHtml(c, { notation }).replace(/<[^>]*>/g, ' ')]) {
          expect(text, network.name).not.toMatch(/\bCAS\b|computer algebra|the code\b|found by|deltagen (derives|finds)/i);
        }
      }
    }
  });
});
