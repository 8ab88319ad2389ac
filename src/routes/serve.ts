/**
 * Serves one internal (Chat Completions) request, whatever protocol the client spoke:
 * the client's allow-list and limits (clients/gate.ts), then the response cache when the request opts in, else dispatch over the resolved
 * candidates, each attempt prepared for its target's protocol; the request log records
 * the attempts and, once it has one, the stream's outcome. Returns the internal answer
 * (a chat.completion or OpenAI SSE) with the `x-proxy-*` headers; inbound protocols turn
 * it into their own shape. An attempt passed through in the client's own protocol (a
 * Messages request to an Anthropic provider) answers in that protocol and says so with
 * `x-proxy-passthrough`. The cache's entries are internal answers, so a request that opts
 * in to the cache is not passed through: its answer is stored, and a hit is translated
 * like any other.
 */
import type { Context } from "hono";
import { cachePlan, lookup, store } from "../cache/response-cache";
import { admitClient } from "../clients/gate";
import type { AppEnv } from "../env";
import type { AnswerContext, InboundProtocol, RequestFor } from "../inbound/types";
import { recordAnswer } from "../observability/request-log";
import type { ChatRequest } from "../openai/chat-request";
import { chatAttempt, type RelayFor } from "../providers/chat-attempt";
import { PASSTHROUGH_HEADER } from "../providers/relay";
import { dispatch } from "../routing/dispatch";
import { estimateInputTokens } from "../routing/estimate-tokens";
import { resolveModel } from "../routing/resolve-model";
import type { Protocol } from "../config/schema";
import { conversationOf, dispatchOptions, markAnswer, upstreamHeaders } from "./dispatch-options";

export interface ServeOptions {
  /** The request a target of this protocol is sent; by default `req` itself. */
  requestFor?: RequestFor<ChatRequest>;
  /** Computed already by the caller (it is the same request). */
  estimatedTokens?: number;
  /** Passes the client's own request through to the targets that take it. */
  relayFor?: RelayFor;
  /**
   * What else tells two clients' requests apart for the cache: fields of the client's own
   * protocol that the internal request leaves out but an answer may depend on or belong to
   * (the end user's id and metadata), so two end users behind one client key never share an entry.
   */
  cacheScope?: Record<string, unknown>;
}

export async function serveInternal(c: Context<AppEnv>, req: ChatRequest, opts: ServeOptions = {}): Promise<Response> {
  const log = c.get("log");
  log.requested_model = req.model ?? null;
  log.stream = req.stream === true;
  const estimatedTokens = opts.estimatedTokens ?? estimateInputTokens(req);
  const maxOutput = req.max_completion_tokens ?? req.max_tokens ?? undefined;
  const resolution = await admitClient(c, resolveModel(req.model, "chat"), estimatedTokens, maxOutput, req.model);
  const plan = await cachePlan(opts.cacheScope ? { ...req, scope: opts.cacheScope } : req, resolution, c.get("client"), c.req.header("x-proxy-cache-ttl"));
  if (plan.status === "LOOKUP") {
    const hit = await lookup(plan, req);
    if (hit) {
      log.cache = "HIT";
      log.model = hit.headers.get("x-proxy-model");
      log.provider = hit.headers.get("x-proxy-provider");
      return hit;
    }
  }
  log.cache = plan.status === "LOOKUP" ? "MISS" : "BYPASS";
  const started = Date.now();
  const attempt = chatAttempt(c.env, opts.requestFor ?? (() => req), {
    signal: c.req.raw.signal,
    promptTokens: estimatedTokens,
    headers: upstreamHeaders(c),
    maxBodyBytes: c.get("settings").maxUpstreamBodyBytes,
  // A request that opts in to the cache takes the translated path everywhere: its answer
  // is an internal one, which can be stored and replayed in any protocol.
  }, plan.status === "LOOKUP" ? undefined : opts.relayFor);
  const { output, model, attempts } = await dispatch(resolution, dispatchOptions(c, estimatedTokens, maxOutput, () => conversationOf(c, req)), attempt);
  // By the time dispatch returns a stream, its first content has arrived (stream-guard.ts).
  if (log.stream) log.ttft_ms = Date.now() - started;
  recordAnswer(log, model, output.done);
  const res = markAnswer(output.response, model, attempts);
  const relayed = res.headers.has(PASSTHROUGH_HEADER);
  if (relayed) log.cache = "BYPASS";
  res.headers.set("x-proxy-cache", log.cache);
  return plan.status === "LOOKUP" && !relayed ? store(plan, res, model.name, model.providerId, (p) => c.executionCtx.waitUntil(p)) : res;
}

/**
 * Serves a request of another inbound protocol: built for OpenAI-compatible targets at
 * once (it is also what routing estimates), and for a translating protocol when a target
 * of that kind is first tried.
 */
export async function serveBuilt(c: Context<AppEnv>, build: RequestFor<ChatRequest>, relayFor?: RelayFor, cacheScope?: Record<string, unknown>): Promise<{ res: Response; inputTokens: number }> {
  const internal = build("openai");
  const variants = new Map<Protocol, ChatRequest>([["openai", internal]]);
  const requestFor = (protocol: Protocol): ChatRequest => {
    let req = variants.get(protocol);
    if (!req) variants.set(protocol, (req = build(protocol)));
    return req;
  };
  const inputTokens = estimateInputTokens(internal);
  return { res: await serveInternal(c, internal, { requestFor, estimatedTokens: inputTokens, ...(relayFor ? { relayFor } : {}), ...(cacheScope ? { cacheScope } : {}) }), inputTokens };
}

/** The internal answer, `x-proxy-*` headers kept, in a protocol's shape; `whole` sees a whole answer before the client does. */
export async function answerAs<C extends AnswerContext>(res: Response, protocol: InboundProtocol<C>, ctx: C, whole?: (answer: unknown) => Promise<void>): Promise<Response> {
  // Already in the client's protocol: passed through as it came.
  if (res.headers.has(PASSTHROUGH_HEADER)) return res;
  const headers = new Headers(res.headers);
  if ((headers.get("content-type") ?? "").startsWith("text/event-stream") && res.body) {
    return new Response(protocol.fromStream(res.body, ctx), { status: 200, headers });
  }
  const answer = protocol.fromCompletion(await res.json(), ctx);
  await whole?.(answer);
  headers.set("content-type", "application/json");
  headers.delete("content-length");
  return new Response(JSON.stringify(answer), { status: 200, headers });
}
