import { describe, expect, it } from "vitest";
import { compileConfig } from "../../scripts/compile-config";
import { buildCatalog } from "../config/catalog";
import type { AcquireResult } from "./limiter-types";
import { DEFAULT_BREAKER } from "./breaker";
import { PROVIDER_KEY, ProviderLedger } from "./provider-ledger";

const yaml = `
providers:
  p: { type: openai, base_url: "http://x", limits: { rpd: 1000 } }
  shared: { type: openai, base_url: "http://x", limits: { rpm: 4 }, day_reset: America/Los_Angeles }
  free: { type: openai, base_url: "http://x" }
  conc: { type: openai, base_url: "http://x", max_concurrent: 3 }
models:
  - { name: m50, provider: p, limits: { rpm: 50 } }
  - { name: m3, provider: p, limits: { rpm: 3, tpm: 1000 } }
  - { name: s1, provider: shared }
  - { name: s2, provider: shared }
  - { name: open, provider: free }
  - { name: c2, provider: conc, max_concurrent: 2 }
`;
const compiled = compileConfig(yaml, "test.yaml");
if (!compiled.ok) throw new Error(compiled.message);
const catalog = buildCatalog(compiled.config, 0);
const ledger = (provider: string, saved?: Map<string, string>) => new ProviderLedger(provider, saved, catalog);

const T0 = Date.parse("2026-11-26T10:00:05Z");
const ask = (model: string, want = 16, estimatedTokens = 0) => ({ model, want, estimatedTokens });
const granted = (r: AcquireResult) => (r.ok && typeof r.granted === "number" ? r.granted : 0);

describe("ProviderLedger", () => {
  it("never grants more than the limit, however the slots are asked for", () => {
    const l = ledger("p");
    let total = 0;
    let calls = 0;
    for (;;) {
      const r = l.acquire(ask("m50"), T0);
      calls++;
      if (!r.ok) {
        expect(r.reason).toBe("quota");
        expect(r.retryAfterMs).toBe(55_000);
        break;
      }
      total += granted(r);
    }
    expect(total).toBe(50);
    // Leased in batches while there is room, then one at a time.
    expect(calls).toBeLessThan(50);
  });

  it("leases one slot at a time near the limit, and leases end at the minute boundary", () => {
    const l = ledger("p");
    const r = l.acquire(ask("m3"), Date.parse("2026-11-26T10:00:59.500Z"));
    expect(r).toMatchObject({ ok: true, granted: 1, leaseUntil: Date.parse("2026-11-26T10:01:00Z") });
  });

  it("is available again at rollover, after being exhausted", () => {
    const l = ledger("p");
    for (let i = 0; i < 3; i++) expect(l.acquire(ask("m3"), T0).ok).toBe(true);
    expect(l.acquire(ask("m3"), T0).ok).toBe(false);
    expect(l.acquire(ask("m3"), Date.parse("2026-11-26T10:00:59.999Z")).ok).toBe(false);
    expect(l.acquire(ask("m3"), Date.parse("2026-11-26T10:01:00Z")).ok).toBe(true);
  });

  it("checks the provider's account-wide limit together with the model's", () => {
    const l = ledger("shared");
    let total = 0;
    for (let i = 0; i < 10; i++) total += granted(l.acquire(ask(i % 2 ? "s1" : "s2"), T0));
    expect(total).toBe(4);
    expect(l.acquire(ask("s1"), T0)).toMatchObject({ ok: false, reason: "provider_quota" });
  });

  it("refuses when the token estimate does not fit, and counts committed tokens", () => {
    const l = ledger("p");
    expect(l.acquire(ask("m3", 1, 1200), T0)).toMatchObject({ ok: false, reason: "quota" });
    l.settle([{ model: "m3", outcome: "success", probe: false, releaseConcurrency: false, tokens: 900 }], [], T0);
    expect(l.acquire(ask("m3", 1, 200), T0)).toMatchObject({ ok: false, reason: "quota" });
    expect(l.acquire(ask("m3", 1, 50), T0).ok).toBe(true);
  });

  it("gives back unused leased slots", () => {
    const l = ledger("p");
    const r = l.acquire(ask("m50"), T0);
    const n = granted(r);
    expect(n).toBeGreaterThan(1);
    l.settle([], [{ model: "m50", slots: n - 1, grantedAt: T0 }], T0 + 1000);
    expect(l.status(T0 + 1000).models.find((m) => m.name === "m50")?.usage.rpm?.used).toBe(1);
  });

  it("grants unlimited leases to models without request limits", () => {
    expect(ledger("free").acquire(ask("open"), T0)).toMatchObject({ ok: true, granted: "unlimited", probe: false });
  });

  it("cools a model down for the wait a 429 asked for", () => {
    const l = ledger("p");
    const r = l.settle([{ model: "m50", outcome: "rate_limited", probe: false, releaseConcurrency: false, retryAfterMs: 7000 }], [], T0);
    expect(r.blocked).toEqual([{ model: "m50", until: T0 + 7000, reason: "cooldown" }]);
    expect(l.acquire(ask("m50"), T0 + 6999)).toMatchObject({ ok: false, reason: "cooldown", retryAfterMs: 1 });
    expect(l.acquire(ask("m50"), T0 + 7000).ok).toBe(true);
  });

  it("marks the whole account exhausted until its day resets", () => {
    const l = ledger("shared");
    l.settle([{ model: "s1", outcome: "rate_limited", scope: "account", probe: false, releaseConcurrency: false }], [], T0);
    // Shared resets at midnight Pacific: 08:00Z on 26 Nov is before T0, so the next is 27 Nov 08:00Z.
    const reset = Date.parse("2026-11-27T08:00:00Z");
    expect(l.acquire(ask("s2"), T0)).toMatchObject({ ok: false, reason: "account_exhausted", retryAfterMs: reset - T0 });
    expect(l.acquire(ask("s2"), reset).ok).toBe(true);
  });

  it("opens the breaker after consecutive failures and lets one probe through", () => {
    const l = ledger("free");
    const fail = { model: "open", outcome: "failure" as const, probe: false, releaseConcurrency: false };
    l.settle([fail, fail], [], T0);
    expect(l.acquire(ask("open"), T0).ok).toBe(true);
    const r = l.settle([fail], [], T0);
    expect(r.blocked).toEqual([{ model: "open", until: T0 + DEFAULT_BREAKER.baseCooldownMs, reason: "breaker" }]);
    expect(l.acquire(ask("open"), T0 + 1)).toMatchObject({ ok: false, reason: "breaker" });
    const later = T0 + DEFAULT_BREAKER.baseCooldownMs;
    expect(l.acquire(ask("open"), later)).toMatchObject({ ok: true, granted: 1, probe: true });
    expect(l.acquire(ask("open"), later)).toMatchObject({ ok: false, reason: "breaker" });
    l.settle([{ ...fail, outcome: "success", probe: true }], [], later + 10);
    expect(l.status(later + 10).models[0]?.breaker).toBe("closed");
    expect(l.acquire(ask("open"), later + 10)).toMatchObject({ ok: true, granted: "unlimited" });
  });

  it("does not count neutral outcomes against the breaker, and frees a probe they held", () => {
    const l = ledger("free");
    const neutral = { model: "open", outcome: "neutral" as const, probe: false, releaseConcurrency: false };
    l.settle([neutral, neutral, neutral, neutral], [], T0);
    expect(l.status(T0).models[0]?.breaker).toBe("closed");
  });

  it("caps concurrency per model and per provider, released when requests end", () => {
    const l = ledger("conc");
    expect(l.acquire(ask("c2"), T0)).toMatchObject({ ok: true, granted: 1, concurrency: true });
    expect(l.acquire(ask("c2"), T0).ok).toBe(true);
    expect(l.acquire(ask("c2"), T0)).toMatchObject({ ok: false, reason: "concurrency" });
    l.settle([{ model: "c2", outcome: "neutral", probe: false, releaseConcurrency: true }], [], T0);
    expect(l.acquire(ask("c2"), T0).ok).toBe(true);
    expect(l.status(T0).models[0]?.in_flight).toBe(2);
  });

  it("brings counters up to the provider's own figures", () => {
    const l = ledger("p");
    l.settle([{ model: "m50", outcome: "success", probe: false, releaseConcurrency: false, rate: { limitRequests: 50, remainingRequests: 10 } }], [], T0);
    expect(l.status(T0).models[0]?.usage.rpm?.used).toBe(40);
    l.settle([{ model: "m50", outcome: "success", probe: false, releaseConcurrency: false, rate: { remainingRequests: 0, resetMs: 3000 } }], [], T0);
    expect(l.acquire(ask("m50"), T0 + 2999)).toMatchObject({ ok: false, reason: "cooldown" });
  });

  it("restores its state from what it persisted", () => {
    const l = ledger("p");
    for (let i = 0; i < 3; i++) l.acquire(ask("m3"), T0);
    l.settle([{ model: "m50", outcome: "rate_limited", probe: false, releaseConcurrency: false, retryAfterMs: 60_000 }], [], T0);
    const saved = new Map<string, string>();
    for (const key of l.dirty) saved.set(key, l.serialize(key)!);
    expect([...saved.keys()].sort()).toEqual(["model:m3", "model:m50", PROVIDER_KEY]);
    const restored = ledger("p", saved);
    expect(restored.acquire(ask("m3"), T0)).toMatchObject({ ok: false, reason: "quota" });
    expect(restored.acquire(ask("m50"), T0)).toMatchObject({ ok: false, reason: "cooldown" });
    expect(restored.status(T0).usage.rpd?.used).toBe(3);
  });
});
