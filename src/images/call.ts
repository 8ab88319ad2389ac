/**
 * One image call to one upstream model, the image counterpart of prepareChat/sendChat:
 * prepare translates before any quota is spent (a model that cannot make `n` images, or a
 * provider missing its secret, is skipped for free); send fetches under the model's
 * timeout and the client's abort signal, classifies failures into typed UpstreamErrors,
 * and accepts a 200 only when it holds at least one real image.
 */
import { InvalidRequestError, UpstreamBadResponseError, UpstreamNetworkError, UpstreamTimeoutError } from "../errors";
import type { RateHeaders } from "../limits/limiter-types";
import { readRateHeaders } from "../providers/rate-headers";
import type { UpstreamHttpRequest, UpstreamTarget } from "../providers/types";
import { classifyUpstreamError } from "../providers/upstream-errors";
import type { GeneratedImage, ImageProtocol, ImageRequest, UpstreamBody } from "./types";

const MAX_ERROR_BODY = 64 * 1024;

export interface PreparedImage {
  protocol: ImageProtocol;
  req: ImageRequest;
  target: UpstreamTarget;
  spec: UpstreamHttpRequest;
}

export interface ImageResult {
  images: GeneratedImage[];
  /** Time until the upstream's response headers. */
  latencyMs: number;
  rate: RateHeaders | undefined;
  totalTokens: number | undefined;
}

export function prepareImage(protocol: ImageProtocol, req: ImageRequest, target: UpstreamTarget): PreparedImage {
  const max = protocol.maxImages(target.model);
  if (req.n > max) {
    throw new InvalidRequestError(`The model '${target.model.name}' makes at most ${max} image${max === 1 ? "" : "s"} per request; lower 'n'.`, {
      param: "n",
      code: "invalid_value",
    });
  }
  return { protocol, req, target, spec: protocol.buildRequest(req, target) };
}

function upstreamBody(provider: string, contentType: string, bytes: Uint8Array): UpstreamBody {
  return {
    contentType,
    bytes,
    json() {
      const text = new TextDecoder().decode(bytes);
      if (!text.trim()) throw new UpstreamBadResponseError(provider, "empty body");
      try {
        return JSON.parse(text);
      } catch {
        throw new UpstreamBadResponseError(provider, "body is not JSON");
      }
    },
  };
}

export interface ImageCallOptions {
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
  /** Added to the upstream request (trace context). */
  headers?: Record<string, string>;
}

export async function sendImage(prepared: PreparedImage, opts: ImageCallOptions = {}): Promise<ImageResult> {
  const { protocol, req, target, spec } = prepared;
  const provider = target.model.providerId;
  const timeoutMs = target.model.timeout_ms ?? target.model.providerConfig.timeout_ms;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new UpstreamTimeoutError(provider, timeoutMs, "response")), timeoutMs);
  const onClientAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onClientAbort, { once: true });
  const started = Date.now();
  try {
    let res: Response;
    try {
      res = await fetch(spec.url, { method: "POST", headers: { ...spec.headers, ...opts.headers }, body: spec.body, signal: controller.signal });
    } catch (err) {
      if (controller.signal.reason instanceof UpstreamTimeoutError) throw controller.signal.reason;
      if (controller.signal.aborted) throw controller.signal.reason ?? err;
      throw new UpstreamNetworkError(provider);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      throw classifyUpstreamError(provider, res.status, res.headers, text.slice(0, MAX_ERROR_BODY));
    }
    const latencyMs = Date.now() - started;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch {
      if (controller.signal.reason instanceof UpstreamTimeoutError) throw controller.signal.reason;
      if (controller.signal.aborted) throw controller.signal.reason;
      throw new UpstreamNetworkError(provider, "the connection closed before the response was complete");
    }
    if (bytes.length === 0) throw new UpstreamBadResponseError(provider, "empty body");
    const parsed = protocol.parseResponse(upstreamBody(provider, res.headers.get("content-type") ?? "", bytes), provider);
    if (parsed.images.length === 0) throw new UpstreamBadResponseError(provider, "no images");
    // A provider that made more than asked is not charged back to the client.
    return { images: parsed.images.slice(0, req.n), latencyMs, rate: readRateHeaders(res.headers), totalTokens: parsed.totalTokens };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onClientAbort);
  }
}
