/**
 * The one error hierarchy. Every failure the proxy reports is a ProxyError carrying its
 * HTTP status and OpenAI `type`/`code`/`param`; `errorBody` is the only place that turns
 * one into the OpenAI wire shape. Upstream errors also say whether trying again (the same
 * model later, or another model) may succeed, which is what routing acts on.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { clampHintMs } from "./limits/time-hints";
import { redactSecrets } from "./security/redact";

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

interface ProxyErrorInit {
  status: ContentfulStatusCode;
  type: string;
  code?: string | null;
  param?: string | null;
  headers?: Record<string, string>;
  retryable?: boolean;
}

export class ProxyError extends Error {
  readonly status: ContentfulStatusCode;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  readonly retryable: boolean;

  constructor(message: string, init: ProxyErrorInit) {
    super(message);
    this.name = "ProxyError";
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.headers = init.headers ?? {};
    this.retryable = init.retryable ?? false;
  }
}

/** `Retry-After` in whole seconds, never 0 (clients read 0 as "now"), never past the hint horizon. */
const retryAfter = (ms: number) => ({ "Retry-After": String(Math.max(1, Math.ceil((clampHintMs(ms) ?? 0) / 1000))) });

/** The wire shape. Messages may quote a provider, so secrets are redacted here, on the way out, whatever the source. */
export function errorBody(err: ProxyError): OpenAIErrorBody {
  return { error: { message: redactSecrets(err.message), type: err.type, param: err.param, code: err.code } };
}

// ---- Client errors ---------------------------------------------------------------

export class InvalidRequestError extends ProxyError {
  constructor(message: string, opts: { param?: string | null; code?: string } = {}) {
    super(message, { status: 400, type: "invalid_request_error", code: opts.code ?? "invalid_request", param: opts.param });
  }
}

export class AuthenticationError extends ProxyError {
  constructor(message: string, opts: { tokenSent: boolean; code?: string }) {
    const challenge = `Bearer realm="ai-proxy"${opts.tokenSent ? ', error="invalid_token"' : ""}`;
    super(message, {
      status: 401,
      type: "authentication_error",
      code: opts.code ?? "invalid_api_key",
      headers: { "WWW-Authenticate": challenge },
    });
  }
}

export class NotFoundError extends ProxyError {
  constructor(message: string, code = "not_found", param: string | null = null) {
    super(message, { status: 404, type: "not_found_error", code, param });
  }
}

export class MethodNotAllowedError extends ProxyError {
  constructor(method: string, allowed: readonly string[]) {
    super(`Method ${method} is not allowed here; use ${allowed.join(", ")}.`, {
      status: 405,
      type: "invalid_request_error",
      code: "method_not_allowed",
      headers: { Allow: allowed.join(", ") },
    });
  }
}

export class PayloadTooLargeError extends ProxyError {
  constructor(maxBytes: number) {
    super(`Request body is larger than the limit of ${maxBytes} bytes.`, {
      status: 413,
      type: "invalid_request_error",
      code: "request_too_large",
    });
  }
}

export class UnsupportedMediaTypeError extends ProxyError {
  constructor(received: string | undefined) {
    super(`Content-Type must be application/json${received ? `, not ${received}` : ""}.`, {
      status: 415,
      type: "invalid_request_error",
      code: "unsupported_media_type",
    });
  }
}

/** A named client is over its own limits (models.yaml `clients`): no model quota was spent. */
export class ClientRateLimitError extends ProxyError {
  constructor(client: string, retryAfterMs: number) {
    super(`The client '${client}' is over its own rate limit; try again later.`, { status: 429, type: "rate_limit_error", code: "client_rate_limit_exceeded", headers: retryAfter(retryAfterMs) });
  }
}

/** The proxy itself has no capacity to offer (every candidate is exhausted or cooling down). */
export class RateLimitError extends ProxyError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number) {
    super(message, {
      status: 429,
      type: "rate_limit_error",
      code: "rate_limit_exceeded",
      headers: retryAfter(retryAfterMs),
    });
    this.retryAfterMs = retryAfterMs;
  }
}

/** Every candidate is failing and its circuit breaker is open: capacity exists, but not healthy. */
export class ServiceUnavailableError extends ProxyError {
  constructor(message: string, retryAfterMs: number) {
    super(message, {
      status: 503,
      type: "server_error",
      code: "model_unavailable",
      headers: retryAfter(retryAfterMs),
    });
  }
}

/**
 * The request's own deadline (REQUEST_DEADLINE_MS) ran out while an attempt was still
 * waiting for its answer. Not the model's fault, so neither retried nor held against it.
 */
export class DeadlineExceededError extends ProxyError {
  constructor(deadlineMs: number) {
    super(`The request did not get an answer within its deadline of ${deadlineMs} ms.`, {
      status: 504,
      type: "server_error",
      code: "request_deadline_exceeded",
    });
  }
}

/** The deployment is misconfigured (bad variable, missing secret). Not the client's fault. */
export class ConfigurationError extends ProxyError {
  constructor(readonly problem: string) {
    super(`ai-proxy is misconfigured: ${problem}`, { status: 500, type: "server_error", code: "proxy_misconfigured" });
  }
}

export class InternalError extends ProxyError {
  constructor() {
    super("The proxy failed to process the request. It has been logged.", { status: 500, type: "server_error", code: "internal_error" });
  }
}

// ---- Upstream errors --------------------------------------------------------------

export abstract class UpstreamError extends ProxyError {
  abstract readonly kind: string;
  readonly provider: string;
  /**
   * Whether another model may succeed where this one failed. True for every failure that
   * is the provider's, including its rejecting our key; false when the request itself is
   * at fault, which no other model would accept either.
   */
  readonly fallback: boolean;
  constructor(provider: string, message: string, init: ProxyErrorInit & { fallback?: boolean }) {
    super(message, init);
    this.provider = provider;
    this.fallback = init.fallback ?? init.retryable ?? false;
  }
}

/**
 * 429 from the provider. `scope: "account"` means the provider's shared quota is gone:
 * all of it, or only the quota pool named by `pool` (OpenRouter's free-models-per-day
 * covers its `:free` models, pool "free").
 */
export class UpstreamRateLimitError extends UpstreamError {
  readonly kind = "rate_limit";
  readonly retryAfterMs: number | undefined;
  readonly scope: "model" | "account";
  readonly pool: string | undefined;
  constructor(provider: string, message: string, opts: { retryAfterMs?: number; scope?: "model" | "account"; pool?: string } = {}) {
    const headers: Record<string, string> =
      opts.retryAfterMs === undefined ? {} : retryAfter(opts.retryAfterMs);
    super(provider, message, { status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", retryable: true, headers });
    this.retryAfterMs = opts.retryAfterMs;
    this.scope = opts.scope ?? "model";
    this.pool = this.scope === "account" ? opts.pool : undefined;
  }
}

export class UpstreamServerError extends UpstreamError {
  readonly kind = "server_error";
  /** What the provider answered: 503 and 529 say it is overloaded, which Anthropic's shape names. */
  readonly upstreamStatus: number;
  constructor(provider: string, upstreamStatus: number, detail = `HTTP ${upstreamStatus}`) {
    super(provider, `Provider ${provider} failed (${detail}).`, {
      status: 502,
      type: "upstream_error",
      code: "upstream_error",
      retryable: true,
    });
    this.upstreamStatus = upstreamStatus;
  }
}

export class UpstreamNetworkError extends UpstreamError {
  readonly kind = "network";
  constructor(provider: string, detail = "the connection failed") {
    super(provider, `Could not reach provider ${provider}: ${detail}.`, {
      status: 502,
      type: "upstream_error",
      code: "upstream_unreachable",
      retryable: true,
    });
  }
}

export class UpstreamTimeoutError extends UpstreamError {
  readonly kind = "timeout";
  constructor(provider: string, afterMs: number, phase = "response") {
    super(provider, `Provider ${provider} did not send a ${phase} within ${afterMs} ms.`, {
      status: 504,
      type: "upstream_error",
      code: "upstream_timeout",
      retryable: true,
    });
  }
}

/** A 2xx whose body is not what the protocol promises (not JSON, no choices, empty). */
export class UpstreamBadResponseError extends UpstreamError {
  readonly kind = "bad_response";
  constructor(provider: string, detail: string) {
    super(provider, `Provider ${provider} sent an unusable response: ${detail}.`, {
      status: 502,
      type: "upstream_error",
      code: "upstream_bad_response",
      retryable: true,
    });
  }
}

/**
 * The upstream sent more than the proxy will hold: a body, an error body or one stream
 * event past its cap (decompressed bytes count). A failure of the provider's like any
 * other: retried or fallen back from before the first content, an error event after it.
 */
export class UpstreamTooLargeError extends UpstreamError {
  readonly kind = "too_large";
  constructor(provider: string, what: string, limit: number) {
    super(provider, `Provider ${provider} sent ${what} larger than ${limit} bytes.`, {
      status: 502,
      type: "upstream_error",
      code: "upstream_response_too_large",
      retryable: true,
    });
  }
}

/** The provider refused the request itself (400/404/422): retrying cannot help, the message can. */
export class UpstreamInvalidRequestError extends UpstreamError {
  readonly kind = "invalid_request";
  constructor(provider: string, message: string, param: string | null = null) {
    super(provider, `Provider ${provider} rejected the request: ${message}`, {
      status: 400,
      type: "invalid_request_error",
      code: "upstream_invalid_request",
      param,
    });
  }
}

export class ContextLengthExceededError extends UpstreamError {
  readonly kind = "context_length";
  constructor(provider: string, message: string) {
    super(provider, `Provider ${provider}: ${message}`, {
      status: 400,
      type: "invalid_request_error",
      code: "context_length_exceeded",
      param: "messages",
    });
  }
}

/** 401/403 upstream: the proxy's own credentials are wrong, which is never the client's fault. */
export class UpstreamAuthError extends UpstreamError {
  readonly kind = "auth";
  constructor(
    provider: string,
    /** 401 (the credential is not valid) or 403 (valid, but not allowed this). */
    readonly upstreamStatus: number,
  ) {
    super(provider, `Provider ${provider} rejected ai-proxy's credentials (HTTP ${upstreamStatus}); check its API key secret.`, {
      status: 502,
      type: "upstream_error",
      code: "upstream_auth_failed",
      fallback: true,
    });
  }
}

/**
 * The provider's token endpoint gave no access token: down, slow, refusing ai-proxy's
 * client credentials, or answering nonsense. A failure of the provider's (its breaker
 * counts it), and never a refresh-and-retry like a 401 on a stale token. The detail names
 * what went wrong, never what the endpoint said, which may echo the secret.
 */
export class UpstreamTokenError extends UpstreamError {
  readonly kind = "token";
  constructor(
    provider: string,
    readonly detail: string,
    retryable: boolean,
  ) {
    super(provider, `Provider ${provider} could not issue ai-proxy an access token: ${detail}.`, {
      status: 502,
      type: "upstream_error",
      code: "upstream_token_failed",
      retryable,
      fallback: true,
    });
  }
}
