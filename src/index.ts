/**
 * Worker entry: the Hono app as the default export, and the Durable Object classes,
 * which workerd looks up on the entry module.
 */
import { app } from "./app";

export { ProviderLimiter } from "./limits/provider-limiter";
export default app;
