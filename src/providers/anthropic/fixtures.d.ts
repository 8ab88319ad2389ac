/**
 * The unit tests read the golden Anthropic streams as text through the bundler's `?raw`
 * imports, which TypeScript cannot resolve on its own. Declared per file, not as a
 * `*.sse?raw` wildcard, so no other module's declaration of the same pattern can clash.
 */
declare module "*/fixtures/anthropic/stream-text.sse?raw" {
  const text: string;
  export default text;
}
declare module "*/fixtures/anthropic/stream-tool-use.sse?raw" {
  const text: string;
  export default text;
}
declare module "*/fixtures/anthropic/stream-error.sse?raw" {
  const text: string;
  export default text;
}
