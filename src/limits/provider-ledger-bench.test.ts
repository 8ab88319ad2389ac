/**
 * A pool key the provider rejected, benched in its own limiter: refused to every isolate
 * until the bench ends, longer on each rejection, forgiven after a success, kept across a
 * restart, and shown by status.
 */
import { describe, expect, it } from "vitest";
import { compileConfig } from "../../scripts/compile-config";
import { buildCatalog } from "../config/catalog";
import type { AttemptReport } from "./limiter-types";
import { PROVIDER_KEY } from "./ledger-records";
import { ProviderLedger } from "./provider-ledger";

const compiled = compileConfig(`
providers:
  pool: { type: openai, base_url: "http://x", api_key_env: [K1, K2] }
models:
  - { name: m, provider: pool }
`, "test.yaml");
if (!compiled.ok) throw new Error(compiled.message);
const catalog = buildCatalog(compiled.config, 0);
const T0 = Date.parse("2026-11-26T10:00:05Z");
const ask = { model: "m", want: 1, estimatedTokens: 0 };
const rejected: AttemptReport = { model: "m", outcome: "failure", probe: false, releaseConcurrency: false, keyRejected: true };
const success: AttemptReport = { model: "m", outcome: "success", probe: false, releaseConcurrency: false };

describe("a rejected key's limiter", () => {
  it("refuses the key for a minute, then two, and forgets the count after a success", () => {
    const l = new ProviderLedger("pool", new Map(), catalog);
    expect(l.acquire(ask, T0).ok).toBe(true);
    const settled = l.settle([rejected], [], T0);
    expect(settled.blocked).toEqual([{ model: "m", until: T0 + 60_000, reason: "breaker" }]);
    expect(l.acquire(ask, T0 + 59_000)).toMatchObject({ ok: false, reason: "breaker", retryAfterMs: 1_000 });
    expect(l.status(T0 + 1).benched_until).toBe(T0 + 60_000);
    expect(l.acquire(ask, T0 + 60_000).ok).toBe(true);
    l.settle([rejected], [], T0 + 60_000);
    expect(l.acquire(ask, T0 + 179_000)).toMatchObject({ ok: false, retryAfterMs: 1_000 });
    expect(l.acquire(ask, T0 + 180_000).ok).toBe(true);
    l.settle([success], [], T0 + 180_000);
    expect(l.status(T0 + 180_000).benched_until).toBeUndefined();
    l.settle([rejected], [], T0 + 181_000);
    expect(l.acquire(ask, T0 + 240_000)).toMatchObject({ ok: false, retryAfterMs: 1_000 });
  });

  it("keeps the bench across a restart", () => {
    const l = new ProviderLedger("pool", new Map(), catalog);
    l.settle([rejected], [], T0);
    const saved = new Map([[PROVIDER_KEY, l.serialize(PROVIDER_KEY)!]]);
    const restarted = new ProviderLedger("pool", saved, catalog, T0 + 1_000);
    expect(restarted.acquire(ask, T0 + 1_000)).toMatchObject({ ok: false, reason: "breaker", retryAfterMs: 59_000 });
  });
});
