/**
 * Time hints from a hostile upstream, for each adapter: a Retry-After of 9e12 s (which
 * once made every /v1/status answer 500, and was stored), a year, 400 digits, a reset
 * epoch in the far future. Every hint is clamped to 25 hours or ignored; the client's
 * Retry-After, the error's words and /v1/status agree; and state that is already stored
 * badly is cleaned up when it is loaded, so the status route cannot fail on it.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ProviderLimiter } from "../../src/limits/provider-limiter";
import { call, chat, sim } from "./helpers";

const HORIZON_MS = 25 * 3_600_000;

interface Status {
  generated_at: string;
  models: Array<{ name: string; cooldown_until: string | null }>;
  providers: Array<{ id: string; exhausted_until: string | null }>;
}

async function status(): Promise<Status> {
  const res = await call("/v1/status");
  expect(res.status).toBe(200);
  return (await res.json()) as Status;
}

/** How long after the status was generated the model is cooling, in ms (null: not cooling). */
async function coolingFor(model: string): Promise<number | null> {
  const s = await status();
  const until = s.models.find((m) => m.name === model)?.cooldown_until;
  return until ? Date.parse(until) - Date.parse(s.generated_at) : null;
}

describe("state stored before hints were clamped", () => {
  it("is validated on load: /v1/status answers, bad rows are dropped, endless cooldowns end within a day", async () => {
    // simacct2's object has not been used in this file yet: it loads these rows on its first call.
    const limiter = env.LIMITER.getByName("simacct2");
    await runInDurableObject(limiter, (_: ProviderLimiter, state) => {
      const put = (key: string, value: string) => state.storage.sql.exec("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", key, value);
      put("model:acct-whole-a", JSON.stringify({ cooldownUntil: 9e15, counters: {}, inflight: [] }));
      put("model:acct-whole-b", "{not json");
      put("provider", JSON.stringify({ counters: { rpm: { start: "yesterday", used: -1 } }, exhaustedUntil: 1e300, inflight: [] }));
    });
    const s = await status();
    const a = s.models.find((m) => m.name === "acct-whole-a")!;
    expect(Date.parse(a.cooldown_until!) - Date.parse(s.generated_at)).toBeLessThanOrEqual(HORIZON_MS);
    expect(s.models.find((m) => m.name === "acct-whole-b")?.cooldown_until).toBeNull();
    expect(s.providers.find((p) => p.id === "simacct2")?.exhausted_until).toBeNull();
  });
});

describe.each([
  { adapter: "openai", prefix: "hint-openai" },
  { adapter: "gemini", prefix: "hint-gemini" },
  { adapter: "anthropic", prefix: "hint-claude" },
])("$adapter: hints a client must never inherit", ({ prefix }) => {
  it("a Retry-After of 9000000000000 s is clamped to 25 h: the 429 says so, and /v1/status keeps answering", async () => {
    const model = `${prefix}-huge`;
    const res = await chat(model, sim({ status: 429, headers: { "retry-after": "9000000000000" } }));
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(24 * 3600);
    expect(retryAfter).toBeLessThanOrEqual(HORIZON_MS / 1000);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(`${retryAfter} s`);
    const cooling = await coolingFor(model);
    expect(cooling).toBeGreaterThan(24 * 3_600_000);
    expect(cooling).toBeLessThanOrEqual(HORIZON_MS);
    // Asked again, the model is skipped with the same, bounded wait.
    const again = await chat(model, "hi");
    expect(again.status).toBe(429);
    expect(Number(again.headers.get("retry-after"))).toBeLessThanOrEqual(HORIZON_MS / 1000);
  });

  it("a Retry-After of 400 digits is no hint: the default cooldown, and a Retry-After that matches the error's words", async () => {
    const model = `${prefix}-digits`;
    const res = await chat(model, sim({ status: 429, headers: { "retry-after": "9".repeat(400) } }));
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(`${retryAfter} s`);
    expect(await coolingFor(model)).toBeLessThanOrEqual(10_000);
  });
});

describe("reset epochs", () => {
  it("an X-RateLimit-Reset in the year 5000 is clamped to 25 h", async () => {
    const model = "hint-openai-reset";
    const res = await chat(model, sim({ status: 429, headers: { "x-ratelimit-reset": "99999999999999" } }));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(HORIZON_MS / 1000);
    expect(await coolingFor(model)).toBeLessThanOrEqual(HORIZON_MS);
  });
});
