// Tokens of the LaTeX subset, each with its position. Spacing commands and the
// delimiter sizes (\left, \right, \big) carry no meaning here and are dropped;
// a few Unicode symbols people paste (−, ·, ⊙, ᵀ, σ) become their commands.
import { SyntaxProblem } from './errors.ts';

export type Token =
  | { readonly kind: 'num'; readonly value: number; readonly text: string; readonly pos: number }
  /** Letters, optionally followed by digits: `a`, `aw`, `W2`, `sigmoid`. */
  | { readonly kind: 'word'; readonly text: string; readonly pos: number }
  | { readonly kind: 'cmd'; readonly name: string; readonly pos: number }
  | { readonly kind: 'sym'; readonly text: string; readonly pos: number }
  | { readonly kind: 'eof'; readonly pos: number };

const DROPPED = new Set(['left', 'right', 'big', 'Big', 'bigg', 'Bigg', 'bigl', 'bigr', 'Bigl', 'Bigr', 'biggl', 'biggr', 'Biggl', 'Biggr',
  'quad', 'qquad', 'displaystyle', 'textstyle', 'limits', 'nolimits', 'mathstrut']);

const UNICODE = new Map<string, ['cmd' | 'sym', string]>([
  ['−', ['sym', '-']], ['–', ['sym', '-']], ['·', ['cmd', 'cdot']], ['⋅', ['cmd', 'cdot']], ['×', ['cmd', 'times']],
  ['⊙', ['cmd', 'odot']], ['∘', ['cmd', 'circ']], ['σ', ['cmd', 'sigma']], ['δ', ['cmd', 'delta']], ['η', ['cmd', 'eta']],
  ['′', ['sym', "'"]], ['∑', ['cmd', 'sum']], ['∂', ['cmd', 'partial']], ['⊤', ['cmd', 'top']],
  ['∇', ['cmd', 'nabla']], ['⊘', ['cmd', 'oslash']], ['α', ['cmd', 'alpha']], ['ε', ['cmd', 'epsilon']], ['ϵ', ['cmd', 'epsilon']], ['≥', ['cmd', 'geq']], ['≤', ['cmd', 'leq']], ['∗', ['cmd', 'ast']],
]);

const SYMBOLS = new Set(['+', '-', '*', '/', '^', '_', '{', '}', '(', ')', '[', ']', ',', '=', "'", '&', '|', '!', '.', ':', ';', '<', '>']);

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) throw new SyntaxProblem('a lone backslash', i);
      if (next === '\\') { out.push({ kind: 'sym', text: '\\\\', pos: i }); i += 2; continue; }
      if (/[,;:! ]/.test(next)) { i += 2; continue; } // thin, medium, thick, negative and normal spaces
      if (next === '{' || next === '}') { out.push({ kind: 'sym', text: next, pos: i }); i += 2; continue; } // \{ z > 0 \}: an Iverson bracket
      if (!/[A-Za-z]/.test(next)) throw new SyntaxProblem(`"\\${next}" is not part of the notation`, i);
      let j = i + 1;
      while (j < text.length && /[A-Za-z]/.test(text[j]!)) j++;
      const name = text.slice(i + 1, j);
      if (!DROPPED.has(name)) out.push({ kind: 'cmd', name, pos: i });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(\d*\.?\d+|\d+\.)/.exec(text.slice(i, i + 40))!;
      out.push({ kind: 'num', value: Number(m[0]), text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      const m = /^[A-Za-z]+\d*/.exec(text.slice(i, i + 64))!;
      out.push({ kind: 'word', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const u = UNICODE.get(c);
    if (u) {
      out.push(u[0] === 'cmd' ? { kind: 'cmd', name: u[1], pos: i } : { kind: 'sym', text: u[1], pos: i });
      i++;
      continue;
    }
    if (c === 'ᵀ') {
      out.push({ kind: 'sym', text: '^', pos: i }, { kind: 'cmd', name: 'top', pos: i });
      i++;
      continue;
    }
    if (SYMBOLS.has(c)) { out.push({ kind: 'sym', text: c, pos: i }); i++; continue; }
    throw new SyntaxProblem(`unexpected character "${c}"`, i);
  }
  out.push({ kind: 'eof', pos: text.length });
  return out;
}
