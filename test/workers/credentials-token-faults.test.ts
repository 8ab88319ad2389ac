/**
 * Access tokens when things go wrong, through the whole Worker: a token the provider
 * revokes early is refreshed once for any number of concurrent requests, each refused
 * request retried once without counting against the provider's breaker; a token that is
 * refused again ends the request; a token endpoint that fails (5xx, refusing the client
 * credentials while echoing them, hanging past its timeout) is the provider's 502, which
 * its breaker counts, and no answer or log line carries the client secret.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { call, chat, sim, upstream } from "./helpers";

const vars = env as unknown as Record<string, string>;
const SECRET = vars.GIGA_CLIENT_SECRET!;
const BASIC = btoa(`${vars.GIGA_CLIENT_ID}:${SECRET}`);

interface TokenCounts {
  issued: number;
  calls: number;
  refused: number;
}
const tokenCounts = async (endpoint: string): Promise<TokenCounts> =>
  (await fetch(`${upstream()}/__tokens?endpoint=${encodeURIComponent(endpoint)}`)).json();

interface StatusModel {
  name: string;
  breaker: string;
  recent: { success: number; error: number };
}
const statusOf = async (name: string): Promise<StatusModel | undefined> =>
  ((await (await call("/v1/status")).json()) as { models: StatusModel[] }).models.find((m) => m.name === name);

describe("a token refused before it expires", () => {
  it("is refreshed once for 50 concurrent requests, each refused request retried once, the breaker untouched", async () => {
    const endpoint = "/oauth/token?for=revoke";
    expect((await chat("tok-revoke", "Hello")).status).toBe(200);
    expect((await tokenCounts(endpoint)).issued).toBe(1);
    await fetch(`${upstream()}/__tokens/revoke?endpoint=${encodeURIComponent(endpoint)}`, { method: "POST" });

    const answers = await Promise.all(Array.from({ length: 50 }, () => chat("tok-revoke", "Hello")));
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 50 }, () => 200));
    const attempts = answers.map((r) => Number(r.headers.get("x-proxy-attempts")));
    const counts = await tokenCounts(endpoint);
    // One token call for all of them, however many were refused the old token.
    expect(counts).toMatchObject({ issued: 2, calls: 2 });
    expect(counts.refused).toBeGreaterThanOrEqual(1);
    // Each refused request was retried exactly once, and no request more than once.
    expect(attempts.every((a) => a === 1 || a === 2)).toBe(true);
    expect(attempts.reduce((a, b) => a + b)).toBe(50 + counts.refused);
    // An early-expired token is not the provider failing: its breaker (2 failures) stays shut.
    expect(await statusOf("tok-revoke")).toMatchObject({ breaker: "closed", recent: { error: 0 } });
  });

  it("keeps a token the provider refuses with a 403 (valid, but not allowed this): no refresh, no retry", async () => {
    const endpoint = "/oauth/token?for=revoke";
    expect((await chat("tok-revoke", "Hello")).status).toBe(200);
    const before = await tokenCounts(endpoint);
    const res = await chat("tok-revoke", sim({ status: 403 }));
    expect(res.status).toBe(502);
    expect((await tokenCounts(endpoint)).calls).toBe(before.calls);
    expect((await chat("tok-revoke", "Hello")).status).toBe(200);
    expect((await tokenCounts(endpoint)).calls).toBe(before.calls);
  });

  it("ends the request when the fresh token is refused too: one refresh, one retry, a 502", async () => {
    const res = await chat("tok-stale", "Hello");
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: "upstream_auth_failed" });
    expect(body.error.message).toContain("simtokstale");
    // The first token, then the fresh one: each refused once, and no third try.
    expect(await tokenCounts("/oauth/token?fail=stale")).toMatchObject({ issued: 2, calls: 2, refused: 2 });
  });
});

describe("a token endpoint that fails", () => {
  const lines: string[] = [];
  beforeEach(() => {
    lines.length = 0;
    for (const level of ["log", "error", "warn", "info", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  /** Asks until the provider's breaker opens, checking every answer is its 502 and no secret leaks. */
  async function failsAndOpensBreaker(model: string, provider: string, detail: RegExp): Promise<string[]> {
    const bodies: string[] = [];
    for (let i = 0; i < 2 && (await statusOf(model))?.breaker === "closed"; i++) {
      const res = await chat(model, "Hello");
      const text = await res.text();
      bodies.push(text);
      expect(res.status).toBe(502);
      const body = JSON.parse(text) as { error: { type: string; code: string; message: string } };
      expect(body.error).toMatchObject({ type: "upstream_error", code: "upstream_token_failed" });
      expect(body.error.message).toContain(provider);
      expect(body.error.message).toMatch(detail);
    }
    expect(bodies.length).toBeGreaterThanOrEqual(1);
    const status = await call("/v1/status");
    bodies.push(await status.text());
    await expect.poll(async () => (await statusOf(model))?.breaker).toBe("open");
    for (const text of [...bodies, ...lines]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(BASIC);
    }
    return bodies;
  }

  it("answering 500 is the provider's 502, and its breaker counts it", async () => {
    await failsAndOpensBreaker("tok-500", "simtok500", /token endpoint failed/);
    expect((await tokenCounts("/oauth/token?fail=500")).calls).toBeGreaterThanOrEqual(2);
  });

  it("refusing the client credentials with the secret echoed in its body: a 502 without it", async () => {
    await failsAndOpensBreaker("tok-401", "simtok401", /refused ai-proxy's client credentials/);
  });

  it("hanging past its timeout is a 502 (not a 504) naming the provider", async () => {
    await failsAndOpensBreaker("tok-hang", "simtokhang", /did not answer within 1000 ms/);
  });
});
