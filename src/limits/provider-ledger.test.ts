import { describe, expect, it } from "vitest";
import { compileConfig } from "../../scripts/compile-config";
import { buildCatalog } from "../config/catalog";
import type { AcquireResult } from "./limiter-types";
import { DEFAULT_BREAKER } from "./breaker";
import { LEASE_MS, RETURN_GRACE_MS, RETURN_MARGIN_MS } from "./lease-book";
import { PROVIDER_KEY } from "./ledger-records";
import { ProviderLedger } from "./provider-ledger";

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
        // Leases still live hold slots that may come back: the refusal says so, and says when.
        expect(r).toMatchObject({ reason: "quota", held: true, retryAfterMs: LEASE_MS + RETURN_MARGIN_MS });
        break;
      }
      total += granted(r);
    }
    expect(total).toBe(50);
    // Leased in batches while there is room, then one at a time.
    expect(calls).toBeLessThan(50);
    // Once the leases' time to come back has passed, nothing is held: the slots are spent until the window ends.
    const later = T0 + LEASE_MS + RETURN_GRACE_MS;
    expect(l.acquire(ask("m50"), later)).toMatchObject({ ok: false, reason: "quota", retryAfterMs: Date.parse("2026-11-26T10:01:00Z") - later });
    expect(l.acquire(ask("m50"), later)).not.toHaveProperty("held");
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
    expect(l.acquire(ask("m3", 1, 50), T0)).toMatchObject({ ok: true, tokens: { reserved: 50, budget: 50 } });
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

  it("counts recent successes and errors per minute, rolling old minutes off", () => {
    const l = ledger("free");
    const report = (outcome: "success" | "failure" | "rate_limited" | "neutral") => ({ model: "open", outcome, probe: false, releaseConcurrency: false });
    const recent = (at: number) => l.status(at).models[0]?.recent;
    expect(recent(T0)).toEqual({ success: 0, error: 0, window_s: 300 });
    l.settle([report("success"), report("success"), report("failure"), report("rate_limited"), report("neutral")], [], T0);
    expect(recent(T0)).toEqual({ success: 2, error: 2, window_s: 300 });
    // T0 is 10:00:05; a success at 10:03:30 lands in a later bucket.
    l.settle([report("success")], [], Date.parse("2026-11-26T10:03:30Z"));
    expect(recent(Date.parse("2026-11-26T10:04:59.999Z"))).toEqual({ success: 3, error: 2, window_s: 300 });
    // From 10:05 the 10:00 minute has left the window; from 10:08 the 10:03 one has too.
    expect(recent(Date.parse("2026-11-26T10:05:00Z"))).toEqual({ success: 1, error: 0, window_s: 300 });
    expect(recent(Date.parse("2026-11-26T10:08:00Z"))).toEqual({ success: 0, error: 0, window_s: 300 });
  });

  it("keeps at most five minute buckets however long it runs", () => {
    const l = ledger("free");
    for (let minute = 0; minute < 30; minute++) {
      l.settle([{ model: "open", outcome: "failure", probe: false, releaseConcurrency: false }, { model: "open", outcome: "success", probe: false, releaseConcurrency: false }], [], T0 + minute * 60_000);
    }
    const end = T0 + 29 * 60_000;
    expect(l.status(end).models[0]?.recent).toEqual({ success: 5, error: 5, window_s: 300 });
    const saved = JSON.parse(l.serialize("model:open")!) as { recent: unknown[] };
    expect(saved.recent).toHaveLength(5);
  });

  it("reports the median of the latest 50 successful latencies", () => {
    const l = ledger("free");
    const ok = (latencyMs: number) => ({ model: "open", outcome: "success" as const, probe: false, releaseConcurrency: false, latencyMs });
    expect(l.status(T0).models[0]?.latency_p50_ms).toBeNull();
    l.settle([ok(300), ok(100), ok(200)], [], T0);
    expect(l.status(T0).models[0]?.latency_p50_ms).toBe(200);
    // One slow outlier moves the average but not the median; failures carry no latency.
    l.settle([ok(5000), { ...ok(9000), outcome: "failure" }], [], T0);
    expect(l.status(T0).models[0]).toMatchObject({ latency_p50_ms: 200 });
    // 50 fast answers push every earlier sample out of the buffer.
    l.settle(Array.from({ length: 50 }, () => ok(40)), [], T0);
    expect(l.status(T0).models[0]?.latency_p50_ms).toBe(40);
    const saved = JSON.parse(l.serialize("model:open")!) as { latencies: number[] };
    expect(saved.latencies).toHaveLength(50);
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

  it("restores recent counts and latencies, and loads records saved before they existed", () => {
    const l = ledger("free");
    l.settle([{ model: "open", outcome: "success", probe: false, releaseConcurrency: false, latencyMs: 120 }, { model: "open", outcome: "failure", probe: false, releaseConcurrency: false }], [], T0);
    const restored = ledger("free", new Map([["model:open", l.serialize("model:open")!]]));
    expect(restored.status(T0).models[0]).toMatchObject({ recent: { success: 1, error: 1 }, latency_p50_ms: 120 });
    const old = ledger("free", new Map([["model:open", JSON.stringify({ counters: {}, cooldownUntil: 0, inflight: [], latencyMs: 80, lastUsedAt: T0 })]]));
    expect(old.status(T0).models[0]).toMatchObject({ recent: { success: 0, error: 0 }, latency_p50_ms: null, latency_ms: 80 });
    old.settle([{ model: "open", outcome: "success", probe: false, releaseConcurrency: false, latencyMs: 90 }], [], T0);
    expect(old.status(T0).models[0]).toMatchObject({ recent: { success: 1, error: 0 }, latency_p50_ms: 90 });
  });
});
