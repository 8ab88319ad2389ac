/**
 * One call to one upstream chat model: apply the client policy and build the request with
 * the model's adapter, send it through the upstream reader (timeouts, the client's abort,
 * the request's deadline, bounded reads), and turn success into an OpenAI-shaped Response
 * (JSON or SSE). A request passed through (relay.ts) is sent as built and answered in
 * its own protocol, under the same timeouts, reads and checks. A 2xx that holds no answer
 * is a failure like any other. It neither retries nor picks models; routing does, from
 * the errors thrown here.
 */
import { DEFAULT_MAX_UPSTREAM_BODY_BYTES } from "../config/settings";
import { DeadlineExceededError, UpstreamBadResponseError } from "../errors";
import type { RateHeaders } from "../limits/limiter-types";
import type { ChatRequest } from "../openai/chat-request";
import { completionId, nowSeconds, type Usage } from "../openai/chat-response";
import type { AnswerOutcome } from "../routing/answer-outcome";
import { estimateTokens } from "../routing/estimate-tokens";
import { guardStream } from "../stream/stream-guard";
import { StreamTranslator } from "../stream/translate-stream";
import { applyClientPolicy } from "./client-policy";
import { checkCompletion } from "./completion-check";
import { shareClientText } from "./json-splice";
import { authorize } from "./credentials";
import { readRateHeaders } from "./rate-headers";
import { PASSTHROUGH_HEADER, type PreparedRelay } from "./relay";
import type { ChatAdapter, ResponseContext, UpstreamHttpRequest, UpstreamTarget } from "./types";
import { classifyErrorObject } from "./upstream-errors";
import { openUpstream, readBody, timeoutOf, UpstreamExchange } from "./upstream-reader";

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
/** Real providers send a stream's headers within seconds: past this, fall back long before the first-token timeout. */
export const STREAM_HEADERS_MS = 30_000;

export interface CallOptions {
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
  /** The request's estimated input tokens, for usage estimates when the upstream reports none. */
  promptTokens?: number;
  /** Added to the upstream request (trace context). */
  headers?: Record<string, string>;
  /** The request's deadline (epoch ms) and its length: the attempt in flight is bounded by it too. */
  deadline?: number;
  deadlineMs?: number;
  /** MAX_UPSTREAM_BODY_BYTES. */
  maxBodyBytes?: number;
  /** Which key of the provider's pool to send with (the quota client chose it). */
  key?: number;
}

export interface UpstreamResult {
  /** OpenAI-shaped: a chat.completion, or an SSE stream of chunks. */
  response: Response;
  /** Time until the upstream's response headers. */
  latencyMs: number;
  rate: RateHeaders | undefined;
  /** Settles once the body has reached the client, or failed to. */
  done: Promise<AnswerOutcome>;
}

function timeoutsOf(target: UpstreamTarget) {
  const { model } = target;
  const p = model.providerConfig;
  return {
    requestMs: model.timeout_ms ?? p.timeout_ms,
    headersMs: model.headers_ms ?? p.headers_ms ?? STREAM_HEADERS_MS,
    ttftMs: model.ttft_ms ?? p.ttft_ms,
    idleMs: model.idle_ms ?? p.idle_ms,
    totalMs: model.total_ms ?? p.total_ms,
  };
}

/** A whole answer's outcome; without reported usage, its output is estimated from its text like a stream's. */
function finished(usage: Usage | undefined, promptTokens: number, choices: unknown): Promise<AnswerOutcome> {
  if (usage) return Promise.resolve({ kind: "whole", estimated: false, usage });
  let chars = 0;
  for (const c of Array.isArray(choices) ? (choices as Array<{ message?: { content?: unknown; tool_calls?: unknown } }>) : []) {
    if (typeof c?.message?.content === "string") chars += c.message.content.length;
    if (Array.isArray(c?.message?.tool_calls)) chars += JSON.stringify(c.message.tool_calls).length;
  }
  const completion = estimateTokens(chars);
  return Promise.resolve({ kind: "whole", estimated: true, usage: { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion } });
}

/** A request ready to send: translated for its model, with its target resolved. */
export interface PreparedChat {
  adapter: ChatAdapter;
  req: ChatRequest;
  target: UpstreamTarget;
  spec: UpstreamHttpRequest;
}

/**
 * Translation happens before any quota is reserved: a request a model cannot express or
 * may not be sent (InvalidRequestError) or a provider missing its secret
 * (ConfigurationError) fails here without spending a slot or touching the breaker.
 */
export function prepareChat(adapter: ChatAdapter, req: ChatRequest, target: UpstreamTarget): PreparedChat {
  const allowed = applyClientPolicy(req, target.model);
  if (allowed !== req) shareClientText(allowed, req);
  return { adapter, req: allowed, target, spec: adapter.buildRequest(allowed, target) };
}

export async function sendChat(prepared: PreparedChat | PreparedRelay, opts: CallOptions = {}): Promise<UpstreamResult> {
  const { target, spec } = prepared;
  const relayed = "relay" in prepared;
  const stream = relayed ? prepared.stream : prepared.req.stream === true;
  const provider = target.model.providerId;
  const t = timeoutsOf(target);
  const ex = new UpstreamExchange({ provider, signal: opts.signal, deadline: opts.deadline, deadlineMs: opts.deadlineMs });
  if (!stream) ex.arm(t.requestMs, timeoutOf(provider, t.requestMs, "response"));
  else if (t.headersMs < Math.min(t.ttftMs, t.totalMs)) ex.arm(t.headersMs, timeoutOf(provider, t.headersMs, "response header"));
  else ex.arm(Math.min(t.ttftMs, t.totalMs), timeoutOf(provider, t.ttftMs, "first token"));
  const started = Date.now();
  try {
    const res = await openUpstream(ex, await authorize(spec, target, opts.key), opts.headers);
    const latencyMs = Date.now() - started;
    const rate = readRateHeaders(res.headers);
    const ctx: ResponseContext = {
      provider,
      id: completionId(),
      created: nowSeconds(),
      model: target.model.model,
      // An observed stream must report its usage: the tally counts it.
      includeUsage: relayed || prepared.req.stream_options?.include_usage === true,
    };
    if (!stream) {
      const { response, usage, choices } = await plainAnswer(prepared, ex, res, ctx, opts.maxBodyBytes ?? DEFAULT_MAX_UPSTREAM_BODY_BYTES);
      return { response, latencyMs, rate, done: finished(usage, opts.promptTokens ?? 0, choices) };
    }
    // From here the stream guard keeps the first-token, idle and total deadlines.
    ex.disarm();
    return { ...(await streamAnswer(prepared, ex, res, ctx, started, opts)), latencyMs, rate };
  } finally {
    ex.release();
  }
}

async function plainAnswer(prepared: PreparedChat | PreparedRelay, ex: UpstreamExchange, res: Response, ctx: ResponseContext, maxBytes: number) {
  const bytes = await readBody(ex, res, maxBytes);
  const text = new TextDecoder().decode(bytes);
  if (!text.trim()) throw new UpstreamBadResponseError(ctx.provider, "empty body");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UpstreamBadResponseError(ctx.provider, "body is not JSON");
  }
  if ("relay" in prepared) {
    const usage = prepared.relay.answerUsage(ctx.provider, json);
    return { response: new Response(bytes, { status: 200, headers: { "content-type": "application/json", [PASSTHROUGH_HEADER]: "true" } }), usage, choices: undefined };
  }
  const { adapter } = prepared;
  if (adapter.kind === "passthrough") {
    const { usage } = checkCompletion(ctx.provider, json);
    const choices = (json as { choices?: unknown }).choices;
    return { response: new Response(bytes, { status: 200, headers: { "content-type": "application/json" } }), usage, choices };
  }
  const completion = adapter.parseResponse(json, ctx);
  checkCompletion(ctx.provider, completion);
  return { response: Response.json(completion), usage: completion.usage, choices: completion.choices };
}

/** How the guard reads a stream: relayed (observed through the protocol's translator), translated, or OpenAI's own. */
function readingOf(prepared: PreparedChat | PreparedRelay, ctx: ResponseContext) {
  if ("relay" in prepared) return { relay: { observer: new StreamTranslator(prepared.relay.observer(ctx), ctx.provider), errorEvent: prepared.relay.errorEvent } };
  const { adapter } = prepared;
  return adapter.kind === "translate" ? { translator: new StreamTranslator(adapter.streamTransformer(ctx), ctx.provider) } : {};
}

async function streamAnswer(prepared: PreparedChat | PreparedRelay, ex: UpstreamExchange, res: Response, ctx: ResponseContext, started: number, opts: CallOptions) {
  const provider = ctx.provider;
  if (!res.body) throw new UpstreamBadResponseError(provider, "empty stream");
  const t = timeoutsOf(prepared.target);
  const guarded = await guardStream(res.body, {
    ...readingOf(prepared, ctx),
    provider,
    startedAt: started,
    ttftMs: t.ttftMs,
    idleMs: t.idleMs,
    totalMs: t.totalMs,
    deadline: opts.deadline === undefined ? undefined : { at: opts.deadline, error: () => new DeadlineExceededError(opts.deadlineMs ?? 0) },
    promptTokens: opts.promptTokens ?? 0,
    classifyErrorEvent: (error) => classifyErrorObject(provider, error, "event inside its stream"),
    abortUpstream: (reason) => ex.abort(reason),
  });
  const headers = "relay" in prepared ? { ...SSE_HEADERS, [PASSTHROUGH_HEADER]: "true" } : SSE_HEADERS;
  return { response: new Response(guarded.body, { status: 200, headers }), done: guarded.done };
}
