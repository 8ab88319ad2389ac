/**
 * The token holder inside the real ProviderLimiter, against the simulator's OAuth endpoint
 * over loopback: concurrent callers share one fetch, a refusal of a token that is no longer
 * the held one costs nothing, a refusal of the held one costs exactly one fetch, and a
 * failing endpoint answers a plain failure without anything it said.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { upstream } from "../../test/workers/helpers";
import type { TokenAsk } from "./token-desk";

const vars = env as unknown as Record<string, string>;
const basic = btoa(`${vars.GIGA_CLIENT_ID}:${vars.GIGA_CLIENT_SECRET}`);
let objects = 0;
const freshDesk = () => env.LIMITER.getByName(`desk#${++objects}`);
const askFor = (path: string, refused?: string): TokenAsk => ({
  provider: "desk",
  key: `${path}\n0`,
  grant: { type: "oauth_client_credentials", url: `${upstream()}${path}`, basic, scope: "SIM", rqUid: true },
  timeoutMs: 2_000,
  ...(refused !== undefined ? { refused } : {}),
});
const calls = async (path: string) => ((await (await fetch(`${upstream()}/__tokens?endpoint=${encodeURIComponent(path)}`)).json()) as { calls: number }).calls;

describe("the token holder", () => {
  it("shares one fetch among concurrent callers, and refetches only for a refusal of the token it holds", async () => {
    const path = "/oauth/token?for=desk-share";
    const desk = freshDesk();
    const first = await Promise.all(Array.from({ length: 20 }, () => desk.accessToken(askFor(path))));
    const tokens = new Set(first.map((o) => (o.ok ? o.token : "")));
    expect(tokens.size).toBe(1);
    expect(await calls(path)).toBe(1);
    const [held] = [...tokens] as [string];

    // Refused with a token it no longer holds: the held one is still good.
    const other = await desk.accessToken(askFor(path, "sim-token-long-gone"));
    expect(other).toMatchObject({ ok: true, token: held });
    expect(await calls(path)).toBe(1);

    // Twenty callers refused the held token at once: one fetch, one new token for all.
    const after = await Promise.all(Array.from({ length: 20 }, () => desk.accessToken(askFor(path, held))));
    const fresh = new Set(after.map((o) => (o.ok ? o.token : "")));
    expect(fresh.size).toBe(1);
    expect(fresh.has(held)).toBe(false);
    expect(await calls(path)).toBe(2);
  });

  it("answers a failing endpoint with a plain failure that says nothing the endpoint said", async () => {
    // This endpoint echoes the client credentials in its 401.
    const path = "/oauth/token?fail=401&for=desk";
    const desk = freshDesk();
    const outcome = await desk.accessToken(askFor(path));
    expect(outcome).toEqual({ ok: false, reason: "token", detail: "its token endpoint refused ai-proxy's client credentials; check the provider's auth secrets", retryable: false });
    // No failure is kept: the next caller tries again.
    expect((await desk.accessToken(askFor(path))).ok).toBe(false);
    expect(await calls(path)).toBe(2);
  });
});
