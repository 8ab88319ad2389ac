/**
 * Real SDK clients (openai, @anthropic-ai/sdk) pointed at the Worker under test: requests go through
 * `exports.default.fetch`, i.e. the real Worker entry in workerd, with no network hop.
 */
import Anthropic from "@anthropic-ai/sdk";
import { exports } from "cloudflare:workers";
import OpenAI from "openai";
import { type CheckedStream, checkMessagesStream } from "./anthropic-grammar";
import { BASE, KEY } from "./helpers";

export function openaiClient(opts: { key?: string; maxRetries?: number } = {}): OpenAI {
  return new OpenAI({
    apiKey: opts.key ?? KEY,
    baseURL: `${BASE}/v1`,
    maxRetries: opts.maxRetries ?? 0,
    fetch: (input, init) => exports.default.fetch(new Request(input as RequestInfo, init as RequestInit)),
  });
}

/**
 * The official Anthropic SDK against the Worker. Every event stream it receives is also
 * checked against Anthropic's documented grammar (anthropic-grammar.ts): `checked()`
 * waits for those checks and fails on the first violation.
 */
export function anthropicClient(opts: { key?: string; maxRetries?: number; bearer?: boolean } = {}) {
  const checks: Array<Promise<CheckedStream>> = [];
  const client = new Anthropic({
    ...(opts.bearer ? { authToken: opts.key ?? KEY, apiKey: null } : { apiKey: opts.key ?? KEY }),
    baseURL: BASE,
    maxRetries: opts.maxRetries ?? 0,
    fetch: async (input, init) => {
      const res = await exports.default.fetch(new Request(input as RequestInfo, init as RequestInit));
      if (!res.body || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) return res;
      const [forClient, forCheck] = res.body.tee();
      checks.push(new Response(forCheck).text().then(checkMessagesStream));
      return new Response(forClient, res);
    },
  });
  return { client, checked: () => Promise.all(checks.splice(0)) };
}
