/**
 * Worker entry: the Hono app as the default export. Durable Object classes are exported
 * here too as they are added, since workerd looks them up on the entry module.
 */
import { app } from "./app";

export default app;
