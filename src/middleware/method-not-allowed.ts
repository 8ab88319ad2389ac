/**
 * 405 with `Allow` for a path that has routes, but none for the request's method. Hono's
 * own middleware for this matches paths with a second router, the trie router, which
 * the Worker would otherwise not carry; this one reuses the pattern router `hono/tiny`
 * already ships, built once from the app's route table.
 */
import type { Hono, MiddlewareHandler } from "hono";
import { PatternRouter } from "hono/router/pattern-router";
import type { AppEnv } from "../env";
import { MethodNotAllowedError } from "../errors";

export function methodNotAllowed(app: Hono<AppEnv>): MiddlewareHandler<AppEnv> {
  let router: PatternRouter<string[]> | undefined;
  return async (c, next) => {
    await next();
    if (c.res.status !== 404 || c.error) return;
    if (!router) {
      const byPath = new Map<string, string[]>();
      for (const { method, path } of app.routes) {
        if (method === "ALL" || method === "HEAD") continue;
        const methods = byPath.get(path) ?? [];
        methods.push(method, ...(method === "GET" ? ["HEAD"] : []));
        byPath.set(path, methods);
      }
      router = new PatternRouter();
      for (const [path, methods] of byPath) router.add("ALL", path, methods);
    }
    const allowed = new Set(router.match("ALL", c.req.path)[0].flatMap(([methods]) => methods));
    if (allowed.size && !allowed.has(c.req.method)) throw new MethodNotAllowedError(c.req.method, [...allowed]);
  };
}
