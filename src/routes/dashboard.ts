/**
 * GET /dashboard: the live status page. Public like /ping, because a browser cannot send a
 * bearer header on navigation; the page holds no data and asks for a client key before it
 * calls the protected /v1/status.
 */
import { Hono } from "hono";
import { DASHBOARD_HEADERS, DASHBOARD_HTML } from "../dashboard/page";
import type { AppEnv } from "../env";
import { MethodNotAllowedError } from "../errors";

export const dashboardRoutes = new Hono<AppEnv>()
  .on(["GET", "HEAD"], "/dashboard", (c) => c.body(DASHBOARD_HTML, 200, DASHBOARD_HEADERS))
  .all("/dashboard", (c) => {
    throw new MethodNotAllowedError(c.req.method, ["GET", "HEAD"]);
  });
