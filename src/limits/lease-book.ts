/**
 * What a provider's limiter knows about the quota it has handed out but not seen spent:
 * leases still live in some isolate (their unused slots come back when they end), tokens
 * reserved for answers still running, and which isolates asked lately. Two decisions
 * depend on it. A refusal caused by held quota says when that quota may come back
 * instead of pointing at the window's end, so the refused isolates ask again in time to
 * use it; and a lease is sized by the number of isolates asking, so that no isolate pools
 * more than its share while others are refused. In memory only: after a restart the
 * limiter simply sees no holders until new grants are made, and refuses as "spent".
 */
import type { AttemptReport, LeaseReturn } from "./limiter-types";
import type { QuotaCounters } from "./quota-counters";
import type { TokenCost } from "./token-cost";

/** A lease that ended is given this long for its unused slots to come back before they count as lost. */
export const RETURN_GRACE_MS = 1_000;
/** After a lease ends, a refused isolate asks again this much later, time for the return to land. */
export const RETURN_MARGIN_MS = 100;
export const LEASE_MS = 2_000;
/** Lease length when what is left is small next to the number of isolates asking. */
export const SHORT_LEASE_MS = 500;
/** What is left counts as "small" under this many requests per isolate asking. */
const SCARCE_PER_CALLER = 8;
const MAX_LEASE = 32;
/** One lease never takes more than this fraction's inverse of what is left. */
const MIN_SHARES = 8;
/** An isolate that has not asked for this long no longer counts as one asking. */
const CALLER_MEMORY_MS = 10_000;
/** Reservations whose answers never reported (their isolate died) are forgotten after this. */
const RESERVATION_MAX_AGE_MS = 15 * 60_000;

interface HeldLease {
  id: number;
  until: number;
}

/** Why a request does not fit: until when, whether what is missing is only held, and whether only its tokens are missing. */
export interface Shortfall {
  until: number;
  held: boolean;
  byTokens: boolean;
}

export interface LeaseTerms {
  slots: number;
  ms: number;
}

/**
 * How many slots to lease and for how long. A pooled slot nobody uses in time is a slot
 * another isolate was refused, so leases stay small where that matters: an equal share of
 * what is left among the isolates asking lately plus one newcomer, never more than an
 * eighth of it (a burst of isolates not yet seen must not find it in one pool), at least
 * one. When what is left is small next to the number of isolates asking, single slots on
 * short leases: the object is then asked once per request, which at such limits is few calls.
 */
export function leaseTerms(room: number, callers: number, want: number): LeaseTerms {
  const n = Math.max(1, callers);
  if (n > 1 && room < n * SCARCE_PER_CALLER) return { slots: 1, ms: SHORT_LEASE_MS };
  return { slots: Math.max(1, Math.min(want, MAX_LEASE, Math.floor(room / Math.max(n + 1, MIN_SHARES)))), ms: LEASE_MS };
}

/**
 * Whether answers served under a token grant should report their usage at once instead of
 * in the next batch: when the model's output size is still unknown (the reservation was a
 * guess), or when few requests' worth of tokens are left, where a late report lets other
 * isolates take tokens that are already spent.
 */
export function settleAtOnce(cost: TokenCost, requestsLeft: number, callers: number): boolean {
  return cost.outputTokens === null || requestsLeft < Math.max(1, callers) * SCARCE_PER_CALLER;
}

export class LeaseBook {
  private seq = 0;
  private readonly callers = new Map<string, Map<string, number>>();
  private readonly leases = new Map<string, HeldLease[]>();
  private readonly reserved = new Map<string, { tokens: number; at: number }>();

  /** Lease ids grow from the first grant's time, so ids from before a restart never match new ones. */
  nextId(now: number): number {
    if (this.seq === 0) this.seq = now * 1_000;
    return ++this.seq;
  }

  /** Notes that `caller` asked for `model` now. */
  seen(model: string, caller: string, now: number): void {
    let map = this.callers.get(model);
    if (!map) this.callers.set(model, (map = new Map()));
    map.set(caller, now);
    for (const [id, at] of map) if (now - at > CALLER_MEMORY_MS) map.delete(id);
  }

  /** Distinct isolates that asked lately for any of `models`. */
  callerCount(models: Iterable<string>, now: number): number {
    const ids = new Set<string>();
    for (const model of models) {
      for (const [id, at] of this.callers.get(model) ?? []) if (now - at <= CALLER_MEMORY_MS) ids.add(id);
    }
    return ids.size;
  }

  /** A lease with slots or tokens that may come back. */
  open(model: string, id: number, until: number): void {
    const list = this.leases.get(model) ?? [];
    list.push({ id, until });
    this.leases.set(model, list);
  }

  close(model: string, id: number): void {
    const list = this.leases.get(model);
    if (!list) return;
    const at = list.findIndex((l) => l.id === id);
    if (at !== -1) list.splice(at, 1);
    if (list.length === 0) this.leases.delete(model);
  }

  /** When the first lease of `models` still held ends (or ended, within its grace), or undefined if none is held. */
  heldUntil(models: Iterable<string>, now: number): number | undefined {
    let first: number | undefined;
    for (const model of models) {
      const list = this.leases.get(model);
      if (!list) continue;
      for (let i = list.length - 1; i >= 0; i--) {
        const lease = list[i]!;
        if (lease.until + RETURN_GRACE_MS <= now) list.splice(i, 1);
        else first = Math.min(first ?? lease.until, lease.until);
      }
      if (list.length === 0) this.leases.delete(model);
    }
    return first;
  }

  /** Tokens counted for `model` that answers still running, or leases, may partly give back. */
  reserve(model: string, tokens: number, now: number): void {
    const r = this.reserved.get(model);
    this.reserved.set(model, { tokens: (r && now - r.at <= RESERVATION_MAX_AGE_MS ? r.tokens : 0) + tokens, at: now });
  }

  release(model: string, tokens: number): void {
    const r = this.reserved.get(model);
    if (!r) return;
    r.tokens -= tokens;
    if (r.tokens <= 0) this.reserved.delete(model);
  }

  reservedTokens(models: Iterable<string>, now: number): number {
    let total = 0;
    for (const model of models) {
      const r = this.reserved.get(model);
      if (r && now - r.at <= RESERVATION_MAX_AGE_MS) total += r.tokens;
    }
    return total;
  }

  /**
   * Why one more request of `reserve` tokens does not fit `counters`, if it does not, and
   * until when: what leases or running answers hold may come back any moment, so a refusal
   * caused by it says so and points at the first lease's end; what is spent stays spent
   * until its window ends.
   */
  shortfall(counters: QuotaCounters, models: Iterable<string>, reserve: number, now: number): Shortfall | undefined {
    const noSlot = counters.requestRoom(now) < 1;
    const noTokens = counters.tokenRoom(now) < reserve;
    if (!noSlot && !noTokens) return undefined;
    const names = [...models];
    const byTokens = !noSlot;
    const leaseEnd = this.heldUntil(names, now);
    if (leaseEnd !== undefined) return { until: Math.max(leaseEnd, now) + RETURN_MARGIN_MS, held: true, byTokens };
    if (byTokens && this.reservedTokens(names, now) > 0) return { until: now + LEASE_MS, held: true, byTokens };
    return { until: counters.freesAt(now, reserve), held: false, byTokens };
  }

  /** A lease ended: its unused slots and tokens go back to `counters`, and it is no longer held. Says whether anything changed. */
  takeBack(counters: readonly QuotaCounters[], r: LeaseReturn, now: number): boolean {
    if (r.lease !== undefined) this.close(r.model, r.lease);
    for (const c of counters) {
      if (r.slots > 0) c.giveBack(r.slots, r.grantedAt, now);
      if (r.tokens) c.releaseTokens(r.tokens, r.grantedAt, now);
    }
    if (r.tokens) this.release(r.model, r.tokens);
    return r.slots > 0 || (r.tokens ?? 0) > 0;
  }

  /** An answer's real usage replaces, in `counters`, what was reserved for it. */
  settleTokens(counters: readonly QuotaCounters[], r: AttemptReport, now: number): void {
    for (const c of counters) {
      if (r.reserved) c.releaseTokens(r.reserved, r.reservedAt ?? now, now);
      if (r.tokens) c.addTokens(r.tokens, now);
    }
    if (r.reserved) this.release(r.model, r.reserved);
  }
}
