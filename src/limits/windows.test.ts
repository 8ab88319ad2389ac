import { describe, expect, it } from "vitest";
import { parseDayReset } from "../config/day-reset";
import { windowAt } from "./windows";

const t = (iso: string) => Date.parse(iso);

describe("calendar windows", () => {
  it("aligns minutes and hours to :00 UTC", () => {
    const now = t("2026-11-26T12:34:56.789Z");
    expect(windowAt("minute", now)).toEqual({ start: t("2026-11-26T12:34:00Z"), end: t("2026-11-26T12:35:00Z") });
    expect(windowAt("hour", now)).toEqual({ start: t("2026-11-26T12:00:00Z"), end: t("2026-11-26T13:00:00Z") });
  });

  it("starts days at 00:00 UTC by default", () => {
    expect(windowAt("day", t("2026-11-26T23:59:59.999Z"))).toEqual({ start: t("2026-11-26T00:00:00Z"), end: t("2026-11-27T00:00:00Z") });
    expect(windowAt("day", t("2026-11-27T00:00:00Z")).start).toBe(t("2026-11-27T00:00:00Z"));
  });

  it("starts days at midnight Pacific for a provider that resets there", () => {
    const pacific = parseDayReset("America/Los_Angeles")!;
    // 26 Nov is PST (UTC-8): the day runs 08:00Z to 08:00Z.
    expect(windowAt("day", t("2026-11-26T07:59:00Z"), pacific)).toEqual({ start: t("2026-11-25T08:00:00Z"), end: t("2026-11-26T08:00:00Z") });
    expect(windowAt("day", t("2026-11-26T08:00:00Z"), pacific)).toEqual({ start: t("2026-11-26T08:00:00Z"), end: t("2026-11-27T08:00:00Z") });
    // Summer is PDT (UTC-7).
    expect(windowAt("day", t("2026-07-01T12:00:00Z"), pacific).start).toBe(t("2026-07-01T07:00:00Z"));
  });

  it("handles the daylight-saving change day (25 hours in November)", () => {
    const pacific = parseDayReset("America/Los_Angeles")!;
    const w = windowAt("day", t("2026-11-01T12:00:00Z"), pacific);
    expect(w).toEqual({ start: t("2026-11-01T07:00:00Z"), end: t("2026-11-02T08:00:00Z") });
  });

  it("supports a reset time of day", () => {
    const reset = parseDayReset("07:30 UTC")!;
    expect(windowAt("day", t("2026-11-26T07:00:00Z"), reset)).toEqual({ start: t("2026-11-25T07:30:00Z"), end: t("2026-11-26T07:30:00Z") });
    expect(parseDayReset("00:00")).toEqual({ offsetMinutes: 0, timeZone: "UTC" });
  });

  it("rejects malformed resets", () => {
    for (const bad of ["", "25:00", "Mars/Olympus_Mons", "12:5"]) expect(parseDayReset(bad), bad).toBeUndefined();
  });
});
