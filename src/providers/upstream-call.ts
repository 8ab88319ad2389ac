/**
 * One call to one upstream model: build the request with the model's adapter, fetch it
 * under the provider's timeout and the client's abort signal, turn failures into typed
 * UpstreamErrors, and turn success into an OpenAI-shaped Response (JSON or SSE). It
 * neither retries nor picks models; routing does, from the errors thrown here.
 */
import type { ChatRequest } from "../openai/chat-request";
import { completionId, nowSeconds } from "../openai/chat-response";
import { UpstreamBadResponseError, UpstreamNetworkError, UpstreamTimeoutError } from "../errors";
import { chunkSerializer } from "../stream/chunk-serializer";
import { sseEventStream } from "../stream/sse-parser";
import type { ChatAdapter, ResponseContext, UpstreamTarget } from "./types";
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
}

export async function callChat(adapter: ChatAdapter, req: ChatRequest, target: UpstreamTarget, opts: CallOptions = {}): Promise<Response> {
  const provider = target.model.providerId;
  const spec = adapter.buildRequest(req, target);
  const timeoutMs = target.model.providerConfig.timeout_ms;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new UpstreamTimeoutError(provider, timeoutMs)), timeoutMs);
  const onClientAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onClientAbort, { once: true });
  const done = () => {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onClientAbort);
  };

  try {
    let res: Response;
    try {
      res = await fetch(spec.url, { method: "POST", headers: spec.headers, body: spec.body, signal: controller.signal });
    } catch (err) {
      if (controller.signal.reason instanceof UpstreamTimeoutError) throw controller.signal.reason;
      if (controller.signal.aborted) throw controller.signal.reason ?? err;
      throw new UpstreamNetworkError(provider);
    }
    if (!res.ok) throw classifyUpstreamError(provider, res.status, res.headers, await readErrorBody(res));

    const ctx: ResponseContext = {
      provider,
      id: completionId(),
      created: nowSeconds(),
      model: target.model.model,
      includeUsage: req.stream_options?.include_usage === true,
    };
    if (req.stream) {
      if (!res.body) throw new UpstreamBadResponseError(provider, "empty stream");
      // Stream timeouts (first token, idle) are the stream layer's; the header timeout ends here.
      done();
      if (adapter.kind === "passthrough") return new Response(res.body, { status: 200, headers: SSE_HEADERS });
      const body = res.body.pipeThrough(sseEventStream()).pipeThrough(adapter.streamTranslator(ctx)).pipeThrough(chunkSerializer());
      return new Response(body, { status: 200, headers: SSE_HEADERS });
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
      if (!Array.isArray((json as { choices?: unknown } | null)?.choices)) throw new UpstreamBadResponseError(provider, "no choices");
      return new Response(text, { status: 200, headers: { "content-type": "application/json" } });
    }
    return Response.json(adapter.parseResponse(json, ctx));
  } finally {
    done();
  }
}
