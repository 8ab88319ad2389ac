/**
 * The real Durable Object in workerd: concurrent RPCs, an injected clock, SQLite
 * persistence. Each test gets an object of its own (the name is free; the provider id is
 * the RPC argument), so one test's clock can never leak into another's.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ProviderLedger } from "./provider-ledger";
import type { ProviderLimiter } from "./provider-limiter";

const PROVIDER = "simlimits";
let objects = 0;
/** A fresh object for the simlimits provider of test/models.test.yaml. */
const freshLimiter = () => env.LIMITER.getByName(`${PROVIDER}#${++objects}`);
const ask = (model: string) => ({ model, want: 1, estimatedTokens: 0 });

describe("ProviderLimiter", () => {
  it("grants exactly the limit to 200 concurrent callers", async () => {
    // limited-50 has rpm 50.
    const limiter = freshLimiter();
    const results = await Promise.all(Array.from({ length: 200 }, () => limiter.acquire(ask("limited-50"))));
    const total = results.reduce((n, r) => n + (r.ok && typeof r.granted === "number" ? r.granted : 0), 0);
    expect(total).toBe(50);
    expect(results.filter((r) => !r.ok).length).toBe(150);
  });

  it("rolls over when its clock passes the minute", async () => {
    const limiter = freshLimiter();
    // Any minute will do: the clock is the object's own, not the machine's.
    const minute = Math.floor(Date.now() / 60_000) * 60_000 + 7 * 86_400_000;
    await runInDurableObject(limiter, (instance: ProviderLimiter) => {
      instance.now = () => minute + 30_000;
    });
    let r = await limiter.acquire(ask("limited-3"));
    for (let i = 0; i < 3 && r.ok; i++) r = await limiter.acquire(ask("limited-3"));
    expect(r).toMatchObject({ ok: false, reason: "quota", retryAfterMs: 30_000 });
    await runInDurableObject(limiter, (instance: ProviderLimiter) => {
      instance.now = () => minute + 60_000;
    });
    expect((await limiter.acquire(ask("limited-3"))).ok).toBe(true);
  });

  it("persists to SQLite behind the scenes and reloads it", async () => {
    const limiter = freshLimiter();
    const now = await runInDurableObject(limiter, (instance: ProviderLimiter) => instance.now());
    await limiter.settle([{ model: "limited-3", outcome: "rate_limited", probe: false, releaseConcurrency: false, retryAfterMs: 3_600_000 }], []);
    const rows = await runInDurableObject(limiter, (instance: ProviderLimiter, state) => {
      instance.persist();
      return state.storage.sql.exec<{ key: string; value: string }>("SELECT key, value FROM state").toArray();
    });
    const saved = rows.find((r) => r.key === "model:limited-3");
    // Compared with the object's own clock: the cooldown is an hour from its "now".
    expect(JSON.parse(saved!.value).cooldownUntil).toBeGreaterThanOrEqual(now + 3_600_000);
    // What a restarted object would load from those rows still knows the cooldown.
    const reloaded = new ProviderLedger(PROVIDER, new Map(rows.map((r) => [r.key, r.value])));
    const model = reloaded.status(now).models.find((m) => m.name === "limited-3");
    expect(model?.cooldown_until).toBeGreaterThanOrEqual(now + 3_600_000);
  });
});
