/**
 * A moved clock for the time-sensitive suites: `TEST_CLOCK=+365d` (or `+90m`, `-2h`) or
 * `TEST_CLOCK=2027-01-31T23:59:00Z` shifts what `Date` says, everywhere the Worker, its
 * Durable Objects and the tests run, so a test that only passes on some dates or at some
 * times of day fails in CI first. The shift is a whole number of minutes, so the moved
 * clock and the upstream simulator (on the real clock) still agree on minute boundaries.
 */
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The shift for a TEST_CLOCK value, in ms, rounded to whole minutes; 0 when unset. */
export function clockOffsetMs(spec: string | undefined, now = Date.now()): number {
  if (!spec) return 0;
  const relative = /^([+-]\d+)([mhd])$/.exec(spec);
  const raw = relative ? Number(relative[1]) * UNITS[relative[2]!]! : Date.parse(spec) - now;
  if (!Number.isFinite(raw)) throw new Error(`TEST_CLOCK=${spec}: expected +365d, -2h, +90m or an ISO date`);
  return Math.round(raw / 60_000) * 60_000;
}

/** Replaces the global Date with one running `offsetMs` ahead; parsing and UTC maths are untouched. */
export function moveClock(offsetMs: number): void {
  if (offsetMs === 0) return;
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class MovedDate extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(realNow() + offsetMs);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return realNow() + offsetMs;
    }
  }
  globalThis.Date = MovedDate as DateConstructor;
}
