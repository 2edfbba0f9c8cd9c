// The precompiled templates, a module the page's build writes (scripts/build.mjs).
declare module 'deltagen:templates' {
  export const templates: Readonly<Record<string, ((context: object, options: object) => string) | undefined>>;
}
