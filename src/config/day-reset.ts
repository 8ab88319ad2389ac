/**
 * A provider's `day_reset` ("00:00 America/Los_Angeles", "07:00 UTC", "00:30"): when its
 * daily windows start. Parsed here, below both the config schema (which rejects a bad one
 * at build time) and the limits (which count in those windows), so neither layer reaches
 * into the other.
 */
export interface DayReset {
  /** Minutes after local midnight. */
  readonly offsetMinutes: number;
  readonly timeZone: string;
}

export const UTC_MIDNIGHT: DayReset = { offsetMinutes: 0, timeZone: "UTC" };

const RESET = /^(?:(\d{1,2}):(\d{2}))?\s*([A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*)?$/;

/** "America/Los_Angeles", "07:00 UTC", "00:30" -> DayReset; undefined if malformed. */
export function parseDayReset(text: string): DayReset | undefined {
  const m = RESET.exec(text.trim());
  if (!m || (!m[1] && !m[3])) return undefined;
  const hours = m[1] ? Number(m[1]) : 0;
  const minutes = m[2] ? Number(m[2]) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  const timeZone = m[3] ?? "UTC";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
  } catch {
    return undefined;
  }
  return { offsetMinutes: hours * 60 + minutes, timeZone };
}

