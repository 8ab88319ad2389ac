/**
 * The isolate's side of the limiter, so that most requests never call a Durable Object:
 * - leases: a batch of slots from one acquire call, pooled per model and spent locally
 *   until they run out or the lease ends (at most 2 s, never past a minute boundary);
 *   unused slots go back. A request that finds the pool empty makes its own call (an RPC
 *   belongs to the request that made it, so calls cannot be shared), keeps one slot and
 *   pools the rest; a request refused by the object still takes what others pooled;
 * - a local "unavailable until T" cache, so exhausted, cooling or open models are skipped
 *   without a call;
 * - reports (outcomes, tokens, returned slots) batched and sent off the request path.
 * Models with a concurrency cap are the exception: each request takes and releases a slot.
 */
import { catalog, type ResolvedModel } from "../config/catalog";
import type { Bindings } from "../env";
import { ConfigurationError } from "../errors";
import type { AcquireResult, AttemptReport, LeaseReturn, ModelView, RefusalReason } from "./limiter-types";
import type { ProviderLimiter } from "./provider-limiter";
import { parseDayReset, UTC_MIDNIGHT, windowAt } from "./windows";

export interface QuotaContext {
  limiter: DurableObjectNamespace<ProviderLimiter>;
  waitUntil(promise: Promise<unknown>): void;
}

export type SettleInfo = Omit<AttemptReport, "model" | "probe" | "releaseConcurrency">;

export interface Reservation {
  ok: true;
  probe: boolean;
  /** Report how the attempt went; call exactly once. */
  settle(info: SettleInfo): void;
}

export interface Refusal {
  ok: false;
  reason: RefusalReason;
  retryAfterMs: number;
}

interface Lease {
  remaining: number | "unlimited";
  until: number;
  grantedAt: number;
  probe: boolean;
}

const LEASE_WANT = 16;
const SUCCESS_FLUSH_DELAY_MS = 250;
/** A half-open model may close any moment: don't trust a local "open" for long. */
const MAX_LOCAL_BREAKER_BLOCK_MS = 2_000;

export class QuotaClient {
  private readonly leases = new Map<string, Lease[]>();
  private readonly blocked = new Map<string, { until: number; reason: RefusalReason }>();
  readonly views = new Map<string, ModelView>();
  private readonly outbox = new Map<string, { reports: AttemptReport[]; returns: LeaseReturn[]; scheduled: boolean }>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** When a model is locally known to be unavailable until; 0 if it may be tried. */
  unavailableUntil(model: string): number {
    const b = this.blocked.get(model);
    return b && b.until > this.now() ? b.until : 0;
  }

  async reserve(model: ResolvedModel, estimatedTokens: number, ctx: QuotaContext): Promise<Reservation | Refusal> {
    const name = model.name;
    const pooled = this.takePooled(model, ctx);
    if (pooled) return pooled;
    const now = this.now();
    const block = this.blocked.get(name);
    if (block && block.until > now) return { ok: false, reason: block.reason, retryAfterMs: block.until - now };
    const capped = model.max_concurrent !== undefined || model.providerConfig.max_concurrent !== undefined;
    // A concurrency slot is per request: ask for exactly one and pool nothing.
    const result = await this.acquire(model, capped ? 1 : LEASE_WANT, estimatedTokens, ctx);
    if (!result.ok) return this.takePooled(model, ctx) ?? this.refused(model, result, ctx);
    if (result.concurrency || result.probe) return this.reservation(model, result.probe, result.concurrency, ctx);
    const remaining = result.granted === "unlimited" ? "unlimited" : result.granted - 1;
    if (remaining === "unlimited" || remaining > 0) {
      const lease: Lease = { remaining, until: result.leaseUntil, grantedAt: result.grantedAt, probe: false };
      const pool = this.leases.get(name) ?? [];
      pool.push(lease);
      this.leases.set(name, pool);
      if (remaining !== "unlimited") this.returnAtExpiry(model, lease, ctx);
    }
    return this.reservation(model, false, false, ctx);
  }

  /** A slot from a live pooled lease, if any; expired leases go back on the way. */
  private takePooled(model: ResolvedModel, ctx: QuotaContext): Reservation | undefined {
    const pool = this.leases.get(model.name);
    if (!pool) return undefined;
    const now = this.now();
    for (const lease of [...pool]) {
      if (lease.until <= now) {
        this.endLease(model, lease, ctx);
        continue;
      }
      if (lease.remaining === "unlimited") return this.reservation(model, false, false, ctx);
      if (lease.remaining > 0) {
        lease.remaining--;
        return this.reservation(model, false, false, ctx);
      }
    }
    return undefined;
  }

  private refused(model: ResolvedModel, result: Extract<AcquireResult, { ok: false }>, ctx: QuotaContext): Refusal {
    let hold = result.retryAfterMs;
    if (result.reason === "breaker") hold = Math.min(hold, MAX_LOCAL_BREAKER_BLOCK_MS);
    if (result.reason !== "concurrency" && hold > 0) this.block(model, this.now() + hold, result.reason, ctx);
    return { ok: false, reason: result.reason, retryAfterMs: result.retryAfterMs };
  }

  /**
   * Marks a model unavailable here until `until`. Slots already counted stay usable when
   * the window is merely full, but a model that is failing or told us to back off must not
   * get more traffic from leftover leases: those go back.
   */
  private block(model: ResolvedModel, until: number, reason: RefusalReason, ctx: QuotaContext): void {
    this.blocked.set(model.name, { until, reason });
    if (reason === "quota" || reason === "provider_quota") return;
    for (const lease of [...(this.leases.get(model.name) ?? [])]) this.endLease(model, lease, ctx);
  }

  private async acquire(model: ResolvedModel, want: number, estimatedTokens: number, ctx: QuotaContext): Promise<AcquireResult> {
    try {
      const result = await ctx.limiter.getByName(model.providerId).acquire(model.providerId, { model: model.name, want, estimatedTokens });
      if (result.view) this.views.set(model.name, result.view);
      return result;
    } catch (err) {
      // Limiter unreachable: serve uncounted for a moment rather than fail every request.
      console.error(JSON.stringify({ level: "error", msg: "limiter acquire failed", provider: model.providerId, error: String(err) }));
      const now = this.now();
      return { ok: true, granted: 1, leaseUntil: now + 1000, grantedAt: now, probe: false, concurrency: false, view: null };
    }
  }

  private reservation(model: ResolvedModel, probe: boolean, concurrency: boolean, ctx: QuotaContext): Reservation {
    let settled = false;
    return {
      ok: true,
      probe,
      settle: (info) => {
        if (settled) return;
        settled = true;
        this.observe(model.name, info);
        const exhausted = info.rate && (info.rate.remainingRequests === 0 || info.rate.remainingTokens === 0) ? info.rate.resetMs : undefined;
        const coolFor = info.outcome === "rate_limited" && info.scope !== "account" ? (info.retryAfterMs ?? 10_000) : exhausted;
        if (coolFor !== undefined) this.block(model, this.now() + coolFor, "cooldown", ctx);
        if (info.outcome === "rate_limited" && info.scope === "account") this.blockAccount(model, info.retryAfterMs, info.pool, ctx);
        this.queue(model.providerId, ctx, { ...info, model: model.name, probe, releaseConcurrency: concurrency }, undefined);
      },
    };
  }

  /** The provider's shared quota is gone (or one pool of it): skip those models until it resets. */
  private blockAccount(model: ResolvedModel, retryAfterMs: number | undefined, pool: string | undefined, ctx: QuotaContext): void {
    const now = this.now();
    const reset = (model.providerConfig.day_reset && parseDayReset(model.providerConfig.day_reset)) || UTC_MIDNIGHT;
    const until = retryAfterMs !== undefined ? now + retryAfterMs : windowAt("day", now, reset).end;
    for (const sibling of catalog.models.values()) {
      if (sibling.providerId !== model.providerId) continue;
      if (pool === undefined || sibling.quota_pool === pool || sibling.name === model.name) this.block(sibling, until, "account_exhausted", ctx);
    }
  }

  /** This isolate's own observations keep strategies current between limiter calls. */
  private observe(name: string, info: SettleInfo): void {
    const view = this.views.get(name) ?? { freeFraction: 1, latencyMs: null, lastUsedAt: 0, breaker: "closed" as const };
    view.lastUsedAt = this.now();
    if (info.outcome === "success" && info.latencyMs !== undefined) {
      view.latencyMs = view.latencyMs === null ? info.latencyMs : view.latencyMs + 0.2 * (info.latencyMs - view.latencyMs);
    }
    this.views.set(name, view);
  }

  private endLease(model: ResolvedModel, lease: Lease, ctx: QuotaContext): void {
    const pool = this.leases.get(model.name);
    const at = pool?.indexOf(lease) ?? -1;
    if (pool && at !== -1) {
      pool.splice(at, 1);
      if (pool.length === 0) this.leases.delete(model.name);
    }
    if (typeof lease.remaining === "number" && lease.remaining > 0) {
      this.queue(model.providerId, ctx, undefined, { model: model.name, slots: lease.remaining, grantedAt: lease.grantedAt });
      lease.remaining = 0;
    }
  }

  private returnAtExpiry(model: ResolvedModel, lease: Lease, ctx: QuotaContext): void {
    const wait = Math.max(0, lease.until - this.now());
    ctx.waitUntil(
      new Promise<void>((resolve) =>
        setTimeout(() => {
          this.endLease(model, lease, ctx);
          resolve();
        }, wait),
      ),
    );
  }

  private queue(provider: string, ctx: QuotaContext, report: AttemptReport | undefined, ret: LeaseReturn | undefined): void {
    let box = this.outbox.get(provider);
    if (!box) {
      box = { reports: [], returns: [], scheduled: false };
      this.outbox.set(provider, box);
    }
    if (report) box.reports.push(report);
    if (ret) box.returns.push(ret);
    // Failures, freed concurrency and exhausted providers change what others should do:
    // send at once. Plain successes can wait a moment and travel together.
    const urgent =
      report !== undefined &&
      (report.outcome !== "success" || report.releaseConcurrency || report.rate?.remainingRequests === 0 || report.rate?.remainingTokens === 0);
    if (urgent) ctx.waitUntil(this.flush(provider, ctx));
    else if (!box.scheduled) {
      box.scheduled = true;
      ctx.waitUntil(new Promise((r) => setTimeout(r, SUCCESS_FLUSH_DELAY_MS)).then(() => this.flush(provider, ctx)));
    }
  }

  private async flush(provider: string, ctx: QuotaContext): Promise<void> {
    const box = this.outbox.get(provider);
    if (!box || (box.reports.length === 0 && box.returns.length === 0)) {
      if (box) box.scheduled = false;
      return;
    }
    const { reports, returns } = box;
    box.reports = [];
    box.returns = [];
    box.scheduled = false;
    try {
      const result = await ctx.limiter.getByName(provider).settle(provider, reports, returns);
      const now = this.now();
      const reported = new Set(reports.map((r) => r.model));
      for (const name of reported) {
        if (this.blocked.get(name)?.reason === "breaker") this.blocked.delete(name);
      }
      for (const { model, until, reason } of result.blocked) {
        const spec = catalog.models.get(model);
        // A breaker may close early (a probe succeeds elsewhere): trust it locally only briefly.
        const localUntil = reason === "breaker" ? Math.min(until, now + MAX_LOCAL_BREAKER_BLOCK_MS) : until;
        if (spec && until > now) this.block(spec, localUntil, reason, ctx);
      }
    } catch (err) {
      console.error(JSON.stringify({ level: "error", msg: "limiter settle failed", provider, error: String(err) }));
    }
  }
}

/** The request's view of the limiter; a deployment without the binding fails with a clear error. */
export function quotaContext(env: Bindings, waitUntil: (p: Promise<unknown>) => void): QuotaContext {
  if (!env.LIMITER) throw new ConfigurationError("the LIMITER Durable Object binding is missing (see wrangler.toml)");
  return { limiter: env.LIMITER, waitUntil };
}

/** One per isolate: leases and the local cache are only worth anything if they are shared. */
export const quotaClient = new QuotaClient();
