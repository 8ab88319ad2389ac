/**
 * Worker bindings and the Hono context type. Provider keys are Worker secrets whose
 * names come from models.yaml (`api_key_env`), so the binding set is open-ended.
 */
import type { Settings } from "./config/settings";
import type { ResponseStore } from "./inbound/responses/store";
import type { ProviderLimiter } from "./limits/provider-limiter";
import type { RequestLog } from "./observability/request-log";
import type { TraceContext } from "./observability/trace";

export interface Bindings {
  /** One ProviderLimiter per provider id: exact quota counters, breakers, cooldowns. */
  LIMITER?: DurableObjectNamespace<ProviderLimiter>;
  /** One ResponseStore per stored response id (the Responses API's `store`). */
  RESPONSES?: DurableObjectNamespace<ResponseStore>;
  /** How long a stored response is kept, in seconds (default one day). */
  RESPONSES_TTL_S?: string;
  /** Comma-separated client keys accepted by the proxy (secret). */
  PROXY_API_KEYS?: string;
  RETRY_MAX_ATTEMPTS?: string;
  RETRY_BASE_DELAY_MS?: string;
  RETRY_MAX_DELAY_MS?: string;
  MAX_BODY_BYTES?: string;
  /** Origins allowed to call from a browser: "*" (default), a comma-separated list, or "" for none. */
  CORS_ORIGINS?: string;
  /** Largest upstream answer body the proxy reads, decompressed (default 16 MiB). */
  MAX_UPSTREAM_BODY_BYTES?: string;
  /** "on" enables health probes of open breakers on each Cron Trigger run. */
  HEALTH_PROBES?: string;
  /** Static assets: the dashboard page built by scripts/build-dashboard.ts. */
  ASSETS?: Fetcher;
  /** Optional Workers Analytics Engine dataset: one data point per request. */
  ANALYTICS?: unknown;
  [name: string]: unknown;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: { requestId: string; settings: Settings; log: RequestLog; trace: TraceContext; clientKeyId: string };
}
