/**
 * Errors in Anthropic's shape, `{"type":"error","error":{"type","message"}}`, with the
 * statuses and headers the proxy gives them anyway. The Anthropic SDK picks its error
 * class from the status, and Claude Code reads `error.type`; both see what they expect.
 */
import { type ProxyError, UpstreamServerError } from "../../errors";
import { redactSecrets } from "../../security/redact";
import { ERROR_STATUS } from "../../providers/anthropic/wire";

export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
}

/** Anthropic's error type for a status (503, the proxy's "every candidate is failing", is its overload). */
export function anthropicErrorType(status: number): string {
  if (status === 503) return "overloaded_error";
  return Object.keys(ERROR_STATUS).find((type) => ERROR_STATUS[type] === status) ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** A provider that said 503 or 529 on every try was overloaded, as Anthropic's own 529 says; other 5xx are api_error. */
const overloaded = (err: ProxyError) => err instanceof UpstreamServerError && (err.upstreamStatus === 503 || err.upstreamStatus === 529);

export function messagesErrorBody(err: ProxyError): AnthropicErrorBody {
  // Messages may quote a provider: redacted on the way out, as in the OpenAI shape.
  const type = overloaded(err) ? "overloaded_error" : anthropicErrorType(err.status);
  return { type: "error", error: { type, message: redactSecrets(err.message) } };
}

/**
 * The error event that ends a stream after content, from the OpenAI error object the
 * stream guard wrote: its status is gone by then, its type says enough.
 */
export function errorEventFrom(openaiError: unknown): string {
  const e = (openaiError ?? {}) as { message?: unknown; type?: unknown };
  const status = e.type === "rate_limit_error" ? 429 : e.type === "invalid_request_error" ? 400 : 500;
  const body: AnthropicErrorBody = { type: "error", error: { type: anthropicErrorType(status), message: String(e.message) } };
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}
