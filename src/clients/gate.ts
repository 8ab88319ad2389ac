/**
 * Steps 2 and 3 of every model request, after auth and before routing: the client's
 * allow-list narrows the candidates (or refuses with a 403), then a client with limits of
 * its own asks its ClientLimiter, the exact and global authority, before any model quota
 * is spent (over them: a 429). A client without limits makes no call here at all.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ClientRateLimitError, ServiceUnavailableError } from "../errors";
import type { Resolution } from "../routing/resolve-model";
import { narrow, rulesFor } from "./rules";
import type { Hold } from "./usage-body";

declare module "hono" {
  interface ContextVariableMap {
    /**
     * Set once a model request passed the client's rules: what its limiter holds for it
     * (null: nothing), and the configured name it asked for (its usage is kept under that,
     * never under the client's raw string).
     */
    clientUse: { hold: Hold | null; model: string } | undefined;
  }
}

export async function admitClient(c: Context<AppEnv>, resolution: Resolution, estimatedInput: number, maxOutputTokens?: number, asked?: string): Promise<Resolution> {
  const client = c.get("client");
  const rules = rulesFor(client);
  const narrowed = narrow(resolution, rules, asked);
  let hold: Hold | null = null;
  if (rules.limited) {
    const result = await clientLimiter(c, client).admit(estimatedInput, maxOutputTokens);
    if (!result.ok) throw new ClientRateLimitError(client, result.retryAfterMs);
    hold = result.hold;
  }
  c.set("clientUse", { hold, model: resolution.requested });
  return narrowed;
}

/**
 * The client's limiter, whose calls fail as a 503 with Retry-After (as an unreachable
 * model limiter does) rather than an opaque 500: a deploy resets the object, briefly.
 */
export function clientLimiter(c: Context<AppEnv>, client: string) {
  const stub = c.env.CLIENTS.getByName(client);
  const unavailable = (err: unknown): never => {
    throw new ServiceUnavailableError(`The usage limits of client '${client}' cannot be checked right now (${err instanceof Error ? err.name : "error"}); try again shortly.`, 1_000);
  };
  return {
    admit: (estimatedInput: number, maxOutputTokens?: number) => stub.admit(estimatedInput, maxOutputTokens).catch(unavailable),
    usage: () => stub.usage().catch(unavailable),
  };
}
