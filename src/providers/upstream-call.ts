/**
 * One call to one upstream model: build the request with the model's adapter, fetch it
 * under the provider's timeout and the client's abort signal, turn failures into typed
 * UpstreamErrors, and turn success into an OpenAI-shaped Response (JSON or SSE). It
 * neither retries nor picks models; routing does, from the errors thrown here.
 */
import { type ProxyError, UpstreamBadResponseError, UpstreamNetworkError, UpstreamServerError, UpstreamTimeoutError } from "../errors";
import type { RateHeaders } from "../limits/limiter-types";
import type { ChatRequest } from "../openai/chat-request";
import { completionId, nowSeconds, type Usage } from "../openai/chat-response";
import { estimateTokens, guardStream, type StreamOutcome } from "../stream/stream-guard";
import { translateStream } from "../stream/translate-stream";
import { readRateHeaders } from "./rate-headers";
import type { ChatAdapter, ResponseContext, UpstreamHttpRequest, UpstreamTarget } from "./types";
import { classifyUpstreamError } from "./upstream-errors";

const MAX_ERROR_BODY = 64 * 1024;

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };

async function readErrorBody(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  return text.length > MAX_ERROR_BODY ? text.slice(0, MAX_ERROR_BODY) : text;
}

export interface CallOptions {
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
  /** The request's estimated input tokens, for usage estimates when the upstream reports none. */
  promptTokens?: number;
  /** Added to the upstream request (trace context). */
  headers?: Record<string, string>;
}

export interface UpstreamResult {
  /** OpenAI-shaped: a chat.completion, or an SSE stream of chunks. */
  response: Response;
  /** Time until the upstream's response headers. */
  latencyMs: number;
  rate: RateHeaders | undefined;
  /** Settles once the body has reached the client, or failed to. */
  done: Promise<StreamOutcome>;
}

function timeoutsOf(target: UpstreamTarget) {
  const { model } = target;
  const p = model.providerConfig;
  return {
    requestMs: model.timeout_ms ?? p.timeout_ms,
    ttftMs: model.ttft_ms ?? p.ttft_ms,
    idleMs: model.idle_ms ?? p.idle_ms,
    totalMs: model.total_ms ?? p.total_ms,
  };
}

/** An `error` object inside a 200 stream, classified like the HTTP error it stands for. */
function classifyStreamError(provider: string, error: unknown): ProxyError {
  const e = (error ?? {}) as { code?: unknown; type?: unknown; status?: unknown };
  const code = typeof e.code === "number" && e.code >= 400 && e.code < 600 ? e.code : undefined;
  const status = code ?? (/rate_limit/.test(String(e.type)) ? 429 : 502);
  const classified = classifyUpstreamError(provider, status, new Headers(), JSON.stringify({ error }));
  return classified instanceof UpstreamServerError ? new UpstreamServerError(provider, status, "an error event inside its stream") : classified;
}

/** A whole answer's outcome; without reported usage, its output is estimated from its text like a stream's. */
function finished(usage: Usage | undefined, promptTokens: number, choices: unknown): Promise<StreamOutcome> {
  if (usage) return Promise.resolve({ completed: true, cancelled: false, estimated: false, usage });
  let chars = 0;
  for (const c of Array.isArray(choices) ? (choices as Array<{ message?: { content?: unknown; tool_calls?: unknown } }>) : []) {
    if (typeof c?.message?.content === "string") chars += c.message.content.length;
    if (Array.isArray(c?.message?.tool_calls)) chars += JSON.stringify(c.message.tool_calls).length;
  }
  const completion = estimateTokens(chars);
  return Promise.resolve({ completed: true, cancelled: false, estimated: true, usage: { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion } });
}

/** A request ready to send: translated for its model, with its target resolved. */
export interface PreparedChat {
  adapter: ChatAdapter;
  req: ChatRequest;
  target: UpstreamTarget;
  spec: UpstreamHttpRequest;
}

/**
 * Translation happens before any quota is reserved: a request a model cannot express
 * (InvalidRequestError) or a provider missing its secret (ConfigurationError) fails here
 * without spending a slot or touching the breaker.
 */
export function prepareChat(adapter: ChatAdapter, req: ChatRequest, target: UpstreamTarget): PreparedChat {
  return { adapter, req, target, spec: adapter.buildRequest(req, target) };
}

export async function sendChat(prepared: PreparedChat, opts: CallOptions = {}): Promise<UpstreamResult> {
  const { adapter, req, target, spec } = prepared;
  const provider = target.model.providerId;
  const timeouts = timeoutsOf(target);
  // Streams are bounded by their first token; plain requests by the whole response.
  const timeoutMs = req.stream ? Math.min(timeouts.ttftMs, timeouts.totalMs) : timeouts.requestMs;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new UpstreamTimeoutError(provider, timeoutMs, req.stream ? "first token" : "response")),
    timeoutMs,
  );
  const onClientAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onClientAbort, { once: true });
  const done = () => {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onClientAbort);
  };

  const started = Date.now();
  const promptTokens = opts.promptTokens ?? 0;
  try {
    let res: Response;
    try {
      res = await fetch(spec.url, { method: "POST", headers: opts.headers ? { ...spec.headers, ...opts.headers } : spec.headers, body: spec.body, signal: controller.signal });
    } catch (err) {
      if (controller.signal.reason instanceof UpstreamTimeoutError) throw controller.signal.reason;
      if (controller.signal.aborted) throw controller.signal.reason ?? err;
      throw new UpstreamNetworkError(provider);
    }
    if (!res.ok) throw classifyUpstreamError(provider, res.status, res.headers, await readErrorBody(res));
    const latencyMs = Date.now() - started;
    const rate = readRateHeaders(res.headers);

    const ctx: ResponseContext = {
      provider,
      id: completionId(),
      created: nowSeconds(),
      model: target.model.model,
      includeUsage: req.stream_options?.include_usage === true,
    };
    if (req.stream) {
      if (!res.body) throw new UpstreamBadResponseError(provider, "empty stream");
      // From here the stream guard keeps the first-token, idle and total deadlines.
      clearTimeout(timer);
      const openaiSse = adapter.kind === "translate" ? translateStream(res.body, adapter.streamTransformer(ctx)) : res.body;
      const guarded = await guardStream(openaiSse, {
        provider,
        startedAt: started,
        ttftMs: timeouts.ttftMs,
        idleMs: timeouts.idleMs,
        totalMs: timeouts.totalMs,
        promptTokens,
        classifyErrorEvent: (error) => classifyStreamError(provider, error),
        abortUpstream: (reason) => controller.abort(reason),
      });
      return { response: new Response(guarded.body, { status: 200, headers: SSE_HEADERS }), latencyMs, rate, done: guarded.done };
    }

    let text: string;
    try {
      text = await res.text();
    } catch {
      if (controller.signal.reason instanceof UpstreamTimeoutError) throw controller.signal.reason;
      throw new UpstreamNetworkError(provider, "the connection closed before the response was complete");
    }
    if (!text.trim()) throw new UpstreamBadResponseError(provider, "empty body");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UpstreamBadResponseError(provider, "body is not JSON");
    }
    if (adapter.kind === "passthrough") {
      const completion = json as { choices?: unknown; usage?: Usage } | null;
      if (!Array.isArray(completion?.choices)) throw new UpstreamBadResponseError(provider, "no choices");
      const response = new Response(text, { status: 200, headers: { "content-type": "application/json" } });
      return { response, latencyMs, rate, done: finished(completion?.usage ?? undefined, promptTokens, completion?.choices) };
    }
    const completion = adapter.parseResponse(json, ctx);
    return { response: Response.json(completion), latencyMs, rate, done: finished(completion.usage, promptTokens, completion.choices) };
  } finally {
    done();
  }
}
