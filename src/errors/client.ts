/**
 * Errors that are the client's to fix, or the proxy's own answer about capacity, its
 * deployment or itself: nothing an upstream said.
 */
import { ProxyError, retryAfter } from "./proxy-error";

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
