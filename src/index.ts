/**
 * Worker entry: requests go to the Hono app, Cron Triggers to the optional health probes,
 * and the Durable Object classes (quota and client limiters, stored responses) are exported here because workerd looks them up on the
 * entry module.
 */
import { app } from "./app";
import type { Bindings } from "./env";
import { runHealthProbes } from "./health/probes";

export { ProviderLimiter } from "./limits/provider-limiter";
export { ResponseStore } from "./inbound/responses/store";
export { ClientLimiter } from "./clients/client-limiter";

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, env: Bindings, ctx: ExecutionContext): Promise<void> {
    await runHealthProbes(env, (p) => ctx.waitUntil(p));
  },
} satisfies ExportedHandler<Bindings>;
