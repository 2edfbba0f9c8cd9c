import question from '../examples/question.yaml';
import { derive, derivation, parse } from '../src/browser.ts';
const doc = derivation(derive(parse(question)));
document.body.textContent = doc.equations.map((e) => e.tex).join('\n');
