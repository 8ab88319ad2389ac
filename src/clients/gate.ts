/**
 * Steps 2 and 3 of every model request, after auth and before routing: the client's
 * allow-list narrows the candidates (or refuses with a 403), then a client with limits of
 * its own asks its ClientLimiter, the exact and global authority, before any model quota
 * is spent (over them: a 429). A client without limits makes no call here at all.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ClientRateLimitError } from "../errors";
import type { Resolution } from "../routing/resolve-model";
import { narrow, rulesFor } from "./rules";
import type { Hold } from "./usage-body";

declare module "hono" {
  interface ContextVariableMap {
    /** Set once a model request passed the client's rules: what its limiter holds for it (null: nothing). */
    clientUse: { hold: Hold | null } | undefined;
  }
}

export async function admitClient(c: Context<AppEnv>, resolution: Resolution, estimatedInput: number, maxOutputTokens?: number, asked?: string): Promise<Resolution> {
  const client = c.get("client");
  const rules = rulesFor(client);
  const narrowed = narrow(resolution, rules, asked);
  let hold: Hold | null = null;
  if (rules.limited) {
    const result = await c.env.CLIENTS.getByName(client).admit(estimatedInput, maxOutputTokens);
    if (!result.ok) throw new ClientRateLimitError(client, result.retryAfterMs);
    hold = result.hold;
  }
  c.set("clientUse", { hold });
  return narrowed;
}
