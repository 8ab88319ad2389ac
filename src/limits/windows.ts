/**
 * Calendar-aligned rate windows. Minute and hour windows start at :00 UTC; the day window
 * starts at a provider's `day_reset` (midnight UTC by default, or e.g. "00:00
 * America/Los_Angeles", where some providers reset). A window is identified by its start
 * time, so a counter tagged with an old start is simply empty: rollover is lazy and can
 * never be missed, whatever happened while nobody was looking.
 */
import { type DayReset, UTC_MIDNIGHT } from "../config/day-reset";

export type WindowKind = "minute" | "hour" | "day";

export interface Window {
  readonly start: number;
  readonly end: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset at `at`, in ms (positive east of Greenwich). */
function zoneOffset(timeZone: string, at: number): number {
  if (timeZone === "UTC") return 0;
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, fmt);
  }
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(at)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(at / 1000) * 1000;
}

function dayWindow(now: number, reset: DayReset): Window {
  // Work in the zone's wall-clock time, then convert the boundaries back; recomputing the
  // offset at each boundary keeps daylight-saving days (23 or 25 hours) right.
  const shift = reset.offsetMinutes * MINUTE;
  const local = now + zoneOffset(reset.timeZone, now) - shift;
  const localStart = Math.floor(local / DAY) * DAY + shift;
  const toUtc = (wall: number) => {
    const guess = wall - zoneOffset(reset.timeZone, wall);
    return wall - zoneOffset(reset.timeZone, guess);
  };
  const start = toUtc(localStart);
  const end = toUtc(localStart + DAY);
  return start > now ? { start: toUtc(localStart - DAY), end: start } : { start, end };
}

export function windowAt(kind: WindowKind, now: number, reset: DayReset = UTC_MIDNIGHT): Window {
  switch (kind) {
    case "minute": {
      const start = Math.floor(now / MINUTE) * MINUTE;
      return { start, end: start + MINUTE };
    }
    case "hour": {
      const start = Math.floor(now / HOUR) * HOUR;
      return { start, end: start + HOUR };
    }
    case "day":
      return dayWindow(now, reset);
  }
}
