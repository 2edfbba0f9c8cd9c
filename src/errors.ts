// Error kinds decide exit codes: a user's mistake is 2, a failed check is 1,
// anything else is an internal error (a bug of ours) and says so.

/** Bad input or usage: exit 2, one line, no stack trace. */
export class UserError extends Error {
  readonly exitCode = 2;
  /**
   * A value quoted from the input may hold line breaks (a name, a path, a source label): they are
   * shown escaped, so the message stays one line. `lines` keeps a layout of several lines made
   * on purpose (a formula with a caret under the position).
   */
  constructor(message: string, lines = false) {
    super(lines ? message : oneLine(message));
    this.name = 'UserError';
  }
}

/** Control characters and line separators escaped as in JSON: \n, \t, \u001b, \u2028. */
function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A check or verification that ran and found a disagreement: exit 1. */
export class CheckFailure extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailure';
  }
}

/** "layers[1].activation" from ["layers", 1, "activation"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    // A key that is not a plain name (a node named with a newline, quotes, spaces) is quoted, so a message stays one line.
    else if (!/^[A-Za-z_$][\w$-]*$/.test(String(p))) out += `[${JSON.stringify(String(p))}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}
