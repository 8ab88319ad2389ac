/**
 * The root of the error hierarchy (index.ts): what every error the proxy reports carries,
 * and `errorBody`, the only place that turns one into the OpenAI wire shape.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { clampHintMs } from "../limits/time-hints";
import { redactSecrets } from "../security/redact";

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface ProxyErrorInit {
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
export const retryAfter = (ms: number) => ({ "Retry-After": String(Math.max(1, Math.ceil((clampHintMs(ms) ?? 0) / 1000))) });

/** The wire shape. Messages may quote a provider, so secrets are redacted here, on the way out, whatever the source. */
export function errorBody(err: ProxyError): OpenAIErrorBody {
  return { error: { message: redactSecrets(err.message), type: err.type, param: err.param, code: err.code } };
}
