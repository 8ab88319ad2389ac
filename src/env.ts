/**
 * The Worker's bindings and the Hono context type. What wrangler.toml declares (the
 * LIMITER namespace, ASSETS, the retry variables) comes from the generated
 * `worker-configuration.d.ts` (`npm run types`; `npm test` fails when it is stale); this
 * adds what wrangler.toml cannot know: secrets and optional variables a deployment may set,
 * and the provider keys whose names come from models.yaml (`api_key_env`), which keep the
 * binding set open-ended. Context variables are declared by the middleware that sets each.
 */

export interface Bindings extends Env {
  /** Comma-separated client keys accepted by the proxy (secret). */
  PROXY_API_KEYS?: string;
  MAX_BODY_BYTES?: string;
  /** Time a whole request may take, attempts and waits included (default 300000). */
  REQUEST_DEADLINE_MS?: string;
  /** Origins allowed to call from a browser: "*" (default), a comma-separated list, or "" for none. */
  CORS_ORIGINS?: string;
  /** Largest upstream answer body the proxy reads, decompressed (default 16 MiB). */
  MAX_UPSTREAM_BODY_BYTES?: string;
  /** How long a stored Responses API response is kept, in seconds (default one day). */
  RESPONSES_TTL_S?: string;
  /** "on" enables health probes of open breakers on each Cron Trigger run. */
  HEALTH_PROBES?: string;
  /** Optional Workers Analytics Engine dataset: one data point per request. */
  ANALYTICS?: AnalyticsEngineDataset;
  [name: string]: unknown;
}

export interface AppEnv {
  Bindings: Bindings;
}
