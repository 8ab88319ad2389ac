import { describe, expect, it } from "vitest";
import { admit, closedBreaker, DEFAULT_BREAKER, phase, recordFailure, recordSuccess } from "./breaker";

const P = DEFAULT_BREAKER;

describe("circuit breaker", () => {
  it("opens after N consecutive failures, not before", () => {
    const s = closedBreaker();
    for (let i = 1; i < P.failureThreshold; i++) recordFailure(s, 1000);
    expect(phase(s, 1000)).toBe("closed");
    recordFailure(s, 1000);
    expect(phase(s, 1000)).toBe("open");
    expect(admit(s, 1001)).toEqual({ ok: false, until: 1000 + P.baseCooldownMs });
  });

  it("a success resets the streak", () => {
    const s = closedBreaker();
    recordFailure(s, 0);
    recordFailure(s, 0);
    recordSuccess(s);
    recordFailure(s, 0);
    expect(phase(s, 0)).toBe("closed");
  });

  it("trips on the error rate over a minimum sample", () => {
    const s = closedBreaker();
    for (let i = 0; i < 10; i++) {
      if (i % 2) recordFailure(s, 0);
      else recordSuccess(s);
    }
    expect(phase(s, 0)).toBe("open");
  });

  it("half-open lets exactly one probe through; success closes", () => {
    const s = closedBreaker();
    for (let i = 0; i < 3; i++) recordFailure(s, 0);
    const later = P.baseCooldownMs;
    expect(phase(s, later)).toBe("half_open");
    expect(admit(s, later)).toEqual({ ok: true, probe: true });
    expect(admit(s, later + 1).ok).toBe(false);
    recordSuccess(s);
    expect(phase(s, later + 2)).toBe("closed");
    expect(admit(s, later + 2)).toEqual({ ok: true, probe: false });
  });

  it("a failed probe re-opens with a doubled cooldown, capped", () => {
    const s = closedBreaker();
    for (let i = 0; i < 3; i++) recordFailure(s, 0);
    let now = P.baseCooldownMs;
    let expected = P.baseCooldownMs * 2;
    for (let round = 0; round < 10; round++) {
      expect(admit(s, now)).toEqual({ ok: true, probe: true });
      recordFailure(s, now);
      expect(s.openUntil - now).toBe(Math.min(expected, P.maxCooldownMs));
      now = s.openUntil;
      expected *= 2;
    }
  });

  it("frees the probe slot if the probe never reports", () => {
    const s = closedBreaker();
    for (let i = 0; i < 3; i++) recordFailure(s, 0);
    const t = P.baseCooldownMs;
    expect(admit(s, t).ok).toBe(true);
    expect(admit(s, t + P.probeTimeoutMs - 1).ok).toBe(false);
    expect(admit(s, t + P.probeTimeoutMs)).toEqual({ ok: true, probe: true });
  });

  it("keeps a later deadline when re-opening", () => {
    const s = closedBreaker();
    s.openUntil = 10_000_000;
    for (let i = 0; i < 3; i++) recordFailure(s, 0);
    expect(s.openUntil).toBe(10_000_000);
  });
});
