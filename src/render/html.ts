// The derivation as a web page: the same equations as the LaTeX, rendered by
// KaTeX to MathML (which browsers display without fonts or scripts).
import { createRequire } from 'node:module';
import type katexModule from 'katex';
import type { Compiled } from '../pipeline.ts';
import { renderTemplate } from './emit.ts';
import { derivationDocument, type DerivationDocument, type DisplayEquation, type LatexOptions } from './latex.ts';

// KaTeX is loaded the first time a page is rendered, not by every command that imports this module.
let katexLoaded: typeof katexModule | undefined;
const katex = (): typeof katexModule => (katexLoaded ??= createRequire(import.meta.url)('katex') as typeof katexModule);

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One display equation; throws (a bug of ours) if KaTeX cannot read it. */
export function renderDisplay(tex: string): string {
  return katex().renderToString(tex, { displayMode: true, output: 'mathml', throwOnError: true, strict: 'ignore' });
}

/** Prose with $…$ inline math. */
function renderProse(text: string): string {
  return text.split(/(\$[^$]+\$)/).map((part) =>
    part.startsWith('$') && part.endsWith('$') && part.length > 1
      ? katex().renderToString(part.slice(1, -1), { output: 'mathml', throwOnError: true, strict: 'ignore' })
      : escapeHtml(part)).join('');
}

const display = (e: DisplayEquation): string => renderDisplay(e.tex);

export function generateHtml(c: Compiled, options: Partial<LatexOptions> = {}): string {
  return htmlOf(derivationDocument(c, options));
}

/** The web page of an already built document. */
export function htmlOf(doc: DerivationDocument): string {
  return renderTemplate('html/page', {
    name: escapeHtml(doc.name),
    summary: escapeHtml(doc.summary),
    layers: doc.layers.map((l) => ({ ...l, layer: renderProse(`$${l.layer}$`), activation: renderProse(`$${l.activation}$`), activationName: escapeHtml(l.activationName) })),
    shapes: renderDisplay(`\\begin{gathered}${doc.shapes.join(' \\\\ ')}\\end{gathered}`),
    forward: doc.forward.map(display),
    loss: { title: escapeHtml(doc.loss.title), equation: display(doc.loss.equation), gradient: renderDisplay(doc.loss.gradient) },
    activations: doc.activations.map((a) => ({ equation: renderDisplay(`${a.definition}, \\qquad ${a.derivative}`), notes: a.notes.map(renderProse) })),
    steps: doc.steps ? doc.steps.map((s) => ({ number: s.number, rule: escapeHtml(s.rule), why: renderProse(s.why), equation: display(s.equation) })) : false,
    gradients: doc.gradients ? doc.gradients.map(display) : false,
    batch: { shapes: renderProse(`$${doc.batch.shapes}$`), equations: doc.batch.equations.map(display) },
    expanded: doc.expanded ? { loss: renderDisplay(doc.expanded.loss), derivatives: doc.expanded.derivatives.map(display) } : false,
    expandLimit: doc.expandLimit,
    update: { eta: renderProse(`$${doc.update.eta}$`), equation: display(doc.update.equation), optimizer: doc.update.optimizer && { intro: renderProse(doc.update.optimizer.intro), after: renderProse(doc.update.optimizer.after) } },
  });
}
