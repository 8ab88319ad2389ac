/**
 * Real SDK clients pointed at the Worker under test: requests go through
 * `exports.default.fetch`, i.e. the real Worker entry in workerd, with no network hop.
 */
import { exports } from "cloudflare:workers";
import OpenAI from "openai";
import { BASE, KEY } from "./helpers";

export function openaiClient(opts: { key?: string; maxRetries?: number } = {}): OpenAI {
  return new OpenAI({
    apiKey: opts.key ?? KEY,
    baseURL: `${BASE}/v1`,
    maxRetries: opts.maxRetries ?? 0,
    fetch: (input, init) => exports.default.fetch(new Request(input as RequestInfo, init as RequestInit)),
  });
}
