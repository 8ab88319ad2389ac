/**
 * Token limits in the ledger: each request reserves its likely cost before the call (its
 * input estimate plus the expected output), real usage replaces the reservation when the
 * answer settles, and a request is refused when its reservation would pass the limit.
 */
import { describe, expect, it } from "vitest";
import { compileConfig } from "../../scripts/compile-config";
import { buildCatalog } from "../config/catalog";
import { LEASE_MS } from "./lease-book";
import type { AcquireResult, AttemptReport } from "./limiter-types";
import { ProviderLedger } from "./provider-ledger";

const compiled = compileConfig(
  `
providers:
  tok: { type: openai, base_url: "http://x" }
  pooltok: { type: openai, base_url: "http://x", limits: { tpm: 500 } }
models:
  - { name: tpd120, provider: tok, limits: { tpd: 120 } }
  - { name: tpm120, provider: tok, limits: { tpm: 120 } }
  - { name: big, provider: tok, limits: { rpm: 100, tpm: 100000 } }
  - { name: p1, provider: pooltok }
`,
  "test.yaml",
);
if (!compiled.ok) throw new Error(compiled.message);
const catalog = buildCatalog(compiled.config, 0);
const ledger = (provider = "tok") => new ProviderLedger(provider, undefined, catalog);

const T0 = Date.parse("2026-11-26T10:00:05Z");
const ask = (model: string, estimatedTokens: number, extra: { want?: number; maxOutputTokens?: number } = {}) => ({
  model,
  want: extra.want ?? 1,
  estimatedTokens,
  maxOutputTokens: extra.maxOutputTokens,
  caller: "iso",
});

/** What an isolate reports for an answer that used `input` + `output` tokens, after reserving with `r`. */
function answered(model: string, r: AcquireResult, estimatedInput: number, input: number, output: number): AttemptReport {
  if (!r.ok || !r.tokens) throw new Error("no token grant");
  return {
    model,
    outcome: "success",
    probe: false,
    releaseConcurrency: false,
    tokens: input + output,
    reserved: r.tokens.reserved,
    reservedAt: r.grantedAt,
    estimatedInput,
    inputTokens: input,
    outputTokens: output,
  };
}

const used = (l: ProviderLedger, model: string, key: "tpm" | "tpd", at: number) => l.status(at).models.find((m) => m.name === model)?.usage[key]?.used;

describe("ProviderLedger: token reservations", () => {
  for (const model of ["tpd120", "tpm120"] as const) {
    it(`serves 2 of 5 sequential answers of 59 tokens against ${model === "tpd120" ? "tpd" : "tpm"}: 120`, () => {
      const l = ledger();
      let served = 0;
      for (let i = 0; i < 5; i++) {
        const at = T0 + i * 1_000;
        // The proxy estimates 11 input tokens; the upstream counts 2 in and writes 57.
        const r = l.acquire(ask(model, 11), at);
        if (!r.ok) continue;
        served++;
        l.settle([answered(model, r, 11, 2, 57)], [], at + 500);
      }
      expect(served).toBe(2);
      expect(used(l, model, model === "tpd120" ? "tpd" : "tpm", T0 + 5_000)).toBe(118);
    });
  }

  it("reserves the input estimate plus the running average output, capped by the request's max_tokens", () => {
    const l = ledger();
    // Nothing learnt yet: only the input estimate.
    const first = l.acquire(ask("big", 100), T0);
    expect(first).toMatchObject({ ok: true, tokens: { reserved: 100, cost: { inputRatio: null, outputTokens: null }, settleAtOnce: true } });
    // The upstream counted 200 input tokens for our 100 and wrote 400.
    l.settle([answered("big", first, 100, 200, 400)], [], T0 + 10);
    expect(l.acquire(ask("big", 100), T0 + 20)).toMatchObject({ ok: true, tokens: { reserved: 200 + 400, settleAtOnce: false } });
    expect(l.acquire(ask("big", 100, { maxOutputTokens: 50 }), T0 + 20)).toMatchObject({ ok: true, tokens: { reserved: 200 + 50 } });
    // A second answer moves the average a fifth of the way: 400 + 0.2 * (900 - 400) = 500.
    const third = l.acquire(ask("big", 50), T0 + 30);
    l.settle([answered("big", third, 50, 100, 900)], [], T0 + 40);
    expect(l.acquire(ask("big", 50), T0 + 50)).toMatchObject({ ok: true, tokens: { reserved: 100 + 500 } });
  });

  it("leases one slot at a time until it knows what answers cost", () => {
    const l = ledger();
    expect(l.acquire(ask("big", 1000, { want: 16 }), T0)).toMatchObject({ ok: true, granted: 1, tokens: { reserved: 1000, budget: 1000 } });
  });

  it("counts a lease's tokens for every slot and takes back what its holder did not hand out", () => {
    const l = ledger();
    // One answer teaches the cost: input counted as estimated, 0 output, so later reservations are 1000.
    l.settle([answered("big", l.acquire(ask("big", 1000), T0), 1000, 1000, 0)], [], T0);
    const r = l.acquire(ask("big", 1000, { want: 16 }), T0);
    if (!r.ok || typeof r.granted !== "number" || !r.tokens) throw new Error("expected a counted grant");
    expect(r.granted).toBeGreaterThan(1);
    expect(r.tokens.budget).toBe(r.granted * 1000);
    expect(used(l, "big", "tpm", T0)).toBe(1000 + r.granted * 1000);
    // Two requests used the lease (1000 reserved each; real usage 300 and 1500); the rest goes back.
    const report = (tokens: number): AttemptReport => ({ model: "big", outcome: "success", probe: false, releaseConcurrency: false, tokens, reserved: 1000, reservedAt: T0 });
    l.settle([report(300), report(1500)], [{ model: "big", lease: r.lease, slots: r.granted - 2, tokens: r.tokens.budget - 2000, grantedAt: T0 }], T0 + 2_000);
    expect(used(l, "big", "tpm", T0 + 2_000)).toBe(1000 + 1800);
  });

  it("refuses when the reservation would pass the limit, as held while answers are running, then as spent", () => {
    const l = ledger();
    const a = l.acquire(ask("tpm120", 50), T0);
    const b = l.acquire(ask("tpm120", 50), T0);
    expect(a.ok && b.ok).toBe(true);
    // 100 reserved by two running answers: 50 more would pass 120, but they may use less.
    expect(l.acquire(ask("tpm120", 50), T0 + 1)).toMatchObject({ ok: false, reason: "quota", held: true, retryAfterMs: LEASE_MS });
    // They used 10 each: the third fits now.
    l.settle([answered("tpm120", a, 50, 5, 5), answered("tpm120", b, 50, 5, 5)], [], T0 + 2);
    const c = l.acquire(ask("tpm120", 50), T0 + 3);
    expect(c.ok).toBe(true);
    // c answered with 100: 110 used, nothing running, and the next reservation does not fit: spent until the minute ends.
    l.settle([answered("tpm120", c, 50, 50, 50)], [], T0 + 4);
    const r = l.acquire(ask("tpm120", 1), T0 + 5);
    expect(r).toMatchObject({ ok: false, reason: "quota", retryAfterMs: Date.parse("2026-11-26T10:01:00Z") - (T0 + 5) });
    expect(r).not.toHaveProperty("held");
  });

  it("frees a failed attempt's reservation, and counts a reservation made in an earlier window only where it was counted", () => {
    const l = ledger();
    const r = l.acquire(ask("tpm120", 100), T0);
    l.settle([{ model: "tpm120", outcome: "failure", probe: false, releaseConcurrency: false, reserved: 100, reservedAt: T0 }], [], T0 + 10);
    expect(used(l, "tpm120", "tpm", T0 + 10)).toBe(0);
    // An answer reserved at 10:00:59 and finished at 10:01:01 counts its 30 tokens in the new minute.
    const late = l.acquire(ask("tpm120", 100), Date.parse("2026-11-26T10:00:59Z"));
    expect(r.ok && late.ok).toBe(true);
    l.settle([answered("tpm120", late, 100, 10, 20)], [], Date.parse("2026-11-26T10:01:01Z"));
    expect(used(l, "tpm120", "tpm", Date.parse("2026-11-26T10:01:01Z"))).toBe(30);
  });

  it("holds a provider-wide token limit across its models", () => {
    const l = ledger("pooltok");
    const a = l.acquire(ask("p1", 300), T0);
    expect(a).toMatchObject({ ok: true, tokens: { reserved: 300 } });
    expect(l.acquire(ask("p1", 300), T0)).toMatchObject({ ok: false, reason: "provider_quota", held: true });
  });
});
