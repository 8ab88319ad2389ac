import { describe, expect, it } from "vitest";
import { QuotaCounters } from "./quota-counters";
import { parseDayReset } from "../config/day-reset";

const at = (iso: string) => Date.parse(iso);

describe("QuotaCounters", () => {
  it("counts down headroom across every declared window", () => {
    const c = new QuotaCounters({ rpm: 5, rpd: 7 });
    const now = at("2026-11-26T10:00:10Z");
    expect(c.requestRoom(now)).toBe(5);
    c.take(5, now);
    expect(c.requestRoom(now)).toBe(0);
    // Next minute: rpm frees, rpd (7) leaves 2.
    expect(c.requestRoom(at("2026-11-26T10:01:00Z"))).toBe(2);
  });

  it("is available again the instant its window rolls over, whatever happened before", () => {
    const c = new QuotaCounters({ rpm: 1 });
    c.take(1, at("2026-11-26T10:00:59.999Z"));
    expect(c.requestRoom(at("2026-11-26T10:00:59.999Z"))).toBe(0);
    expect(c.freesAt(at("2026-11-26T10:00:59.999Z"))).toBe(at("2026-11-26T10:01:00Z"));
    expect(c.requestRoom(at("2026-11-26T10:01:00Z"))).toBe(1);
    // Long idle gaps too: nothing needs to run for the window to roll.
    expect(c.requestRoom(at("2027-03-01T00:00:00Z"))).toBe(1);
  });

  it("gives back unused slots only to windows that are still current", () => {
    const c = new QuotaCounters({ rpm: 10, rpd: 100 });
    const granted = at("2026-11-26T10:00:30Z");
    c.take(8, granted);
    c.giveBack(5, granted, at("2026-11-26T10:00:40Z"));
    expect(c.used("rpm", at("2026-11-26T10:00:41Z"))).toBe(3);
    c.take(4, at("2026-11-26T10:00:50Z"));
    c.giveBack(4, at("2026-11-26T10:00:50Z"), at("2026-11-26T10:01:05Z"));
    expect(c.used("rpm", at("2026-11-26T10:01:05Z"))).toBe(0);
    expect(c.used("rpd", at("2026-11-26T10:01:05Z"))).toBe(3);
  });

  it("measures token room separately, and frees reserved tokens only in the window that counted them", () => {
    const c = new QuotaCounters({ tpm: 1000, tpd: 5000 });
    const now = at("2026-11-26T10:00:30Z");
    expect(c.requestRoom(now)).toBe(Number.POSITIVE_INFINITY);
    expect(c.tokenRoom(now)).toBe(1000);
    c.addTokens(800, now);
    expect(c.tokenRoom(now)).toBe(200);
    expect(c.freesAt(now, 300)).toBe(at("2026-11-26T10:01:00Z"));
    c.releaseTokens(300, now, at("2026-11-26T10:00:50Z"));
    expect(c.tokenRoom(at("2026-11-26T10:00:50Z"))).toBe(500);
    // A reservation from the minute before leaves this minute alone, but the day still counted it.
    c.releaseTokens(400, now, at("2026-11-26T10:01:10Z"));
    expect(c.used("tpm", at("2026-11-26T10:01:10Z"))).toBe(0);
    expect(c.used("tpd", at("2026-11-26T10:01:10Z"))).toBe(100);
  });

  it("uses the provider's day reset", () => {
    const c = new QuotaCounters({ rpd: 1 }, parseDayReset("America/Los_Angeles"));
    c.take(1, at("2026-11-26T07:00:00Z"));
    expect(c.requestRoom(at("2026-11-26T07:59:59Z"))).toBe(0);
    expect(c.requestRoom(at("2026-11-26T08:00:00Z"))).toBe(1);
  });

  it("reports usage per declared window and syncs up to provider figures", () => {
    const c = new QuotaCounters({ rpm: 10, tpd: 5000 });
    const now = at("2026-11-26T10:00:00Z");
    c.take(2, now);
    c.raiseTo("rpm", 6, now);
    c.raiseTo("rpm", 1, now);
    expect(c.usage(now)).toEqual({
      rpm: { used: 6, limit: 10, resets_at: at("2026-11-26T10:01:00Z") },
      tpd: { used: 0, limit: 5000, resets_at: at("2026-11-27T00:00:00Z") },
    });
  });
});
