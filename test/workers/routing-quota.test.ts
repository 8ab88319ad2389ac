/** Quota through the whole Worker: exact counts, no avoidable 429, shared and account limits. */
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { openaiClient } from "./clients";
import { awayFromDayEdge, awayFromMinuteEdge, chat, call, recorded, sim, simStats } from "./helpers";

describe("quota-aware routing", () => {
  it("spreads 40 concurrent SMALL-style requests over rpm 3 and rpm 100 with zero upstream 429s", async () => {
    await awayFromMinuteEdge();
    const client = openaiClient();
    const results = await Promise.all(
      Array.from({ length: 40 }, () => client.chat.completions.create({ model: "SCEN", messages: [{ role: "user", content: "hi" }] }).withResponse()),
    );
    expect(results.every((r) => r.data.choices[0]?.message.content?.startsWith("Hello from"))).toBe(true);
    const served = results.map((r) => r.response.headers.get("x-proxy-model"));
    expect(served.filter((m) => m === "scen-a")).toHaveLength(3);
    expect(served.filter((m) => m === "scen-b")).toHaveLength(37);
    expect(await simStats("route/scen-rpm3")).toEqual({ requests: 3, rate_limited: 0 });
    expect(await simStats("route/scen-rpm100")).toEqual({ requests: 37, rate_limited: 0 });
  });

  it("sends exactly 50 of 200 concurrent requests to a model with rpm 50, and answers the rest 429 with Retry-After", async () => {
    await awayFromMinuteEdge();
    const responses = await Promise.all(Array.from({ length: 200 }, () => chat("exact-50")));
    const ok = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    expect(ok).toHaveLength(50);
    expect(limited).toHaveLength(150);
    expect(await simStats("route/exact-rpm50")).toEqual({ requests: 50, rate_limited: 0 });
    const body = (await limited[0]!.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    const retryAfter = Number(limited[0]!.headers.get("retry-after"));
    const toMinuteEnd = Math.ceil((60_000 - (Date.now() % 60_000)) / 1000);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(toMinuteEnd + 1);
  });

  it("holds a provider's account-wide limit across its models", async () => {
    await awayFromMinuteEdge();
    // simshared allows 5 requests a minute in all, whichever model serves them.
    const responses = await Promise.all(Array.from({ length: 8 }, () => chat("SHARED")));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(5);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(3);
    const a = await simStats("route/shared-a");
    const b = await simStats("route/shared-b");
    expect(a.requests + b.requests).toBe(5);
  });

  it("pauses the :free pool on OpenRouter's free-models-per-day error, without calling its other models, and keeps serving paid ones", async () => {
    await awayFromDayEdge();
    const t = `acct-${crypto.randomUUID()}`;
    const perDay = {
      error: { message: "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day", code: 429, metadata: { headers: { "X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0" } } },
    };
    const first = await chat("ACCT", sim({ tag: t, status: 429, error_body: perDay, only: ["route/acct-a:free"] }));
    expect(first.status).toBe(429);
    const calls = await recorded(t);
    // acct-a answered with the pool's error; acct-b draws on the same pool, so it was never called.
    expect(calls.map((c) => c.body.model)).toEqual(["route/acct-a:free"]);
    // No hint came with the error, so the pool waits for the daily reset: the next UTC midnight.
    const untilMidnight = (86_400_000 - (Date.now() % 86_400_000)) / 1000;
    const retryAfter = Number(first.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(untilMidnight - 5);
    expect(retryAfter).toBeLessThanOrEqual(untilMidnight + 1);
    const second = await chat("acct-b", sim({ tag: t }));
    expect(second.status).toBe(429);
    expect(await recorded(t)).toHaveLength(1);
    // A paid model of the same provider is outside the pool: served as usual.
    const paid = await chat("acct-paid", sim({ tag: t }));
    expect(paid.status).toBe(200);
    expect((await recorded(t)).map((c) => c.body.model)).toEqual(["route/acct-a:free", "route/acct-paid"]);
    const status = (await (await call("/v1/status")).json()) as { models: Array<{ name: string; cooldown_until: string | null }>; providers: Array<{ id: string; exhausted_until: string | null }> };
    const cooling = (name: string) => status.models.find((m) => m.name === name)?.cooldown_until;
    expect(cooling("acct-a")).not.toBeNull();
    expect(cooling("acct-b")).toBe(cooling("acct-a"));
    expect(cooling("acct-paid")).toBeNull();
    expect(status.providers.find((p) => p.id === "simacct")?.exhausted_until).toBeNull();
  });

  it("pauses every model of the provider on an account-wide error that names no pool", async () => {
    const t = `whole-${crypto.randomUUID()}`;
    const noCredit = { error: { message: "You exceeded your current quota: insufficient_quota.", type: "insufficient_quota", code: 429 } };
    const first = await chat("acct-whole-a", sim({ tag: t, status: 429, error_body: noCredit }));
    expect(first.status).toBe(429);
    const second = await chat("acct-whole-b", sim({ tag: t }));
    expect(second.status).toBe(429);
    expect(await recorded(t)).toHaveLength(1);
  });

  it("holds a token limit: each request reserves its likely cost, and a request's max_tokens caps the expected output", async () => {
    await awayFromMinuteEdge();
    // tok-150 allows 150 tokens a minute. Each answer below: 2 input tokens, as many output tokens as words asked for.
    const answer = async (words: number, extra: Record<string, unknown> = {}) => (await chat("tok-150", sim({ reply_words: words }), extra)).status;
    const statuses = [await answer(57), await answer(57), await answer(57)];
    // 59 + 59 used; a third would expect 59 more.
    expect(statuses).toEqual([200, 200, 429]);
    // Capped at 20 output tokens, the same request fits (118 + 2 + 20 <= 150); then nothing more does.
    expect(await answer(20, { max_tokens: 20 })).toBe(200);
    expect(await answer(57)).toBe(429);
    expect(await simStats("route/tok-150")).toEqual({ requests: 3, rate_limited: 0 });
  });

  it("counts requests that name a model, not only category requests", async () => {
    await awayFromMinuteEdge();
    const t = `named-${crypto.randomUUID()}`;
    for (let i = 0; i < 3; i++) expect((await chat("scen-a", sim({ tag: t }))).status).not.toBe(500);
    // scen-a's rpm 3 may already be partly used by the scenario test in this file; either way
    // the simulator never had to refuse it.
    expect((await simStats("route/scen-rpm3")).rate_limited).toBe(0);
  });

  it("reports usage in /v1/status", async () => {
    await chat("exact-50");
    const res = await call("/v1/status");
    expect(res.status).toBe(200);
    const status = (await res.json()) as {
      models: Array<{ name: string; provider: string; size: string | null; breaker: string; cooldown_until: string | null; usage: Record<string, { used: number; limit: number; resets_at: string }> }>;
    };
    const exact = status.models.find((m) => m.name === "exact-50")!;
    expect(exact).toMatchObject({ provider: "simroute", size: null, breaker: "closed" });
    expect(exact.usage.rpm?.limit).toBe(50);
    expect(exact.usage.rpm?.used).toBeGreaterThan(0);
    expect(Date.parse(exact.usage.rpm!.resets_at) % 60_000).toBe(0);
  });

  it("raises the SDK's RateLimitError when every candidate is exhausted", async () => {
    const err = await openaiClient().chat.completions.create({ model: "acct-a", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  });
});
