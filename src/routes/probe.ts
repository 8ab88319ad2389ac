/**
 * `HEAD /` and `HEAD /v1`: the connectivity probe Claude Code sends to its base URL before
 * its first request. Answered 200 without a key and with nothing in it; every other method
 * on these paths is left to the routes (and auth) after it, so `GET /` stays protected.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

export function connectivityProbe(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.raw.method === "HEAD" && (c.req.path === "/" || c.req.path === "/v1")) return c.body(null, 200);
    await next();
  };
}
