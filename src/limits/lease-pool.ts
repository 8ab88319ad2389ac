/**
 * The isolate's pooled leases, per model: slots (and, for token-limited models, reserved
 * tokens) granted in one limiter call and spent by later requests without another. Each
 * request served from a lease takes one slot and its own token reservation; when its
 * answer settles, the difference between real usage and that reservation is applied to the
 * lease at once, so a long answer shrinks what this isolate may still spend before the
 * limiter has heard of it. What a lease did not hand out goes back when it ends.
 */
import type { LeaseReturn } from "./limiter-types";
import { reservationFor, type TokenCost } from "./token-cost";

export interface Lease {
  /** The limiter's id for it; undefined for a grant the isolate made itself (limiter unreachable). */
  id: number | undefined;
  remaining: number | "unlimited";
  until: number;
  grantedAt: number;
  /** Reserved tokens not yet handed to a request; null when no token limit applies. */
  tokens: number | null;
  cost: TokenCost | null;
  /** Real usage minus reservation, summed over this lease's answers settled while it lived. */
  drift: number;
  /** Answers under this lease report their usage at once. */
  settleAtOnce: boolean;
}

/** What one request was charged in tokens, to be replaced by its real usage when it settles. */
export interface Charge {
  reserved: number;
  at: number;
  lease: Lease | undefined;
  atOnce: boolean;
}

export interface Need {
  estimatedTokens: number;
  maxOutputTokens: number | undefined;
}

const usable = (lease: Lease) => (lease.tokens ?? 0) - lease.drift;

export class LeasePool {
  private readonly pools = new Map<string, Lease[]>();

  add(model: string, lease: Lease): void {
    const pool = this.pools.get(model) ?? [];
    pool.push(lease);
    this.pools.set(model, pool);
  }

  /**
   * Leases of `model` that cannot serve this request: ended, or without the tokens it
   * needs (what they hold is better back with the limiter, where this very request can
   * get it).
   */
  useless(model: string, need: Need, now: number): Lease[] {
    return (this.pools.get(model) ?? []).filter((l) => l.until <= now || (l.tokens !== null && l.cost !== null && usable(l) < reservationFor(need.estimatedTokens, need.maxOutputTokens, l.cost)));
  }

  /** After an answer under `lease` settled: whether its tokens are used up, real usage counted. */
  spent(lease: Lease): boolean {
    return lease.tokens !== null && usable(lease) <= 0;
  }

  /**
   * One slot from a live lease of `model`, with its token charge when the lease counts
   * tokens; undefined when no lease can take the request.
   */
  take(model: string, need: Need, now: number): { lease: Lease; charge: Charge | undefined } | undefined {
    for (const lease of this.pools.get(model) ?? []) {
      if (lease.until <= now) continue;
      if (lease.remaining === "unlimited") return { lease, charge: undefined };
      if (lease.remaining < 1) continue;
      let charge: Charge | undefined;
      if (lease.tokens !== null && lease.cost !== null) {
        const reserved = reservationFor(need.estimatedTokens, need.maxOutputTokens, lease.cost);
        if (usable(lease) < reserved) continue;
        lease.tokens -= reserved;
        charge = { reserved, at: lease.grantedAt, lease, atOnce: lease.settleAtOnce };
      }
      lease.remaining--;
      return { lease, charge };
    }
    return undefined;
  }

  /** Whether the lease is still pooled (an answer settling after its end no longer changes it). */
  holds(model: string, lease: Lease): boolean {
    return this.pools.get(model)?.includes(lease) ?? false;
  }

  leases(model: string): Lease[] {
    return [...(this.pools.get(model) ?? [])];
  }

  /**
   * Takes `lease` out of the pool and says what goes back to the limiter: unused slots
   * and tokens, and in any case the lease's end, so it stops counting as held.
   */
  end(model: string, lease: Lease): LeaseReturn | undefined {
    const pool = this.pools.get(model);
    const at = pool?.indexOf(lease) ?? -1;
    if (pool && at !== -1) {
      pool.splice(at, 1);
      if (pool.length === 0) this.pools.delete(model);
    }
    if (lease.remaining === "unlimited" || lease.id === undefined) return undefined;
    const ret: LeaseReturn = { model, lease: lease.id, slots: lease.remaining, grantedAt: lease.grantedAt };
    if (lease.tokens) ret.tokens = lease.tokens;
    lease.remaining = 0;
    lease.tokens = lease.tokens === null ? null : 0;
    // Ended twice (expiry timer after an early end): nothing more to say.
    lease.id = undefined;
    return ret;
  }
}
