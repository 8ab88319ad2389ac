/**
 * Every wait a provider hints at (Retry-After, X-RateLimit-Reset*, retryDelay,
 * OpenRouter's reset) ends up as a cooldown, a stored "until" and a `Retry-After` of our
 * own. A hostile or broken value (a year, 9e12 s, 400 digits, a negative or invalid date)
 * must neither bench a model for ever nor overflow a Date: hints are clamped here to a
 * horizon longer than any real daily quota window, and invalid ones are dropped.
 */

/** Longest wait any hint may impose: a day's quota window plus a DST hour. */
export const MAX_HINT_MS = 25 * 3_600_000;

/** A sane wait in ms (0..MAX_HINT_MS), or undefined for values that are not a wait at all. */
export function clampHintMs(ms: unknown): number | undefined {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return undefined;
  return Math.min(Math.round(ms), MAX_HINT_MS);
}

/** An absolute "until" time bounded to the horizon from `now`; undefined when it is not a time. */
export function clampUntil(until: unknown, now: number, horizonMs = MAX_HINT_MS): number | undefined {
  if (typeof until !== "number" || !Number.isFinite(until)) return undefined;
  return Math.min(Math.max(0, until), now + horizonMs);
}
