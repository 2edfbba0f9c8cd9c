// The browser's stand-in for src/io/read.ts: a page has no files to read; it
// parses the text it holds (parseNetwork), never a path.
export function readBounded(file: string): string | undefined {
  throw new Error(`internal: ${file}: there are no files to read in the browser`);
}
