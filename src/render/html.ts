// The derivation as a web page: the same equations as the LaTeX, rendered by
// KaTeX to HTML (with its fonts inlined, so the page works offline) and MathML
// (for screen readers), numbered and anchored like the PDF.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type katexModule from 'katex';
import type { Compiled } from '../pipeline.ts';
import { renderTemplate } from './emit.ts';
import { derivationDocument, PART_TITLES, type DerivationDocument, type DisplayEquation, type LatexOptions } from './latex.ts';

// KaTeX is loaded the first time a page is rendered, not by every command that imports this module.
let katexLoaded: typeof katexModule | undefined;
const katex = (): typeof katexModule => (katexLoaded ??= createRequire(import.meta.url)('katex') as typeof katexModule);

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One display equation; throws (a bug of ours) if KaTeX cannot read it. */
export function renderDisplay(tex: string): string {
  return katex().renderToString(tex, { displayMode: true, output: 'htmlAndMathml', throwOnError: true, strict: 'ignore' });
}

/**
 * Which KaTeX font files a rendered page needs, from the classes KaTeX put in
 * it: every page uses Main-Regular; the rest only where they appear, so a page
 * carries a few of the twenty fonts.
 */
const FONT_USES: readonly (readonly [RegExp, string])[] = [
  [/katex/, 'Main-Regular'],
  [/\bmathnormal\b/, 'Math-Italic'],
  [/\b(amsrm|mathbb)\b/, 'AMS-Regular'],
  [/\b(mathbf|boldsymbol)\b/, 'Main-Bold'],
  [/\b(mathit|textit)\b/, 'Main-Italic'],
  [/\bsize1\b|small-op/, 'Size1-Regular'],
  [/\bsize2\b|large-op/, 'Size2-Regular'],
  [/\bsize3\b/, 'Size3-Regular'],
  [/\bsize4\b|delimsizing mult/, 'Size4-Regular'],
];

/**
 * KaTeX's style sheet with the fonts the page uses inlined as data: URLs, so
 * the page shows ℝ double-struck and the bold 1 bold offline, without a CDN or
 * files beside it; the other fonts' rules are left out.
 */
function katexStyle(page: string): string {
  const dist = dirname(createRequire(import.meta.url).resolve('katex'));
  const used = new Set(FONT_USES.filter(([re]) => re.test(page)).map(([, font]) => font));
  return readFileSync(join(dist, 'katex.min.css'), 'utf8').replace(/@font-face\{[^}]*\}/g, (rule) => {
    const font = /fonts\/KaTeX_([A-Za-z0-9]+-[A-Za-z]+)\.woff2/.exec(rule)?.[1];
    if (!font || !used.has(font)) return '';
    const data = readFileSync(join(dist, 'fonts', `KaTeX_${font}.woff2`)).toString('base64');
    return rule.replace(/src:[^}]*/, `src:url(data:font/woff2;base64,${data}) format("woff2")`);
  });
}

/** Prose with $…$ inline math. */
function renderProse(text: string): string {
  return text.split(/(\$[^$]+\$)/).map((part) =>
    part.startsWith('$') && part.endsWith('$') && part.length > 1
      ? katex().renderToString(part.slice(1, -1), { output: 'htmlAndMathml', throwOnError: true, strict: 'ignore' })
      : escapeHtml(part)).join('');
}

/**
 * A numbered display equation with an anchor named by its LaTeX label, numbered
 * in the order the LaTeX document numbers its equations, so "(7)" and
 * #eq:xor:delta-rec mean the same equation on the page and in the PDF.
 */
function numbering(): (e: DisplayEquation) => string {
  let count = 0;
  return (e) => {
    const id = /\\label\{([^}]*)\}/.exec(e.label)?.[1] ?? '';
    count++;
    return `<div class="eq" id="${escapeHtml(id)}"><div class="math">${renderDisplay(e.tex)}</div><a class="num" href="#${escapeHtml(id)}">(${count})</a></div>`;
  };
}

export function generateHtml(c: Compiled, options: Partial<LatexOptions> = {}): string {
  return htmlOf(derivationDocument(c, options));
}

/** The web page of an already built document. */
export function htmlOf(doc: DerivationDocument): string {
  const display = numbering();
  // Evaluated in the LaTeX template's order: the numbers must follow it.
  const equations = doc.equations.map(display);
  const forward = doc.forward.map(display);
  const loss = { title: escapeHtml(doc.loss.title), equation: display(doc.loss.equation), gradient: renderDisplay(doc.loss.gradient) };
  const steps = doc.steps ? doc.steps.map((s) => ({ number: s.number, rule: escapeHtml(s.rule), why: renderProse(s.why), intro: s.intro ? renderProse(s.intro) : '', equation: display(s.equation) })) : false;
  const gradients = doc.gradients ? doc.gradients.map(display) : false;
  const batch = { shapes: renderProse(`$${doc.batch.shapes}$`), equations: doc.batch.equations.map(display) };
  const expanded = doc.expanded ? { loss: renderDisplay(doc.expanded.loss), derivatives: doc.expanded.derivatives.map(display) } : false;
  const update = { eta: renderProse(`$${doc.update.eta}$`), equation: display(doc.update.equation), optimizer: doc.update.optimizer && { intro: renderProse(doc.update.optimizer.intro), after: renderProse(doc.update.optimizer.after) } };
  const page = renderTemplate('html/page', {
    name: escapeHtml(doc.name),
    summary: escapeHtml(doc.summary),
    titles: PART_TITLES,
    conventions: renderProse(doc.conventions),
    deltaDefinition: renderProse(`$${doc.deltaDefinition}$`),
    updateRef: `#eq:${escapeHtml(doc.labelPrefix)}:update`,
    equations,
    nodes: doc.nodes?.map((n) => ({ ...n, name: renderProse(n.name), kind: escapeHtml(n.kind), reads: renderProse(n.reads), activation: renderProse(n.activation) })),
    layers: doc.layers.map((l) => ({ ...l, layer: renderProse(`$${l.layer}$`), activation: renderProse(`$${l.activation}$`), activationName: escapeHtml(l.activationName) })),
    shapes: renderDisplay(`\\begin{gathered}${doc.shapes.join(' \\\\ ')}\\end{gathered}`),
    weightConvention: renderProse(doc.weightConvention),
    forward,
    loss,
    activations: doc.activations.map((a) => ({ definition: a.definition ? renderDisplay(a.definition) : '', derivative: renderDisplay(a.derivative), notes: a.notes.map(renderProse) })),
    steps,
    gradients,
    batch,
    expanded,
    expandedOmitted: escapeHtml(doc.expandedOmitted),
    expandLimit: doc.expandLimit,
    update,
  });
  return page.replace('/* katex */', () => katexStyle(page));
}
