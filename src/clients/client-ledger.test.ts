import { describe, expect, it } from "vitest";
import { compileConfig } from "../../scripts/compile-config";
import { buildCatalog } from "../config/catalog";
import { ClientLedger } from "./client-ledger";
import type { AdmitResult, Hold } from "./usage-body";

const compiled = compileConfig(
  `
providers: { p: { type: openai, base_url: "http://x" } }
models: [{ name: m, provider: p }]
clients:
  conc: { max_concurrent: 2 }
  tok: { limits: { tpm: 100 } }
  day: { limits: { rpd: 2 } }
`,
  "test.yaml",
);
if (!compiled.ok) throw new Error(compiled.message);
const catalog = buildCatalog(compiled.config, 0);
const T0 = Date.parse("2026-11-26T10:00:05Z");
const hold = (r: AdmitResult): Hold => {
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.hold;
};

describe("ClientLedger", () => {
  it("caps concurrency and frees a place when a request is reported", () => {
    const ledger = new ClientLedger("conc", undefined, catalog);
    const a = hold(ledger.admit(10, undefined, T0));
    hold(ledger.admit(10, undefined, T0));
    expect(ledger.admit(10, undefined, T0)).toMatchObject({ ok: false, reason: "concurrency" });
    ledger.record([{ model: "m", tokensIn: 1, tokensOut: 1, error: false, hold: a }], T0 + 1);
    expect(ledger.admit(10, undefined, T0 + 2).ok).toBe(true);
    expect(ledger.usage(T0 + 2)).toMatchObject({ in_flight: 2, max_concurrent: 2 });
  });

  it("reserves estimated tokens, settles the real count, and says when the window frees", () => {
    const ledger = new ClientLedger("tok", undefined, catalog);
    const first = hold(ledger.admit(40, undefined, T0));
    hold(ledger.admit(40, undefined, T0));
    const refused = ledger.admit(40, undefined, T0);
    expect(refused).toEqual({ ok: false, reason: "quota", retryAfterMs: 55_000 });
    ledger.record([{ model: "m", tokensIn: 5, tokensOut: 5, error: false, hold: first }], T0 + 1);
    expect(ledger.usage(T0 + 1).limits.tpm?.used).toBe(50);
    // Learned from that answer: inputs count 5/40 of the estimate, outputs 5 tokens: 30 -> 4 + 5.
    expect(hold(ledger.admit(30, undefined, T0 + 2)).reserved).toBe(9);
    expect(ledger.admit(40, undefined, T0 + 60_000).ok).toBe(true);
  });

  it("counts requests per day and keeps usage by model per window, errors included", () => {
    const ledger = new ClientLedger("day", undefined, catalog);
    hold(ledger.admit(1, undefined, T0));
    hold(ledger.admit(1, undefined, T0));
    expect(ledger.admit(1, undefined, T0 + 3_600_000)).toMatchObject({ ok: false, reason: "quota" });
    ledger.record([{ model: "m", tokensIn: 3, tokensOut: 4, error: false }, { model: "m", tokensIn: 2, tokensOut: 0, error: true }], T0);
    const usage = ledger.usage(T0 + 120_000);
    expect(usage.day).toMatchObject({ requests: 2, tokens_in: 5, tokens_out: 4, errors: 1, models: { m: { requests: 2, errors: 1 } } });
    expect(usage.minute).toMatchObject({ requests: 0, models: {} });
    expect(usage.limits.rpd).toEqual({ used: 2, limit: 2, resets_at: "2026-11-27T00:00:00.000Z" });
    expect(new ClientLedger("day", JSON.parse(JSON.stringify(ledger.state)), catalog).usage(T0).day.requests).toBe(2);
  });
  it("gives back a request's own place only: one aged out frees nobody else's", () => {
    const ledger = new ClientLedger("conc", undefined, catalog);
    const old = hold(ledger.admit(10, undefined, T0));
    // Twenty minutes on, the old request's place is presumed lost and two others take both places.
    const later = T0 + 21 * 60_000;
    hold(ledger.admit(10, undefined, later));
    hold(ledger.admit(10, undefined, later));
    ledger.record([{ model: "m", tokensIn: 1, tokensOut: 1, error: false, hold: old }], later + 1);
    expect(ledger.admit(10, undefined, later + 2)).toMatchObject({ ok: false, reason: "concurrency" });
    expect(ledger.usage(later + 2).in_flight).toBe(2);
  });

  it("learns nothing from answers without counts (cache hits); a failure without an answer spends nothing", () => {
    const ledger = new ClientLedger("tok", undefined, catalog);
    const first = hold(ledger.admit(40, undefined, T0));
    ledger.record([{ model: "m", tokensIn: 40, tokensOut: 10, error: false, hold: first }], T0 + 1);
    const before = hold(ledger.admit(20, undefined, T0 + 2));
    for (let i = 0; i < 5; i++) ledger.record([{ model: "m", error: false, hold: before }], T0 + 3);
    const after = hold(ledger.admit(20, undefined, T0 + 60_000));
    expect(after.reserved).toBe(before.reserved);
    // A failure that never had an answer spent nothing.
    const failed = hold(ledger.admit(20, undefined, T0 + 60_001));
    ledger.record([{ model: "m", error: true, hold: failed }], T0 + 60_002);
    expect(ledger.usage(T0 + 60_002).limits.tpm?.used).toBe(after.reserved);
  });
});
