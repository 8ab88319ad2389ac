/**
 * The one error hierarchy. Every failure the proxy reports is a ProxyError carrying its
 * HTTP status and OpenAI `type`/`code`/`param`; `errorBody` is the only place that turns
 * one into the OpenAI wire shape. Upstream errors also say whether trying again (the same
 * model later, or another model) may succeed, which is what routing acts on. One module
 * per concern: the root and its wire shape, the client's and the proxy's own errors, the
 * upstream's.
 */
export { errorBody, type OpenAIErrorBody, ProxyError } from "./proxy-error";
export * from "./client";
export * from "./upstream";
