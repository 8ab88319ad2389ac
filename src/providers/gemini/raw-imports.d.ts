/**
 * The unit tests read the golden Gemini streams as text through the bundler's `?raw`
 * suffix, which TypeScript cannot resolve by itself. One declaration per fixture rather
 * than a `*.sse?raw` wildcard, so no other module's declaration can clash with these.
 */
declare module "*/fixtures/gemini/stream-text.sse?raw" {
  const text: string;
  export default text;
}
declare module "*/fixtures/gemini/stream-function-call.sse?raw" {
  const text: string;
  export default text;
}
