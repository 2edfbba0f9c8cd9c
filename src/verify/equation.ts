// An optional left-hand side: `W(k+1) = …`, `W ← …`, `\frac{\partial C}{\partial W} = …`.
// It is dropped before parsing; only whether it reads as an update (k+1) matters.
import { SyntaxProblem } from './errors.ts';

export interface Equation {
  /** The right-hand side. */
  readonly rhs: string;
  /** Offset of the right-hand side in the original text. */
  readonly offset: number;
  readonly lhs?: string;
  /** The left-hand side names the next iterate, W(k+1). */
  readonly lhsIsUpdate: boolean;
}

/** Split at the one top-level `=` (not `==`, `<=`, `>=`, `!=`), if there is one. */
export function splitEquation(text: string): Equation {
  const equals: number[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
    else if (c === '=' && depth === 0) {
      const before = text[i - 1];
      const after = text[i + 1];
      if (after === '=' || before === '=' || before === '<' || before === '>' || before === '!') continue;
      equals.push(i);
    }
  }
  if (equals.length === 0) {
    // An assignment, as the derivation prints an update (W ← W − η …): the left side is the next iterate;
    // Nielsen writes it w → w − η …, the old value on the left.
    const arrow = /\\(?:leftarrow|gets|rightarrow|to|mapsto)(?![A-Za-z])|←|→|↦|:=/.exec(text);
    if (arrow) {
      const lhs = text.slice(0, arrow.index);
      if (lhs.trim() === '') throw new SyntaxProblem(`nothing before "${arrow[0]}"`, arrow.index);
      return { rhs: text.slice(arrow.index + arrow[0].length), offset: arrow.index + arrow[0].length, lhs, lhsIsUpdate: true };
    }
    return { rhs: text, offset: 0, lhsIsUpdate: false };
  }
  if (equals.length > 1) throw new SyntaxProblem('one equation at a time: a second "=" here', equals[1]!);
  const at = equals[0]!;
  const lhs = text.slice(0, at);
  if (lhs.trim() === '') throw new SyntaxProblem('nothing before "="', at);
  return { rhs: text.slice(at + 1), offset: at + 1, lhs, lhsIsUpdate: /k\s*\+\s*1/.test(lhs) };
}
