/**
 * How the ledger shares scarce slots among isolates: refusals caused by slots leased to
 * other isolates say when those leases end (not the window's end), returned slots are
 * granted at once, and a lease is sized by the number of isolates asking.
 */
import { describe, expect, it } from "vitest";
import { compileConfig } from "../../scripts/compile-config";
import { buildCatalog } from "../config/catalog";
import { LEASE_MS, RETURN_MARGIN_MS, SHORT_LEASE_MS } from "./lease-book";
import type { AcquireResult } from "./limiter-types";
import { ProviderLedger } from "./provider-ledger";

const compiled = compileConfig(
  `
providers:
  free: { type: openai, base_url: "http://x" }
  shared: { type: openai, base_url: "http://x", limits: { rpm: 8 } }
models:
  - { name: r20, provider: free, limits: { rpm: 20 } }
  - { name: r36, provider: free, limits: { rpm: 36 } }
  - { name: r60, provider: free, limits: { rpm: 60 } }
  - { name: s1, provider: shared }
  - { name: s2, provider: shared }
`,
  "test.yaml",
);
if (!compiled.ok) throw new Error(compiled.message);
const catalog = buildCatalog(compiled.config, 0);
const ledger = (provider: string) => new ProviderLedger(provider, undefined, catalog);

const T0 = Date.parse("2026-11-26T10:00:05Z");
const MINUTE_END = Date.parse("2026-11-26T10:01:00Z");
const ask = (model: string, caller: string, want = 16) => ({ model, want, estimatedTokens: 0, caller });
const slots = (r: AcquireResult) => (r.ok && typeof r.granted === "number" ? r.granted : 0);
const returnOf = (model: string, r: AcquireResult, unused: number) => {
  if (!r.ok) throw new Error("not granted");
  return { model, lease: r.lease, slots: unused, grantedAt: r.grantedAt };
};

describe("ProviderLedger: leases shared among isolates", () => {
  it("tells an isolate refused while another holds unused slots when they come back, and grants them the moment they do", () => {
    const l = ledger("free");
    // The case: one isolate serves 3 requests from its lease and holds the rest.
    const idle = l.acquire(ask("r60", "idle"), T0);
    const held = slots(idle);
    expect(held).toBeGreaterThan(3);
    let taken = 0;
    let refusal: AcquireResult | undefined;
    for (let i = 0; i < 100 && !refusal; i++) {
      const r = l.acquire(ask("r60", `busy-${i % 3}`), T0 + 10);
      if (r.ok) taken += slots(r);
      else refusal = r;
    }
    expect(held + taken).toBe(60);
    expect(refusal).toMatchObject({ ok: false, reason: "quota", held: true });
    // Not the window's end: the first lease still held ends within a lease's life.
    expect(refusal?.ok === false && refusal.retryAfterMs).toBeLessThanOrEqual(LEASE_MS + RETURN_MARGIN_MS);
    // The idle isolate's lease ends: it used 3 and returns the rest, which are granted at once.
    l.settle([], [returnOf("r60", idle, held - 3)], T0 + 1_000);
    let regained = 0;
    for (let i = 0; i < 40; i++) {
      const r = l.acquire(ask("r60", `busy-${i % 3}`), T0 + 1_001);
      if (!r.ok) break;
      regained += slots(r);
    }
    expect(regained).toBe(held - 3);
    expect(l.status(T0 + 1_001).models.find((m) => m.name === "r60")?.usage.rpm?.used).toBe(60);
  });

  it("points at the window's end when every slot is spent and none is held", () => {
    const l = ledger("free");
    const grants: AcquireResult[] = [];
    for (let r = l.acquire(ask("r20", "a"), T0); r.ok; r = l.acquire(ask("r20", "a"), T0)) grants.push(r);
    // Every lease ends with its slots used: each says so, and nothing is held any more.
    l.settle([], grants.filter((g) => slots(g) > 1).map((g) => returnOf("r20", g, 0)), T0 + 100);
    const r = l.acquire(ask("r20", "b"), T0 + 100);
    expect(r).toMatchObject({ ok: false, reason: "quota", retryAfterMs: MINUTE_END - (T0 + 100) });
    expect(r).not.toHaveProperty("held");
  });

  it("sizes leases by the isolates asking lately, and hands out single short leases when slots are scarce", () => {
    const l = ledger("free");
    // One isolate alone gets at most an eighth of what is left, for the full lease.
    expect(l.acquire(ask("r60", "solo"), T0)).toMatchObject({ ok: true, granted: 7, leaseUntil: T0 + LEASE_MS });
    // Twelve isolates have each asked for one slot: 41 of 60 are left, a share of floor(41 / 13) = 3.
    for (let i = 0; i < 12; i++) expect(slots(l.acquire(ask("r60", `iso-${i}`, 1), T0))).toBe(1);
    const many = ledger("free");
    for (let i = 0; i < 4; i++) many.acquire(ask("r60", `iso-${i}`, 1), T0);
    // Four isolates, 56 left: not scarce (56 >= 4 * 8), a share of floor(56 / 8) = 7.
    expect(many.acquire(ask("r60", "iso-0"), T0 + 1)).toMatchObject({ ok: true, granted: 7, leaseUntil: T0 + 1 + LEASE_MS });
    // Ten isolates, 26 of 36 left: fewer than 8 per isolate, so one slot at a time, on a short lease.
    const scarce = ledger("free");
    for (let i = 0; i < 10; i++) scarce.acquire(ask("r36", `iso-${i}`, 1), T0);
    expect(scarce.acquire(ask("r36", "iso-0"), T0 + 1)).toMatchObject({ ok: true, granted: 1, leaseUntil: T0 + 1 + SHORT_LEASE_MS });
  });

  it("lets no isolate pool more than its share when fifty ask at once", () => {
    const l = ledger("free");
    const pooled: number[] = [];
    const refused: AcquireResult[] = [];
    for (let i = 0; i < 50; i++) {
      const r = l.acquire(ask("r20", `iso-${i}`), T0);
      if (r.ok) pooled.push(slots(r));
      else refused.push(r);
    }
    expect(pooled.reduce((a, b) => a + b, 0)).toBe(20);
    // The first askers find the most left and still take only an eighth of it; once fewer than
    // 8 per asking isolate are left, one each.
    expect(pooled).toEqual([2, 2, ...Array.from({ length: 16 }, () => 1)]);
    // Every refusal is held (a slot sits in a pool that may give it back), never until the window's end.
    expect(refused.every((r) => !r.ok && r.held === true && r.retryAfterMs <= LEASE_MS + RETURN_MARGIN_MS)).toBe(true);
  });

  it("shares a provider-wide limit among the isolates asking for any of its models", () => {
    const l = ledger("shared");
    expect(slots(l.acquire(ask("s1", "a", 1), T0))).toBe(1);
    expect(slots(l.acquire(ask("s2", "b", 1), T0))).toBe(1);
    // Two isolates asking, 6 left: scarce, one at a time.
    expect(l.acquire(ask("s1", "a"), T0)).toMatchObject({ ok: true, granted: 1, leaseUntil: T0 + SHORT_LEASE_MS });
  });
});
