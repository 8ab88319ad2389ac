/**
 * Request and token counters for one set of declared limits (a model's, or a provider
 * account's). Each counter remembers which window it counts; reading one from an older
 * window gives zero, so rollover happens by construction the moment time passes a
 * boundary. Pure and synchronous: the Durable Object runs check-and-take in one step.
 */
import type { Limits } from "../config/schema";
import type { LimitKey, RateHeaders, WindowUsage } from "./limiter-types";
import { type DayReset, UTC_MIDNIGHT } from "../config/day-reset";
import { type WindowKind, windowAt } from "./windows";

const WINDOW: Record<LimitKey, WindowKind> = { rpm: "minute", rph: "hour", rpd: "day", tpm: "minute", tpd: "day" };
export const REQUEST_KEYS = ["rpm", "rph", "rpd"] as const;
export const TOKEN_KEYS = ["tpm", "tpd"] as const;

/** True when a request window in `usage` is used up: no request can be counted until it rolls over. */
export function requestsExhausted(usage: Partial<Record<LimitKey, WindowUsage>>): boolean {
  return REQUEST_KEYS.some((key) => {
    const u = usage[key];
    return u !== undefined && u.used >= u.limit;
  });
}

interface Counter {
  start: number;
  used: number;
}

export type CountersState = Partial<Record<LimitKey, Counter>>;

export class QuotaCounters {
  constructor(
    private readonly limits: Limits,
    private readonly dayReset: DayReset = UTC_MIDNIGHT,
    readonly state: CountersState = {},
  ) {}

  get hasRequestLimits(): boolean {
    return REQUEST_KEYS.some((k) => this.limits[k] !== undefined);
  }

  private window(key: LimitKey, now: number) {
    return windowAt(WINDOW[key], now, this.dayReset);
  }

  used(key: LimitKey, now: number): number {
    const c = this.state[key];
    return c && c.start === this.window(key, now).start ? c.used : 0;
  }

  private add(key: LimitKey, n: number, now: number): void {
    const start = this.window(key, now).start;
    const c = this.state[key];
    if (c && c.start === start) c.used = Math.max(0, c.used + n);
    else if (n > 0) this.state[key] = { start, used: n };
  }

  get hasTokenLimits(): boolean {
    return TOKEN_KEYS.some((k) => this.limits[k] !== undefined);
  }

  /** Requests that may still start now by the request limits; Infinity when there are none. */
  requestRoom(now: number): number {
    let room = Number.POSITIVE_INFINITY;
    for (const key of REQUEST_KEYS) {
      const limit = this.limits[key];
      if (limit !== undefined) room = Math.min(room, limit - this.used(key, now));
    }
    return Math.max(0, room);
  }

  /** Tokens still free in the tightest token window; Infinity when there are none. */
  tokenRoom(now: number): number {
    let room = Number.POSITIVE_INFINITY;
    for (const key of TOKEN_KEYS) {
      const limit = this.limits[key];
      if (limit !== undefined) room = Math.min(room, limit - this.used(key, now));
    }
    return Math.max(0, room);
  }

  /** Counts `n` requests in every request window. The caller has checked headroom. */
  take(n: number, now: number): void {
    for (const key of REQUEST_KEYS) if (this.limits[key] !== undefined) this.add(key, n, now);
  }

  /** Uncounts unused slots granted at `grantedAt`, in the windows that are still the same. */
  giveBack(n: number, grantedAt: number, now: number): void {
    for (const key of REQUEST_KEYS) {
      if (this.limits[key] === undefined) continue;
      if (this.window(key, grantedAt).start === this.window(key, now).start) this.add(key, -n, now);
    }
  }

  addTokens(n: number, now: number): void {
    for (const key of TOKEN_KEYS) if (this.limits[key] !== undefined) this.add(key, n, now);
  }

  /** Uncounts tokens reserved at `reservedAt`, in the windows that are still the same. */
  releaseTokens(n: number, reservedAt: number, now: number): void {
    for (const key of TOKEN_KEYS) {
      if (this.limits[key] === undefined) continue;
      if (this.window(key, reservedAt).start === this.window(key, now).start) this.add(key, -n, now);
    }
  }

  /** Raises a counter to what the provider says is used (never lowers it). */
  raiseTo(key: LimitKey, used: number, now: number): void {
    const current = this.used(key, now);
    if (used > current) this.add(key, used - current, now);
  }

  /** Brings the counters whose limit matches the provider's up to what it says is used. */
  syncWith(rate: RateHeaders, now: number): void {
    const sync = (keys: readonly LimitKey[], limit: number | undefined, remaining: number | undefined) => {
      if (limit === undefined || remaining === undefined) return;
      for (const key of keys) if (this.limits[key] === limit) this.raiseTo(key, limit - remaining, now);
    };
    sync(REQUEST_KEYS, rate.limitRequests, rate.remainingRequests);
    sync(TOKEN_KEYS, rate.limitTokens, rate.remainingTokens);
  }

  /** When room for one request of `estimatedTokens` returns, if nothing held comes back: the latest end among the full windows. */
  freesAt(now: number, estimatedTokens = 0): number {
    let at = now;
    for (const key of [...REQUEST_KEYS, ...TOKEN_KEYS]) {
      const limit = this.limits[key];
      if (limit === undefined) continue;
      const need = key === "tpm" || key === "tpd" ? estimatedTokens : 1;
      if (this.used(key, now) + need > limit) at = Math.max(at, this.window(key, now).end);
    }
    return at;
  }

  /** Fraction of the tightest request window still free (1 when unlimited). */
  freeFraction(now: number): number {
    return this.tightest(now).free;
  }

  /** The tightest request window: the fraction of it still free, and the fraction one request is of it (0 when unlimited). */
  tightest(now: number): { free: number; slot: number } {
    let best: { free: number; slot: number } | undefined;
    for (const key of REQUEST_KEYS) {
      const limit = this.limits[key];
      if (limit === undefined) continue;
      const free = Math.max(0, limit - this.used(key, now)) / limit;
      if (!best || free < best.free) best = { free, slot: 1 / limit };
    }
    return best ?? { free: 1, slot: 0 };
  }

  usage(now: number): Partial<Record<LimitKey, WindowUsage>> {
    const out: Partial<Record<LimitKey, WindowUsage>> = {};
    for (const key of [...REQUEST_KEYS, ...TOKEN_KEYS]) {
      const limit = this.limits[key];
      if (limit !== undefined) out[key] = { used: this.used(key, now), limit, resets_at: this.window(key, now).end };
    }
    return out;
  }
}
