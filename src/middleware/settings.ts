/**
 * Parses the deployment's settings (retry, body limits, deadlines) from the Worker's
 * variables once per env and hands them to every protected route. A bad variable fails
 * each request with one clear configuration error instead of a default silently used.
 */
import type { MiddlewareHandler } from "hono";
import { type Settings, settingsFor } from "../config/settings";
import type { AppEnv } from "../env";

declare module "hono" {
  interface ContextVariableMap {
    settings: Settings;
  }
}

export function loadSettings(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("settings", settingsFor(c.env));
    await next();
  };
}
