/**
 * GET /dashboard: the live status page. Public like /ping, because a browser cannot send a
 * bearer header on navigation; the page holds no data and asks for a client key before it
 * calls the protected /v1/status. Its bytes are a static asset (public/dashboard.html,
 * reached only through this route, as `run_worker_first` is set), so this route adds the
 * headers the page's CSP depends on and nothing reaches a browser without them.
 */
import { Hono } from "hono/tiny";
import { DASHBOARD_HEADERS } from "../dashboard/page";
import type { AppEnv } from "../env";
import { ConfigurationError, MethodNotAllowedError } from "../errors";

export const dashboardRoutes = new Hono<AppEnv>()
  .on(["GET", "HEAD"], "/dashboard", async (c) => {
    const asset = await c.env.ASSETS?.fetch(new URL("/dashboard.html", c.req.url), { method: c.req.method });
    if (!asset?.ok) throw new ConfigurationError("the dashboard page is missing from its static assets (ASSETS binding); deploy with `npm run deploy`, which builds it");
    return new Response(asset.body, { status: 200, headers: DASHBOARD_HEADERS });
  })
  .all("/dashboard", (c) => {
    throw new MethodNotAllowedError(c.req.method, ["GET", "HEAD"]);
  });
