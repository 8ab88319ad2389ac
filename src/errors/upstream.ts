/**
 * What a provider did wrong, or refused: each says whether trying again (the same model
 * later, or another model) may succeed, which is what routing acts on.
 */
import { ProxyError, retryAfter, type ProxyErrorInit } from "./proxy-error";

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
