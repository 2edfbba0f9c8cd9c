// The browser's stand-in for src/package-root.ts: no package folder to find;
// the version is written in at build time.
declare const DELTAGEN_VERSION: string;

export function packageRoot(): string {
  throw new Error('internal: no package folder in the browser');
}

export function packageVersion(): string {
  return DELTAGEN_VERSION;
}
