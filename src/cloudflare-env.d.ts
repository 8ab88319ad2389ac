// Tells `cloudflare:workers` (env, exports) the shape of this Worker's bindings and entry.
// Bindings are restated rather than inherited from src/env.ts: an `extends` across the
// ProviderLimiter <-> Bindings cycle is silently dropped by TypeScript.
declare namespace Cloudflare {
  interface Env {
    LIMITER: DurableObjectNamespace<import("./limits/provider-limiter").ProviderLimiter>;
    RESPONSES: DurableObjectNamespace<import("./inbound/responses/store").ResponseStore>;
    PROXY_API_KEYS?: string;
    RETRY_MAX_ATTEMPTS?: string;
    RETRY_BASE_DELAY_MS?: string;
    RETRY_MAX_DELAY_MS?: string;
    MAX_BODY_BYTES?: string;
    /** Tests only: the upstream simulator's loopback URL, used in test/models.test.yaml. */
    UPSTREAM?: string;
    [name: string]: unknown;
  }
  interface GlobalProps {
    mainModule: typeof import("./index");
  }
}
