/**
 * The ledger never keeps a wait it cannot show: hints from isolates are clamped again, a
 * quota pool pauses only its models, and rows loaded from storage are validated (bad
 * ones dropped, far-future times clamped) so status can always be computed.
 */
import { describe, expect, it } from "vitest";
import { compileConfig } from "../../scripts/compile-config";
import { buildCatalog } from "../config/catalog";
import { modelKey, PROVIDER_KEY } from "./ledger-records";
import { ProviderLedger } from "./provider-ledger";
import { storedModel, storedProvider } from "./stored-state";
import { MAX_HINT_MS } from "./time-hints";

const yaml = `
providers:
  or: { type: openai, base_url: "http://x" }
models:
  - { name: free-a, provider: or, model: "qwen/qwen3-coder:free" }
  - { name: free-b, provider: or, model: "openai/gpt-oss-20b:free" }
  - { name: paid, provider: or, model: "anthropic/claude-sonnet-4" }
  - { name: pooled, provider: or, model: "x/y", quota_pool: free }
`;
const compiled = compileConfig(yaml, "test.yaml");
if (!compiled.ok) throw new Error(compiled.message);
const catalog = buildCatalog(compiled.config, 0);
const T0 = Date.parse("2026-11-26T10:00:05Z");
const ask = (model: string) => ({ model, want: 1, estimatedTokens: 0 });
const report = { probe: false, releaseConcurrency: false } as const;

describe("quota pools", () => {
  it("gives OpenRouter's :free models the pool 'free' unless one is named", () => {
    expect(catalog.models.get("free-a")?.quota_pool).toBe("free");
    expect(catalog.models.get("paid")?.quota_pool).toBeUndefined();
    expect(catalog.models.get("pooled")?.quota_pool).toBe("free");
  });

  it("pauses only the named pool, and the model that hit it", () => {
    const l = new ProviderLedger("or", new Map(), catalog, T0);
    l.settle([{ ...report, model: "free-a", outcome: "rate_limited", scope: "account", pool: "free", retryAfterMs: 3_600_000 }], [], T0);
    for (const m of ["free-a", "free-b", "pooled"]) expect(l.acquire(ask(m), T0 + 1000)).toMatchObject({ ok: false, reason: "account_exhausted" });
    expect(l.acquire(ask("paid"), T0 + 1000).ok).toBe(true);
    expect(l.acquire(ask("free-b"), T0 + 3_600_000).ok).toBe(true);
    expect(l.status(T0).exhausted_until).toBeNull();
  });

  it("pauses every model on an account-wide exhaustion naming no pool", () => {
    const l = new ProviderLedger("or", new Map(), catalog, T0);
    l.settle([{ ...report, model: "paid", outcome: "rate_limited", scope: "account", retryAfterMs: 60_000 }], [], T0);
    for (const m of ["free-a", "paid"]) expect(l.acquire(ask(m), T0 + 1000)).toMatchObject({ ok: false, reason: "account_exhausted" });
  });
});

describe("hints reaching the ledger", () => {
  it.each([9e15, Number.POSITIVE_INFINITY, 1e300])("clamps a retryAfterMs of %d to the horizon", (retryAfterMs) => {
    const l = new ProviderLedger("or", new Map(), catalog, T0);
    l.settle([{ ...report, model: "paid", outcome: "rate_limited", retryAfterMs }], [], T0);
    const cooldown = l.status(T0).models.find((m) => m.name === "paid")!.cooldown_until!;
    expect(cooldown).toBeLessThanOrEqual(T0 + MAX_HINT_MS);
    expect(() => new Date(cooldown).toISOString()).not.toThrow();
  });

  it("ignores a negative retryAfterMs (the default cooldown applies)", () => {
    const l = new ProviderLedger("or", new Map(), catalog, T0);
    l.settle([{ ...report, model: "paid", outcome: "rate_limited", retryAfterMs: -5 }], [], T0);
    expect(l.status(T0).models.find((m) => m.name === "paid")!.cooldown_until).toBe(T0 + 10_000);
  });
});

describe("stored state", () => {
  it.each([
    ["not JSON", "{oops"],
    ["not an object", "42"],
    ["counters of the wrong shape", JSON.stringify({ counters: { rpm: { start: "x", used: 1 } } })],
    ["a negative count", JSON.stringify({ counters: { rpm: { start: 0, used: -3 } } })],
    ["a breaker without its fields", JSON.stringify({ breaker: { open: true } })],
    ["inflight that is not a list", JSON.stringify({ inflight: "many" })],
  ])("drops a model row that is %s", (_, raw) => {
    expect(storedModel(raw, T0)).toBeUndefined();
  });

  it("clamps times no clock can show to the horizon", () => {
    expect(storedModel(JSON.stringify({ cooldownUntil: 9e15 }), T0)).toEqual({ cooldownUntil: T0 + MAX_HINT_MS });
    expect(storedProvider(JSON.stringify({ exhaustedUntil: 1e300, pools: { free: 9e15 } }), T0)).toEqual({ exhaustedUntil: T0 + MAX_HINT_MS, pools: { free: T0 + MAX_HINT_MS } });
  });

  it("keeps good rows as they were", () => {
    const good = { cooldownUntil: T0 + 5000, counters: { rpm: { start: T0 - 5000, used: 3 } }, inflight: [T0], latencyMs: 120, recent: [[T0 - 5000, 2, 1]], latencies: [100, 140] };
    expect(storedModel(JSON.stringify(good), T0)).toEqual(good);
  });

  it("loads a ledger from bad rows whose status can be computed and shown", () => {
    const saved = new Map([
      [modelKey("paid"), JSON.stringify({ cooldownUntil: 9e15 })],
      [modelKey("free-a"), "{broken"],
      [PROVIDER_KEY, JSON.stringify({ exhaustedUntil: Number.MAX_VALUE, pools: { free: "soon" } })],
    ]);
    const status = new ProviderLedger("or", saved, catalog, T0).status(T0);
    for (const m of status.models) if (m.cooldown_until !== null) expect(() => new Date(m.cooldown_until!).toISOString()).not.toThrow();
    expect(status.models.find((m) => m.name === "paid")?.cooldown_until).toBe(T0 + MAX_HINT_MS);
    expect(status.models.find((m) => m.name === "free-a")?.cooldown_until).toBeNull();
    expect(status.exhausted_until).toBeNull();
  });
});
