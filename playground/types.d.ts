// What the page's build gives a .yaml import: the file's text.
declare module '*.yaml' {
  const text: string;
  export default text;
}

// The training worker's script, bundled as text into the page's (scripts/build-playground.mjs).
declare module 'deltagen:worker' {
  const source: string;
  export default source;
}
