// Two ways a formula can fail before any number is compared: it cannot be read
// (a FormulaError: exit 2, with the position), or it reads but its shapes do
// not fit (a ShapeError: the verdict is "different", with the shapes named).
import { UserError } from '../errors.ts';

/** A formula that cannot be read. `pos` is 0-based in `source`; the message shows it 1-based with a caret. */
export class FormulaError extends UserError {
  readonly position: number;
  constructor(readonly what: string, readonly flag: string, readonly source: string, pos: number) {
    const p = Math.max(0, Math.min(pos, source.length));
    super(FormulaError.format(what, flag, source, p), true);
    this.position = p + 1;
  }

  static format(what: string, flag: string, source: string, pos: number): string {
    // Show at most 60 characters around the position so long inputs stay readable.
    const from = Math.max(0, pos - 40);
    const shown = source.slice(from, from + 60).replace(/[\r\n\t]/g, ' ');
    const caret = ' '.repeat(pos - from + (from > 0 ? 1 : 0));
    return `${flag}: ${what} (at character ${pos + 1})\n  ${from > 0 ? '…' : ''}${shown}\n  ${caret}^`;
  }
}

/** Shapes that do not fit: a product of 2×3 by 2×1, an index out of its range. */
export class ShapeError extends Error {
  constructor(message: string, readonly pos: number) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** Raised by a front end: the caller turns it into a FormulaError with the flag and text. */
export class SyntaxProblem extends Error {
  constructor(message: string, readonly pos: number) {
    super(message);
    this.name = 'SyntaxProblem';
  }
}

/** Run a front end on the text given with `flag`; what it cannot read becomes a FormulaError naming the flag and the position. */
export function asFormulaError<T>(flag: string, text: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof SyntaxProblem) throw new FormulaError(err.message, flag, text, err.pos);
    throw err;
  }
}
