/**
 * The isolate's side of the limiter, so that most requests never call a Durable Object:
 * - leases: a batch of slots (and reserved tokens, for token-limited models) from one
 *   acquire call, pooled per model and spent locally until they run out or the lease ends
 *   (at most 2 s, never past a minute boundary); unused ones go back at once. A request
 *   that finds the pool empty makes its own call (an RPC belongs to the request that made
 *   it, so calls cannot be shared), keeps one slot and pools the rest; a request refused
 *   by the object still takes what others pooled;
 * - a local "unavailable until T" cache, so exhausted, cooling or open models are skipped
 *   without a call; a refusal caused by quota other isolates hold is cached only until
 *   the limiter expects it back;
 * - reports (outcomes, real token usage, returned slots) batched and sent off the request
 *   path, or at once when others are waiting for them.
 * Models with a concurrency cap are the exception: each request takes and releases a slot.
 */
import { logLine } from "../observability/log-line";
import { catalog, type ResolvedModel } from "../config/catalog";
import type { Bindings } from "../env";
import { ConfigurationError } from "../errors";
import { type Charge, type Lease, LeasePool, type Need } from "./lease-pool";
import type { AcquireResult, AttemptReport, ModelView, ProviderStatus, RefusalReason, SettleResult } from "./limiter-types";
import type { QuotaContext } from "./quota-context";
import { LocalViews } from "./local-views";
import { type Bucket, bucketOf, keyOrder, perKey, poolOf, shownAs, suffixOf } from "./key-pool";
import { Outbox } from "./outbox";
import { parseDayReset, UTC_MIDNIGHT } from "../config/day-reset";
import { windowAt } from "./windows";

export type SettleInfo = Omit<AttemptReport, "model" | "probe" | "releaseConcurrency" | "reserved" | "reservedAt" | "estimatedInput">;

export interface Reservation {
  ok: true;
  probe: boolean;
  /** Which key of the provider's pool to send with (0 without a pool). */
  key: number;
  /** Report how the attempt went; call exactly once. */
  settle(info: SettleInfo): void;
}

export interface Refusal {
  ok: false;
  reason: RefusalReason;
  retryAfterMs: number;
}

const LEASE_WANT = 16;
/** Slots count as plentiful while this many full leases are left. */
const PLENTY_LEASES = 8;
/** A half-open model may close any moment: don't trust a local "open" for long. */
const BRIEF_LOCAL_BLOCK_MS = 2_000;
/** While the limiter cannot be reached: how long a grant the isolate makes itself lasts, or a refusal holds. */
const UNREACHABLE_MS = 1_000;

export class QuotaClient {
  private readonly pool = new LeasePool();
  /** Models known here to be unavailable until a time; for lack of tokens, only to requests at least as large as the one refused. */
  private readonly blocked = new Map<string, { until: number; reason: RefusalReason; need?: Need }>();
  private readonly local = new LocalViews();
  /** What this isolate knows of each model, for ordering candidates. */
  readonly views: ReadonlyMap<string, ModelView> = this.local.map;
  private readonly outbox = new Outbox((limiter, reports, result, ctx) => this.settled(limiter, reports, result, ctx));
  /** Limiter calls in flight from this isolate, per model. */
  private readonly asking = new Map<string, number>();
  /** Names this isolate to the limiters, which share scarce quota among the isolates asking. */
  private id: string | undefined;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** When a model is locally known to be unavailable until; 0 if it may be tried. */
  /** Each provider's live state, straight from its limiter (for /v1/status and health probes). */
  statuses(providerIds: Iterable<string>, ctx: QuotaContext): Promise<ProviderStatus[]> {
    return Promise.all([...new Set(providerIds)].map((id) => ctx.limiter.getByName(id).status()));
  }

  /** The buckets of each key of a per-key pool, by limiter name (for /v1/status). */
  keyLimiters(model: ResolvedModel, ctx: QuotaContext): Array<{ limiter: string; key: string }> {
    const pool = poolOf(model, ctx.env);
    return perKey(model) ? pool.map((fp, i) => ({ limiter: bucketOf(model, pool, i).limiter, key: shownAs(fp) })) : [];
  }

  unavailableUntil(model: string): number {
    const b = this.blocked.get(model);
    return b && b.until > this.now() ? b.until : 0;
  }

  /**
   * Takes quota for one attempt: a slot, and for token-limited models its likely token
   * cost (the input estimate plus the expected output, capped by `maxOutputTokens`).
   */
  async reserve(model: ResolvedModel, estimatedTokens: number, ctx: QuotaContext, maxOutputTokens?: number, affinity?: () => string): Promise<Reservation | Refusal> {
    const need: Need = { estimatedTokens, maxOutputTokens };
    const pool = poolOf(model, ctx.env);
    if (pool.length === 0) return this.reserveIn(model, bucketOf(model, pool, 0), need, ctx);
    const conversation = affinity?.();
    const order = keyOrder(model, pool, conversation, (k) => this.local.map.get(bucketOf(model, pool, k).id)?.freeFraction ?? 1, this.now());
    // One shared bucket: the key only changes when the provider rejects one.
    if (!perKey(model)) return this.reserveIn(model, bucketOf(model, pool, order[0]!), need, ctx);
    let refusal: Refusal | undefined;
    for (const key of order) {
      const result = await this.reserveIn(model, bucketOf(model, pool, key), need, ctx);
      if (result.ok) {
        if (refusal && conversation !== undefined) logLine("info", { msg: "conversation moved to another key", provider: model.providerId, model: model.name, from: shownAs(pool[order[0]!]!), to: shownAs(pool[key]!) });
        return result;
      }
      if (!refusal || result.retryAfterMs < refusal.retryAfterMs) refusal = result;
    }
    return refusal!;
  }

  private async reserveIn(model: ResolvedModel, b: Bucket, need: Need, ctx: QuotaContext): Promise<Reservation | Refusal> {
    const name = b.id;
    const pooled = this.takePooled(model, b, need, ctx);
    if (pooled) return pooled;
    const now = this.now();
    const block = this.blocked.get(name);
    if (block && block.until > now && !(block.need && smaller(need, block.need))) return { ok: false, reason: block.reason, retryAfterMs: block.until - now };
    const capped = model.max_concurrent !== undefined || model.providerConfig.max_concurrent !== undefined;
    // A concurrency slot is per request: ask for exactly one and pool nothing. While another
    // request here is already asking, and slots are not plentiful, ask for one: a burst's
    // concurrent requests each get their own, and no batch ends up pooled here unused while
    // other isolates are refused.
    const asking = this.asking.get(name) ?? 0;
    this.asking.set(name, asking + 1);
    const single = capped || (asking > 0 && !this.local.atLeast(name, PLENTY_LEASES * LEASE_WANT));
    const result = await this.acquire(model, b, single ? 1 : LEASE_WANT, need, ctx).finally(() => {
      const left = (this.asking.get(name) ?? 1) - 1;
      if (left > 0) this.asking.set(name, left);
      else this.asking.delete(name);
    });
    if (!result.ok) {
      if (result.view) this.local.fromLimiter(name, result.view, this.pooled(name));
      return this.takePooled(model, b, need, ctx) ?? this.refused(model, b, result, ctx, need);
    }
    const t = result.tokens;
    const lease: Lease = {
      id: result.lease,
      remaining: result.granted === "unlimited" ? "unlimited" : result.granted - 1,
      until: result.leaseUntil,
      grantedAt: result.grantedAt,
      tokens: t ? t.budget - t.reserved : null,
      cost: t?.cost ?? null,
      drift: 0,
      settleAtOnce: t?.settleAtOnce ?? false,
    };
    const charge: Charge | undefined = t ? { reserved: t.reserved, at: result.grantedAt, lease, atOnce: t.settleAtOnce } : undefined;
    if (lease.remaining === "unlimited" || lease.remaining > 0) {
      this.pool.add(name, lease);
      if (lease.remaining !== "unlimited") this.returnAtExpiry(b, lease, ctx);
    }
    if (result.view) this.local.fromLimiter(name, result.view, this.pooled(name));
    return this.reservation(model, b, result.probe, result.concurrency, ctx, charge, need);
  }

  private pooled(name: string): number {
    return this.pool.leases(name).reduce((n, l) => n + (typeof l.remaining === "number" ? l.remaining : 0), 0);
  }

  /** A slot from a live pooled lease, if any; leases that cannot serve it go back on the way. */
  private takePooled(model: ResolvedModel, b: Bucket, need: Need, ctx: QuotaContext): Reservation | undefined {
    const now = this.now();
    for (const lease of this.pool.useless(b.id, need, now)) this.endLease(b, lease, ctx);
    const taken = this.pool.take(b.id, need, now);
    if (!taken) return undefined;
    if (taken.lease.remaining !== "unlimited") this.local.took(b.id);
    // The last slot is gone: say so now, so the limiter stops counting this lease as held.
    if (taken.lease.remaining === 0) this.endLease(b, taken.lease, ctx);
    return this.reservation(model, b, false, false, ctx, taken.charge, need);
  }

  private refused(model: ResolvedModel, b: Bucket, result: Extract<AcquireResult, { ok: false }>, ctx: QuotaContext, need: Need): Refusal {
    let hold = result.retryAfterMs;
    if (result.reason === "breaker") hold = Math.min(hold, BRIEF_LOCAL_BLOCK_MS);
    if (result.reason !== "concurrency" && hold > 0) this.block(b, this.now() + hold, result.reason, ctx, result.byTokens ? need : undefined);
    return { ok: false, reason: result.reason, retryAfterMs: result.retryAfterMs };
  }

  /**
   * Marks a model unavailable here until `until`. Slots already counted stay usable when
   * the window is merely full, but a model that is failing or told us to back off must not
   * get more traffic from leftover leases: those go back.
   */
  private block(b: Bucket, until: number, reason: RefusalReason, ctx: QuotaContext, need?: Need): void {
    this.blocked.set(b.id, need ? { until, reason, need } : { until, reason });
    if (reason === "quota" || reason === "provider_quota") return;
    for (const lease of this.pool.leases(b.id)) this.endLease(b, lease, ctx);
  }

  private async acquire(model: ResolvedModel, b: Bucket, want: number, need: Need, ctx: QuotaContext): Promise<AcquireResult> {
    this.id ??= crypto.randomUUID();
    try {
      const result = await ctx.limiter
        .getByName(b.limiter)
        .acquire({ model: model.name, want, estimatedTokens: need.estimatedTokens, maxOutputTokens: need.maxOutputTokens, caller: this.id });
      return result;
    } catch (err) {
      logLine("error", { msg: "limiter acquire failed", provider: model.providerId, error: String(err) });
      const now = this.now();
      // The provider says which is worse: an uncounted request (open), or none at all (closed).
      if (model.providerConfig.limiter_unreachable === "closed") return { ok: false, reason: "limiter_unavailable", retryAfterMs: UNREACHABLE_MS, view: null };
      return { ok: true, granted: 1, leaseUntil: now + UNREACHABLE_MS, grantedAt: now, lease: 0, tokens: null, probe: false, concurrency: false, view: null };
    }
  }

  private reservation(model: ResolvedModel, b: Bucket, probe: boolean, concurrency: boolean, ctx: QuotaContext, charge: Charge | undefined, need: Need): Reservation {
    let settled = false;
    return {
      ok: true,
      probe,
      key: b.key,
      settle: (info) => {
        if (settled) return;
        settled = true;
        this.local.observed(b.id, this.now(), info.outcome === "success" ? info.latencyMs : undefined);
        const exhausted = info.rate && (info.rate.remainingRequests === 0 || info.rate.remainingTokens === 0) ? info.rate.resetMs : undefined;
        const coolFor = info.outcome === "rate_limited" && info.scope !== "account" ? (info.retryAfterMs ?? 10_000) : exhausted;
        if (coolFor !== undefined) this.block(b, this.now() + coolFor, "cooldown", ctx);
        if (info.outcome === "rate_limited" && info.scope === "account") this.blockAccount(model, b, info.retryAfterMs, info.pool, ctx);
        const report: AttemptReport = { ...info, model: model.name, probe, releaseConcurrency: concurrency };
        // Only a key's own limiter benches it: with `quota_scope: account` the limiter is every key's.
        const benches = info.keyRejected === true && suffixOf(b.limiter) !== "";
        if (!benches) delete report.keyRejected;
        if (charge) {
          report.reserved = charge.reserved;
          report.reservedAt = charge.at;
          report.estimatedInput = need.estimatedTokens;
          // This isolate's own view of the lease learns the real usage at once.
          const lease = charge.lease;
          if (lease && this.pool.holds(b.id, lease)) {
            lease.drift += (info.tokens ?? 0) - charge.reserved;
            if (this.pool.spent(lease)) this.endLease(b, lease, ctx);
          }
        }
        this.outbox.report(b.limiter, ctx, report, charge?.atOnce === true || benches);
      },
    };
  }

  /** The provider's shared quota is gone (or one pool of it): skip those models until it resets. */
  private blockAccount(model: ResolvedModel, b: Bucket, retryAfterMs: number | undefined, pool: string | undefined, ctx: QuotaContext): void {
    const now = this.now();
    const reset = (model.providerConfig.day_reset && parseDayReset(model.providerConfig.day_reset)) || UTC_MIDNIGHT;
    const until = retryAfterMs !== undefined ? now + retryAfterMs : windowAt("day", now, reset).end;
    for (const sibling of catalog.models.values()) {
      if (sibling.providerId !== model.providerId) continue;
      // Only the siblings on the same key: another key's account is another account.
      const id = sibling.name + suffixOf(b.limiter);
      if (pool === undefined || sibling.quota_pool === pool || sibling.name === model.name) this.block({ ...b, id }, until, "account_exhausted", ctx);
    }
  }

  private endLease(b: Bucket, lease: Lease, ctx: QuotaContext): void {
    const ret = this.pool.end(b.id, lease);
    // The limiter knows the model by its plain name: the bucket is the limiter itself.
    if (ret) ret.model = ret.model.split("#")[0]!;
    // Slots and tokens coming back are what refused isolates wait for: send them at once.
    if (ret) this.outbox.giveBack(b.limiter, ctx, ret, ret.slots > 0 || (ret.tokens ?? 0) > 0);
  }

  private returnAtExpiry(b: Bucket, lease: Lease, ctx: QuotaContext): void {
    const wait = Math.max(0, lease.until - this.now());
    ctx.waitUntil(
      new Promise<void>((resolve) =>
        setTimeout(() => {
          this.endLease(b, lease, ctx);
          resolve();
        }, wait),
      ),
    );
  }

  /** What the limiter says after a batch of reports: models to skip for a while. */
  private settled(limiter: string, reports: readonly AttemptReport[], result: SettleResult, ctx: QuotaContext): void {
    const now = this.now();
    const suffix = suffixOf(limiter);
    for (const r of reports) if (this.blocked.get(r.model + suffix)?.reason === "breaker") this.blocked.delete(r.model + suffix);
    for (const { model, until, reason } of result.blocked) {
      // A breaker may close early (a probe succeeds elsewhere): trust it locally only briefly.
      const localUntil = reason === "breaker" ? Math.min(until, now + BRIEF_LOCAL_BLOCK_MS) : until;
      if (catalog.models.has(model) && until > now) this.block({ id: model + suffix, limiter, key: 0 }, localUntil, reason, ctx);
    }
  }
}

/** Whether `a` reserves fewer tokens than `b` would: a smaller input estimate, or a lower output cap. */
function smaller(a: Need, b: Need): boolean {
  return a.estimatedTokens < b.estimatedTokens || (a.maxOutputTokens ?? Number.POSITIVE_INFINITY) < (b.maxOutputTokens ?? Number.POSITIVE_INFINITY);
}

/** The request's view of the limiter; a deployment without the binding fails with a clear error. */
export function quotaContext(env: Bindings, waitUntil: (p: Promise<unknown>) => void): QuotaContext {
  if (!env.LIMITER) throw new ConfigurationError("the LIMITER Durable Object binding is missing (see wrangler.toml)");
  return { limiter: env.LIMITER, waitUntil, env };
}

/** One per isolate: leases and the local cache are only worth anything if they are shared. */
export const quotaClient = new QuotaClient();
