/**
 * GET /v1/usage (and /usage): a client's own usage (requests, tokens in and out, errors,
 * by model, this minute, hour and UTC day) with its limits' windows; for an admin, every
 * client's that PROXY_API_KEYS names. Read from each client's ClientLimiter.
 */
import { Hono } from "hono/tiny";
import { clientLimiter } from "../clients/gate";
import { rulesFor } from "../clients/rules";
import type { UsageBody } from "../clients/usage-body";
import type { AppEnv } from "../env";
import { clientNames } from "../middleware/auth";

export const usageRoutes = new Hono<AppEnv>().get("/usage", async (c) => {
  const me = c.get("client");
  const names = rulesFor(me).admin ? await clientNames(c.env.PROXY_API_KEYS) : [me];
  const clients = await Promise.all(names.map((n) => clientLimiter(c, n).usage()));
  return c.json({ object: "usage", clients } satisfies UsageBody);
});
