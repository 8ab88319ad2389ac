/**
 * One image call to one upstream model, the image counterpart of prepareChat/sendChat:
 * prepare translates before any quota is spent (a model that cannot make `n` images, or a
 * provider missing its secret, is skipped for free); send goes through the upstream
 * reader (the model's timeout, the client's abort, the request's deadline, a bounded
 * body) and accepts a 200 only when it holds at least one real image.
 */
import { DEFAULT_MAX_UPSTREAM_BODY_BYTES } from "../config/settings";
import { InvalidRequestError, UpstreamBadResponseError } from "../errors";
import type { RateHeaders } from "../limits/limiter-types";
import { authorize } from "../providers/credentials";
import { readRateHeaders } from "../providers/rate-headers";
import type { UpstreamHttpRequest, UpstreamTarget } from "../providers/types";
import { openUpstream, readBody, timeoutOf, UpstreamExchange } from "../providers/upstream-reader";
import type { GeneratedImage, ImageProtocol, ImageRequest, UpstreamBody } from "./types";

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
  /** The request's deadline (epoch ms) and its length: the attempt in flight is bounded by it too. */
  deadline?: number;
  deadlineMs?: number;
  /** MAX_UPSTREAM_BODY_BYTES: images are the largest answers the proxy reads. */
  maxBodyBytes?: number;
  /** Which key of the provider's pool to send with. */
  key?: number;
}

export async function sendImage(prepared: PreparedImage, opts: ImageCallOptions = {}): Promise<ImageResult> {
  const { protocol, req, target, spec } = prepared;
  const provider = target.model.providerId;
  const timeoutMs = target.model.timeout_ms ?? target.model.providerConfig.timeout_ms;
  const ex = new UpstreamExchange({ provider, signal: opts.signal, deadline: opts.deadline, deadlineMs: opts.deadlineMs });
  ex.arm(timeoutMs, timeoutOf(provider, timeoutMs, "response"));
  const started = Date.now();
  try {
    const res = await openUpstream(ex, await authorize(spec, target, opts.key), opts.headers);
    const latencyMs = Date.now() - started;
    const bytes = await readBody(ex, res, opts.maxBodyBytes ?? DEFAULT_MAX_UPSTREAM_BODY_BYTES);
    if (bytes.length === 0) throw new UpstreamBadResponseError(provider, "empty body");
    const parsed = protocol.parseResponse(upstreamBody(provider, res.headers.get("content-type") ?? "", bytes), provider);
    if (parsed.images.length === 0) throw new UpstreamBadResponseError(provider, "no images");
    // A provider that made more than asked is not charged back to the client.
    return { images: parsed.images.slice(0, req.n), latencyMs, rate: readRateHeaders(res.headers), totalTokens: parsed.totalTokens };
  } finally {
    ex.release();
  }
}
