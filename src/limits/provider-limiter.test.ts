/** The real Durable Object in workerd: concurrent RPCs, an injected clock, SQLite persistence. */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ProviderLimiter } from "./provider-limiter";

const stub = (name: string) => env.LIMITER.getByName(name);

describe("ProviderLimiter", () => {
  it("grants exactly the limit to 200 concurrent callers", async () => {
    // test/models.test.yaml: limited-50 has rpm 50.
    const limiter = stub("simlimits");
    const results = await Promise.all(Array.from({ length: 200 }, () => limiter.acquire("simlimits", { model: "limited-50", want: 1, estimatedTokens: 0 })));
    const total = results.reduce((n, r) => n + (r.ok && typeof r.granted === "number" ? r.granted : 0), 0);
    expect(total).toBe(50);
    expect(results.filter((r) => !r.ok).length).toBe(150);
  });

  it("rolls over when its clock passes the minute", async () => {
    const limiter = stub("simlimits");
    const minute = Date.parse("2026-11-26T10:00:00Z");
    await runInDurableObject(limiter, (instance: ProviderLimiter) => {
      instance.now = () => minute + 30_000;
    });
    let r = await limiter.acquire("simlimits", { model: "limited-3", want: 1, estimatedTokens: 0 });
    for (let i = 0; i < 3 && r.ok; i++) r = await limiter.acquire("simlimits", { model: "limited-3", want: 1, estimatedTokens: 0 });
    expect(r).toMatchObject({ ok: false, reason: "quota", retryAfterMs: 30_000 });
    await runInDurableObject(limiter, (instance: ProviderLimiter) => {
      instance.now = () => minute + 60_000;
    });
    expect((await limiter.acquire("simlimits", { model: "limited-3", want: 1, estimatedTokens: 0 })).ok).toBe(true);
  });

  it("persists to SQLite behind the scenes and reloads it", async () => {
    const limiter = stub("simlimits");
    await limiter.settle("simlimits", [{ model: "limited-3", outcome: "rate_limited", probe: false, releaseConcurrency: false, retryAfterMs: 3_600_000 }], []);
    const rows = await runInDurableObject(limiter, (instance: ProviderLimiter, state) => {
      instance.persist();
      return state.storage.sql.exec<{ key: string; value: string }>("SELECT key, value FROM state").toArray();
    });
    const saved = rows.find((r) => r.key === "model:limited-3");
    expect(JSON.parse(saved!.value).cooldownUntil).toBeGreaterThan(Date.now());
  });
});
