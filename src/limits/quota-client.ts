/**
 * The isolate's side of the limiter, so that most requests never call a Durable Object:
 * - leases: a batch of slots from one acquire call, spent locally until they run out or
 *   the lease ends (at most 2 s, never past a minute boundary); unused slots go back;
 * - a local "unavailable until T" cache, so exhausted, cooling or open models are skipped
 *   without a call;
 * - one acquire in flight per model: concurrent requests share it;
 * - reports (outcomes, tokens, returned slots) batched and sent off the request path.
 * Models with a concurrency cap are the exception: each request takes and releases a slot.
 */
import type { ResolvedModel } from "../config/catalog";
import type { Bindings } from "../env";
import { ConfigurationError } from "../errors";
import type { AcquireResult, AttemptReport, LeaseReturn, ModelView, RefusalReason } from "./limiter-types";
import type { ProviderLimiter } from "./provider-limiter";

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
  private readonly leases = new Map<string, Lease>();
  private readonly blocked = new Map<string, { until: number; reason: RefusalReason }>();
  readonly views = new Map<string, ModelView>();
  private readonly acquiring = new Map<string, Promise<AcquireResult>>();
  private readonly outbox = new Map<string, { reports: AttemptReport[]; returns: LeaseReturn[]; scheduled: boolean }>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** When a model is locally known to be unavailable until; 0 if it may be tried. */
  unavailableUntil(model: string): number {
    const b = this.blocked.get(model);
    return b && b.until > this.now() ? b.until : 0;
  }

  async reserve(model: ResolvedModel, estimatedTokens: number, ctx: QuotaContext): Promise<Reservation | Refusal> {
    const name = model.name;
    const capped = model.max_concurrent !== undefined || model.providerConfig.max_concurrent !== undefined;
    for (let round = 0; round < 8; round++) {
      const now = this.now();
      const block = this.blocked.get(name);
      if (block && block.until > now) return { ok: false, reason: block.reason, retryAfterMs: block.until - now };
      const lease = this.leases.get(name);
      if (lease && lease.until > now && !capped) {
        if (lease.remaining === "unlimited") return this.reservation(model, false, false, ctx);
        if (lease.remaining > 0) {
          lease.remaining--;
          return this.reservation(model, lease.probe, false, ctx);
        }
      } else if (lease) {
        this.endLease(model, lease, ctx);
      }
      let pending = capped ? undefined : this.acquiring.get(name);
      if (!pending) {
        pending = this.acquire(model, capped ? 1 : LEASE_WANT, estimatedTokens, ctx);
        if (!capped) {
          this.acquiring.set(name, pending);
          void pending.finally(() => this.acquiring.delete(name));
        }
      }
      const result = await pending;
      if (result.view) this.views.set(name, result.view);
      if (!result.ok) {
        let hold = result.retryAfterMs;
        if (result.reason === "breaker") hold = Math.min(hold, MAX_LOCAL_BREAKER_BLOCK_MS);
        if (result.reason !== "concurrency" && hold > 0) this.blocked.set(name, { until: this.now() + hold, reason: result.reason });
        return { ok: false, reason: result.reason, retryAfterMs: result.retryAfterMs };
      }
      if (result.concurrency) return this.reservation(model, result.probe, true, ctx);
      // Another waiter may have stored a fresher lease meanwhile; never drop unspent slots.
      const current = this.leases.get(name);
      if (current && current !== lease && current.until > this.now()) this.endLease(model, current, ctx);
      this.leases.set(name, { remaining: result.granted, until: result.leaseUntil, grantedAt: result.grantedAt, probe: result.probe });
      if (typeof result.granted === "number" && result.granted > 1) this.returnAtExpiry(model, ctx);
    }
    return { ok: false, reason: "quota", retryAfterMs: 50 };
  }

  private async acquire(model: ResolvedModel, want: number, estimatedTokens: number, ctx: QuotaContext): Promise<AcquireResult> {
    try {
      return await ctx.limiter.getByName(model.providerId).acquire(model.providerId, { model: model.name, want, estimatedTokens });
    } catch (err) {
      // Limiter unreachable: serve uncounted for a moment rather than fail every request.
      console.error(JSON.stringify({ level: "error", msg: "limiter acquire failed", provider: model.providerId, error: String(err) }));
      const now = this.now();
      return { ok: true, granted: 1, leaseUntil: now + 1000, grantedAt: now, probe: false, concurrency: false, view: null as unknown as ModelView };
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
        if (info.outcome === "rate_limited" && info.scope !== "account") {
          this.blocked.set(model.name, { until: this.now() + (info.retryAfterMs ?? 10_000), reason: "cooldown" });
          const lease = this.leases.get(model.name);
          if (lease) this.endLease(model, lease, ctx);
        }
        this.queue(model.providerId, ctx, { ...info, model: model.name, probe, releaseConcurrency: concurrency }, undefined);
      },
    };
  }

  private endLease(model: ResolvedModel, lease: Lease, ctx: QuotaContext): void {
    if (this.leases.get(model.name) === lease) this.leases.delete(model.name);
    if (typeof lease.remaining === "number" && lease.remaining > 0) {
      this.queue(model.providerId, ctx, undefined, { model: model.name, slots: lease.remaining, grantedAt: lease.grantedAt });
      lease.remaining = 0;
    }
  }

  private returnAtExpiry(model: ResolvedModel, ctx: QuotaContext): void {
    const lease = this.leases.get(model.name);
    if (!lease) return;
    const wait = Math.max(0, lease.until - this.now());
    ctx.waitUntil(
      new Promise<void>((resolve) =>
        setTimeout(() => {
          if (this.leases.get(model.name) === lease) this.endLease(model, lease, ctx);
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
    // Failures change what others should do: send at once. Successes can wait a moment.
    const urgent = report !== undefined && report.outcome !== "success";
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
      for (const { model, until } of result.blocked) {
        if (until > now) this.blocked.set(model, { until, reason: "cooldown" });
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
