/**
 * Real SDK clients (openai, @anthropic-ai/sdk, the AI SDK's OpenAI provider) pointed at the Worker
 * under test: requests go through `exports.default.fetch`, i.e. the real Worker entry in workerd,
 * with no network hop.
 */
import Anthropic from "@anthropic-ai/sdk";
import { createOpenAI } from "@ai-sdk/openai";
import { exports } from "cloudflare:workers";
import OpenAI from "openai";
import { type CheckedStream, checkMessagesStream } from "./anthropic-grammar";
import { type CheckedResponsesStream, checkResponsesStream } from "./responses-grammar";
import { BASE, KEY } from "./helpers";
import type { WorkerFetch } from "./settled-fetch";

const worker: WorkerFetch = (req) => exports.default.fetch(req);

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
export function anthropicClient(opts: { key?: string; maxRetries?: number; bearer?: boolean; via?: WorkerFetch } = {}) {
  const via = opts.via ?? worker;
  const checks: Array<Promise<CheckedStream>> = [];
  const client = new Anthropic({
    ...(opts.bearer ? { authToken: opts.key ?? KEY, apiKey: null } : { apiKey: opts.key ?? KEY }),
    baseURL: BASE,
    maxRetries: opts.maxRetries ?? 0,
    fetch: async (input, init) => {
      const res = await via(new Request(input as RequestInfo, init as RequestInit));
      if (!res.body || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) return res;
      const [forClient, forCheck] = res.body.tee();
      checks.push(new Response(forCheck).text().then(checkMessagesStream));
      return new Response(forClient, res);
    },
  });
  return { client, checked: () => Promise.all(checks.splice(0)) };
}

/**
 * The Worker's fetch for clients of the Responses API: every event stream it answers is
 * also checked against the documented event sequence (responses-grammar.ts); `checked()`
 * waits for those checks and fails on the first violation.
 */
function responsesFetch(via: WorkerFetch = worker) {
  const checks: Array<Promise<CheckedResponsesStream>> = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const res = await via(new Request(input as RequestInfo, init));
    if (!res.body || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) return res;
    const [forClient, forCheck] = res.body.tee();
    checks.push(new Response(forCheck).text().then(checkResponsesStream));
    return new Response(forClient, res);
  };
  return { fetch, checked: () => Promise.all(checks.splice(0)) };
}

/** The openai SDK for `client.responses.*`, its streams checked. */
export function responsesClient(opts: { key?: string; via?: WorkerFetch } = {}) {
  const { fetch, checked } = responsesFetch(opts.via);
  const client = new OpenAI({ apiKey: opts.key ?? KEY, baseURL: `${BASE}/v1`, maxRetries: 0, fetch });
  return { client, checked };
}

/** The AI SDK's default OpenAI provider (`openai("SMALL")` calls /v1/responses), its streams checked. */
export function aiSdkOpenAI() {
  const { fetch, checked } = responsesFetch();
  return { openai: createOpenAI({ baseURL: `${BASE}/v1`, apiKey: KEY, fetch }), checked };
}
