/** The isolate's pooled leases: each request's own token charge, real usage applied at once, and what goes back. */
import { describe, expect, it } from "vitest";
import { type Lease, LeasePool } from "./lease-pool";

const T0 = Date.parse("2026-11-26T10:00:05Z");
const lease = (over: Partial<Lease> = {}): Lease => ({
  id: 7,
  remaining: 3,
  until: T0 + 2_000,
  grantedAt: T0,
  tokens: 300,
  cost: { inputRatio: 1, outputTokens: 90 },
  drift: 0,
  settleAtOnce: false,
  ...over,
});
const need = (estimatedTokens: number, maxOutputTokens?: number) => ({ estimatedTokens, maxOutputTokens });

describe("LeasePool", () => {
  it("charges each pooled request its own reservation, and refuses one the lease's tokens cannot cover", () => {
    const pool = new LeasePool();
    const l = lease();
    pool.add("m", l);
    // 10 in + 90 expected out.
    expect(pool.take("m", need(10), T0)?.charge).toMatchObject({ reserved: 100, at: T0 });
    // max_tokens 20 caps the expected output.
    expect(pool.take("m", need(10, 20), T0)?.charge).toMatchObject({ reserved: 30 });
    expect(l).toMatchObject({ remaining: 1, tokens: 170 });
    expect(pool.take("m", need(100), T0)).toBeUndefined();
    expect(pool.useless("m", need(100), T0)).toEqual([l]);
  });

  it("counts an answer's real usage against the lease at once", () => {
    const pool = new LeasePool();
    const l = lease();
    pool.add("m", l);
    pool.take("m", need(10), T0);
    // The answer used 250 tokens, 150 more than reserved: of 200 left, 50 are really free.
    l.drift += 150;
    expect(pool.take("m", need(10), T0)).toBeUndefined();
    expect(pool.spent(l)).toBe(false);
    l.drift += 60;
    expect(pool.spent(l)).toBe(true);
  });

  it("returns unused slots and tokens once when the lease ends, and says it ended even when nothing is left", () => {
    const pool = new LeasePool();
    const l = lease();
    pool.add("m", l);
    pool.take("m", need(10), T0);
    expect(pool.end("m", l)).toEqual({ model: "m", lease: 7, slots: 2, tokens: 200, grantedAt: T0 });
    expect(pool.end("m", l)).toBeUndefined();
    expect(pool.holds("m", l)).toBe(false);
    const used = lease({ id: 8, remaining: 1, tokens: null, cost: null });
    pool.add("m", used);
    pool.take("m", need(10), T0);
    expect(pool.end("m", used)).toEqual({ model: "m", lease: 8, slots: 0, grantedAt: T0 });
    // Leases past their end are of no use to anyone.
    const old = lease({ id: 9 });
    pool.add("m", old);
    expect(pool.useless("m", need(1), T0 + 2_000)).toEqual([old]);
  });
});
