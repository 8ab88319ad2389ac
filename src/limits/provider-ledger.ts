/**
 * The decisions of one provider's limiter, as plain synchronous code: admit or refuse a
 * lease (quota, account exhaustion, cooldown, breaker, concurrency), size it, and apply
 * what isolates report afterwards. The Durable Object wraps this with storage and RPC;
 * keeping it pure lets tests drive it with any clock, and makes every check-and-take one
 * uninterrupted step, so concurrent callers can never overshoot a limit.
 */
import { type Catalog, catalog as defaultCatalog, type ResolvedModel } from "../config/catalog";
import { admit, type BreakerPolicy, breakerPolicy, DEFAULT_BREAKER, phase, recordFailure, recordSuccess } from "./breaker";
import { LEASE_MS, LeaseBook, leaseTerms, type Shortfall, settleAtOnce } from "./lease-book";
import type { AcquireRequest, AcquireResult, AttemptReport, LeaseReturn, ModelStatus, ModelView, ProviderStatus, SettleResult } from "./limiter-types";
import { addLatency, countOutcome, latencyP50, recentTotals } from "./recent-activity";
import { QuotaCounters } from "./quota-counters";
import { learnCost, reservationFor } from "./token-cost";
import { storedModel, storedProvider } from "./stored-state";
import { clampHintMs } from "./time-hints";
import { type DayReset, parseDayReset, UTC_MIDNIGHT } from "../config/day-reset";
import { windowAt } from "./windows";
import { BENCH_MAX_MS, BENCH_MS } from "./key-pool";
import { type ModelRecord, modelKey, newModel, PROVIDER_KEY, type ProviderRecord, prune } from "./ledger-records";

const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 10_000;
const EWMA_WEIGHT = 0.2;

export class ProviderLedger {
  private readonly models = new Map<string, { spec: ResolvedModel; rec: ModelRecord; counters: QuotaCounters }>();
  private readonly provider: { rec: ProviderRecord; counters: QuotaCounters; maxConcurrent: number | undefined };
  private readonly dayReset: DayReset;
  private readonly policy: BreakerPolicy;
  private readonly book = new LeaseBook();
  /** Keys changed since the last persist. */
  readonly dirty = new Set<string>();

  constructor(
    readonly providerId: string,
    saved: ReadonlyMap<string, string> = new Map(),
    catalog: Catalog = defaultCatalog,
    loadedAt: number = Date.now(),
  ) {
    // Stored rows are validated: a bad one is dropped, future times are clamped (stored-state.ts).
    const load = <T>(key: string, fresh: () => T): T => {
      const valid = key === PROVIDER_KEY ? storedProvider(saved.get(key), loadedAt) : storedModel(saved.get(key), loadedAt);
      return valid ? { ...fresh(), ...(valid as Partial<T>) } : fresh();
    };
    let providerLimits = {};
    let maxConcurrent: number | undefined;
    let dayReset = UTC_MIDNIGHT;
    let policy = DEFAULT_BREAKER;
    for (const spec of catalog.models.values()) {
      if (spec.providerId !== providerId) continue;
      dayReset = (spec.providerConfig.day_reset && parseDayReset(spec.providerConfig.day_reset)) || UTC_MIDNIGHT;
      providerLimits = spec.providerConfig.limits ?? {};
      maxConcurrent = spec.providerConfig.max_concurrent;
      policy = breakerPolicy(spec.providerConfig.breaker);
      const rec = load(modelKey(spec.name), newModel);
      this.models.set(spec.name, { spec, rec, counters: new QuotaCounters(spec.limits ?? {}, dayReset, rec.counters) });
    }
    this.dayReset = dayReset;
    this.policy = policy;
    const rec = load<ProviderRecord>(PROVIDER_KEY, () => ({ counters: {}, exhaustedUntil: 0, inflight: [] }));
    this.provider = { rec, counters: new QuotaCounters(providerLimits, dayReset, rec.counters), maxConcurrent };
  }

  serialize(key: string): string | undefined {
    if (key === PROVIDER_KEY) return JSON.stringify(this.provider.rec);
    const entry = this.models.get(key.slice("model:".length));
    return entry ? JSON.stringify(entry.rec) : undefined;
  }

  private view(rec: ModelRecord, counters: QuotaCounters, now: number): ModelView {
    const own = counters.tightest(now);
    const shared = this.provider.counters.tightest(now);
    const tightest = shared.slot > 0 && (own.slot === 0 || shared.free < own.free) ? shared : own;
    return {
      freeFraction: tightest.free,
      slotFraction: tightest.slot,
      latencyMs: rec.latencyMs,
      lastUsedAt: rec.lastUsedAt,
      breaker: phase(rec.breaker, now),
    };
  }

  acquire(req: AcquireRequest, now: number): AcquireResult {
    const entry = this.models.get(req.model);
    if (!entry) return { ok: false, reason: "unknown_model", retryAfterMs: 60_000, view: null };
    const { spec, rec, counters } = entry;
    const provider = this.provider;
    const refuse = (reason: Exclude<AcquireResult, { ok: true }>["reason"], until: number, short?: Shortfall): AcquireResult => ({
      ok: false,
      reason,
      retryAfterMs: Math.max(0, until - now),
      ...(short?.held ? { held: true } : {}),
      ...(short?.byTokens ? { byTokens: true } : {}),
      view: this.view(rec, counters, now),
    });
    if (provider.rec.exhaustedUntil > now) return refuse("account_exhausted", provider.rec.exhaustedUntil);
    const poolUntil = this.poolUntil(spec);
    if (poolUntil > now) return refuse("account_exhausted", poolUntil);
    if (rec.cooldownUntil > now) return refuse("cooldown", rec.cooldownUntil);
    // A rejected key fails every request until it is fixed: as an open breaker would.
    if ((provider.rec.bench?.until ?? 0) > now) return refuse("breaker", provider.rec.bench!.until);
    if (req.caller !== undefined) this.book.seen(req.model, req.caller, now);
    const tokenLimited = counters.hasTokenLimits || provider.counters.hasTokenLimits;
    const reserve = tokenLimited ? reservationFor(req.estimatedTokens, req.maxOutputTokens, rec.cost) : 0;
    const own = this.book.shortfall(counters, [req.model], reserve, now);
    if (own) return refuse("quota", own.until, own);
    const shared = this.book.shortfall(provider.counters, this.models.keys(), reserve, now);
    if (shared) return refuse("provider_quota", shared.until, shared);
    const concurrency = spec.max_concurrent !== undefined || provider.maxConcurrent !== undefined;
    if (concurrency) {
      prune(rec.inflight, now);
      prune(provider.rec.inflight, now);
      // Frees when some request ends, which nobody can predict: ask again shortly.
      if (spec.max_concurrent !== undefined && rec.inflight.length >= spec.max_concurrent) return refuse("concurrency", now + 100);
      if (provider.maxConcurrent !== undefined && provider.rec.inflight.length >= provider.maxConcurrent) return refuse("concurrency", now + 100);
    }
    // Breaker last: admitting in half-open takes the single probe slot.
    const admission = admit(rec.breaker, now, this.policy);
    if (!admission.ok) return refuse("breaker", admission.until);

    const fits = (c: QuotaCounters) => Math.min(c.requestRoom(now), reserve > 0 ? Math.floor(c.tokenRoom(now) / reserve) : Number.POSITIVE_INFINITY);
    const room = Math.min(fits(counters), fits(provider.counters));
    // Shared limits are shared by everyone asking for any of the provider's models.
    const askers = provider.counters.hasRequestLimits || provider.counters.hasTokenLimits ? this.models.keys() : [req.model];
    const callers = this.book.callerCount(askers, now);
    // A probe or a concurrency slot is one request's; without limits nothing is counted; else
    // the isolate's share, one at a time while what an answer costs in tokens is a guess.
    const single = admission.probe || concurrency || (tokenLimited && rec.cost.outputTokens === null);
    const { slots: granted, ms: leaseMs } =
      room === Number.POSITIVE_INFINITY && !single ? { slots: "unlimited" as const, ms: LEASE_MS } : leaseTerms(room, callers, single ? 1 : req.want);
    const budget = granted === "unlimited" ? 0 : granted * reserve;
    if (granted !== "unlimited") {
      for (const c of [counters, provider.counters]) {
        c.take(granted, now);
        c.addTokens(budget, now);
      }
      if (budget > 0) this.book.reserve(req.model, budget, now);
    }
    if (concurrency) {
      rec.inflight.push(now);
      provider.rec.inflight.push(now);
    }
    rec.lastUsedAt = now;
    this.touch(req.model, granted !== "unlimited" || concurrency);
    // Leases end at the next minute boundary, so no slot is ever spent in a window that did not count it.
    const leaseUntil = Math.min(now + leaseMs, windowAt("minute", now).end);
    const lease = this.book.nextId(now);
    if (typeof granted === "number" && granted > 1) this.book.open(req.model, lease, leaseUntil);
    const tokens = tokenLimited ? { reserved: reserve, budget, cost: { ...rec.cost }, settleAtOnce: settleAtOnce(rec.cost, room - (granted === "unlimited" ? 0 : granted), callers) } : null;
    return { ok: true, granted, leaseUntil, grantedAt: now, lease, tokens, probe: admission.probe, concurrency, view: this.view(rec, counters, now) };
  }

  settle(reports: readonly AttemptReport[], returns: readonly LeaseReturn[], now: number): SettleResult {
    for (const r of returns) {
      const entry = this.models.get(r.model);
      if (entry && this.book.takeBack([entry.counters, this.provider.counters], r, now)) this.touch(r.model, true);
    }
    const blocked: SettleResult["blocked"] = [];
    for (const r of reports) {
      const entry = this.models.get(r.model);
      if (!entry) continue;
      const { rec, counters } = entry;
      if (r.releaseConcurrency) {
        rec.inflight.shift();
        this.provider.rec.inflight.shift();
      }
      this.book.settleTokens([counters, this.provider.counters], r, now);
      if (r.outcome === "success" && r.estimatedInput !== undefined) {
        learnCost(rec.cost, { estimatedInput: r.estimatedInput, inputTokens: r.inputTokens, outputTokens: r.outputTokens });
      }
      if (r.rate) this.applyRateHeaders(rec, counters, { ...r.rate, resetMs: clampHintMs(r.rate.resetMs) }, now);
      const retryAfterMs = clampHintMs(r.retryAfterMs);
      // A 429 is an error from the caller's point of view; a neutral outcome is not the model's doing.
      if (r.outcome !== "neutral") countOutcome(rec, r.outcome === "success", now);
      if (r.keyRejected) this.bench(now);
      else if (r.outcome === "success" && this.provider.rec.bench && this.provider.rec.bench.until <= now) delete this.provider.rec.bench;
      switch (r.outcome) {
        case "success":
          recordSuccess(rec.breaker);
          if (r.latencyMs !== undefined) {
            rec.latencyMs = rec.latencyMs === null ? r.latencyMs : rec.latencyMs + EWMA_WEIGHT * (r.latencyMs - rec.latencyMs);
            addLatency(rec, r.latencyMs);
          }
          break;
        case "failure":
          recordFailure(rec.breaker, now, this.policy);
          break;
        case "rate_limited":
          if (r.scope === "account") {
            const untilReset = windowAt("day", now, this.dayReset).end;
            const until = retryAfterMs ? now + retryAfterMs : untilReset;
            if (r.pool === undefined) this.provider.rec.exhaustedUntil = Math.max(this.provider.rec.exhaustedUntil, until);
            else {
              // Only the pool the provider named is gone; the model that hit it waits too, pool or not.
              const pools = (this.provider.rec.pools ??= {});
              pools[r.pool] = Math.max(pools[r.pool] ?? 0, until);
              if (entry.spec.quota_pool !== r.pool) rec.cooldownUntil = Math.max(rec.cooldownUntil, until);
            }
          } else {
            rec.cooldownUntil = Math.max(rec.cooldownUntil, now + (retryAfterMs ?? DEFAULT_RATE_LIMIT_COOLDOWN_MS));
          }
          if (r.probe) rec.breaker.probeSince = null;
          break;
        case "neutral":
          if (r.probe) rec.breaker.probeSince = null;
          break;
      }
      this.touch(r.model, true);
    }
    for (const [name, { spec, rec }] of this.models) {
      // The cause that lasts longest is the one to report.
      const causes = [
        { reason: "cooldown" as const, until: rec.cooldownUntil },
        { reason: "account_exhausted" as const, until: Math.max(this.provider.rec.exhaustedUntil, this.poolUntil(spec)) },
        { reason: "breaker" as const, until: phase(rec.breaker, now) === "open" ? rec.breaker.openUntil : 0 },
        { reason: "breaker" as const, until: this.provider.rec.bench?.until ?? 0 },
      ].sort((a, b) => b.until - a.until);
      const top = causes[0]!;
      if (top.until > now) blocked.push({ model: name, until: top.until, reason: top.reason });
    }
    return { blocked };
  }

  /** Sits the key out a minute, doubling on each rejection up to an hour (limits/key-pool.ts benches it the same way in the isolate). */
  private bench(now: number): void {
    const ms = Math.min(BENCH_MAX_MS, (this.provider.rec.bench?.ms ?? BENCH_MS / 2) * 2);
    this.provider.rec.bench = { until: now + ms, ms };
    this.dirty.add(PROVIDER_KEY);
  }

  /** Providers' own rate headers correct our counters when they know better. */
  private applyRateHeaders(rec: ModelRecord, counters: QuotaCounters, rate: NonNullable<AttemptReport["rate"]>, now: number): void {
    counters.syncWith(rate, now);
    if ((rate.remainingRequests === 0 || rate.remainingTokens === 0) && rate.resetMs !== undefined) {
      rec.cooldownUntil = Math.max(rec.cooldownUntil, now + rate.resetMs);
    }
  }

  /** Until when the quota pool this model draws on is exhausted (0: it is not, or it has none). */
  private poolUntil(spec: ResolvedModel): number {
    return spec.quota_pool === undefined ? 0 : (this.provider.rec.pools?.[spec.quota_pool] ?? 0);
  }

  private touch(model: string, providerToo: boolean): void {
    this.dirty.add(modelKey(model));
    if (providerToo) this.dirty.add(PROVIDER_KEY);
  }

  status(now: number): ProviderStatus {
    const models: ModelStatus[] = [];
    for (const [name, { spec, rec, counters }] of this.models) {
      prune(rec.inflight, now);
      const breaker = phase(rec.breaker, now);
      const until = Math.max(rec.cooldownUntil, breaker === "open" ? rec.breaker.openUntil : 0, this.poolUntil(spec));
      models.push({
        name,
        breaker,
        cooldown_until: until > now ? until : null,
        in_flight: rec.inflight.length,
        latency_ms: rec.latencyMs === null ? null : Math.round(rec.latencyMs),
        latency_p50_ms: latencyP50(rec),
        recent: recentTotals(rec, now),
        usage: counters.usage(now),
      });
    }
    const exhausted = this.provider.rec.exhaustedUntil;
    const benched = this.provider.rec.bench?.until ?? 0;
    return { provider: this.providerId, exhausted_until: exhausted > now ? exhausted : null, ...(benched > now ? { benched_until: benched } : {}), usage: this.provider.counters.usage(now), models };
  }
}
