/**
 * Classifies a failed upstream response into the typed errors of src/errors.ts. The
 * provider protocols differ in body shape (OpenAI/OpenRouter `{error:{message}}`, Gemini
 * `{error:{status,message,details}}`, Anthropic `{type:"error",error:{type,message}}`) but
 * not in meaning, so one classifier serves every adapter. Whatever of the provider's text
 * is kept for the client has its secrets redacted first: providers echo keys.
 */
import {
  ContextLengthExceededError,
  UpstreamAuthError,
  type UpstreamError,
  UpstreamInvalidRequestError,
  UpstreamRateLimitError,
  UpstreamServerError,
  UpstreamTimeoutError,
} from "../errors";
import { redactSecrets } from "../security/redact";
import { retryAfterMs } from "./retry-after";

const CONTEXT_LENGTH =
  /context[_ ]length|context window|maximum context|prompt is too long|too many (input )?tokens|input token count.*exceeds|exceeds the (maximum|max) (number of )?tokens|reduce the length of the messages/i;

// OpenRouter's daily free-model allowance and similar account-wide quota messages.
const ACCOUNT_QUOTA = /free-models-per-day|per[- ]day.*(account|key)|account.*(quota|limit).*(reached|exceeded)|insufficient[_ ]quota|credit balance/i;

/**
 * Account-wide quotas that cover only part of the account, by the quota pool they name
 * (models.yaml `quota_pool`). Messages naming no pool exhaust the whole account.
 */
const POOLS: ReadonlyArray<[RegExp, string]> = [[/free-models-per-day/i, "free"]];

export function upstreamMessage(body: unknown, fallback: string): string {
  let message: unknown;
  if (body && typeof body === "object") {
    const error = (body as { error?: unknown }).error;
    if (typeof error === "string") message = error;
    else if (error && typeof error === "object") {
      const e = error as { message?: unknown; metadata?: { raw?: unknown } };
      message = e.message;
      // OpenRouter wraps the real provider's answer in metadata.raw.
      if (typeof e.metadata?.raw === "string" && e.metadata.raw.length < 500) message = `${String(message)} (${e.metadata.raw})`;
    } else message = (body as { message?: unknown }).message;
  }
  const text = redactSecrets(typeof message === "string" && message.trim() ? message.trim() : fallback);
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function classifyUpstreamError(provider: string, status: number, headers: Headers, bodyText: string): UpstreamError {
  const body = parseJson(bodyText);
  const message = upstreamMessage(body, bodyText.trim().slice(0, 300) || `HTTP ${status}`);
  if (status === 401 || status === 403) return new UpstreamAuthError(provider, status);
  if (status === 429 || (status === 402 && ACCOUNT_QUOTA.test(message))) {
    const account = ACCOUNT_QUOTA.test(message) || ACCOUNT_QUOTA.test(bodyText);
    return new UpstreamRateLimitError(provider, `Provider ${provider} is rate limited: ${message}`, {
      retryAfterMs: retryAfterMs(headers, body),
      scope: account ? "account" : "model",
      pool: account ? POOLS.find(([re]) => re.test(message) || re.test(bodyText))?.[1] : undefined,
    });
  }
  if (status === 408) return new UpstreamTimeoutError(provider, 0, "response (upstream 408)");
  if ((status === 400 || status === 413 || status === 422) && CONTEXT_LENGTH.test(message)) {
    return new ContextLengthExceededError(provider, message);
  }
  if (status === 400 || status === 422 || status === 413) return new UpstreamInvalidRequestError(provider, message);
  // 404 (model gone upstream), 409, 5xx, 529: the provider's problem, worth another try elsewhere.
  return new UpstreamServerError(provider, status);
}

/**
 * An `error` object sent inside a 200 (a stream event, or a whole body), classified like
 * the HTTP error it stands for. Server-side failures keep only a neutral description.
 */
export function classifyErrorObject(provider: string, error: unknown, where: string): UpstreamError {
  const e = (error ?? {}) as { code?: unknown; type?: unknown };
  const code = typeof e.code === "number" && e.code >= 400 && e.code < 600 ? e.code : undefined;
  const status = code ?? (/rate_limit/.test(String(e.type)) ? 429 : 502);
  const classified = classifyUpstreamError(provider, status, new Headers(), JSON.stringify({ error }));
  return classified instanceof UpstreamServerError ? new UpstreamServerError(provider, status, `an error ${where}`) : classified;
}
