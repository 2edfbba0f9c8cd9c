// The browser's stand-in for src/render/emit.ts: the same templates, compiled
// to JavaScript when the page is built (scripts/build.mjs), so nothing is
// compiled with Function() at run time and a Content-Security-Policy without
// 'unsafe-eval' holds.
import { templates } from 'deltagen:templates';

type TemplateName = 'latex/document' | 'latex/fragment' | 'ts/module' | 'html/page' | 'octave/module' | 'numpy/module';

export function renderTemplate(name: TemplateName, context: object): string {
  const template = templates[name];
  if (!template) throw new Error(`internal: the template ${name} is not in this build`);
  return template(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
}
