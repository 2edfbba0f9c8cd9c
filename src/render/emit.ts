// The only module that talks to Handlebars. Templates come from the package's
// own templates/ folder, are compiled strict (a missing field is an error) and
// without HTML escaping (we emit code and LaTeX, not HTML).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../package-root.ts';
const compiled = new Map<string, Handlebars.TemplateDelegate>();
const hb = Handlebars.create();

/** Render templates/<name>.hbs with a context of already-printed strings. */
export function renderTemplate(name: 'latex/document' | 'latex/fragment' | 'ts/module' | 'html/page' | 'octave/module' | 'numpy/module', context: object): string {
  let template = compiled.get(name);
  if (!template) {
    const source = readFileSync(join(packageRoot(), 'templates', `${name}.hbs`), 'utf8');
    template = hb.compile(source, { noEscape: true, strict: true, knownHelpersOnly: true, knownHelpers: { each: true, if: true, unless: true } });
    compiled.set(name, template);
  }
  return template(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
}
