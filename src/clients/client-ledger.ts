/**
 * One client's counters, as plain synchronous code: admit a request against the client's
 * own limits and concurrency cap (check-and-take in one step, so concurrent callers never
 * overshoot), settle it with the tokens it really used, and keep its usage by model for
 * the current minute, hour and UTC day. Windows and counters are the models' own
 * (limits/quota-counters.ts, limits/windows.ts); the ClientLimiter wraps this with storage.
 */
import { type Catalog, catalog as defaultCatalog } from "../config/catalog";
import { type CountersState, QuotaCounters } from "../limits/quota-counters";
import { learnCost, reservationFor, type TokenCost, unknownCost } from "../limits/token-cost";
import { type WindowKind, windowAt } from "../limits/windows";
import type { StatusUsage } from "../routes/status-body";
import type { AdmitResult, ClientUsage, Totals, UsageWindow, UseReport } from "./usage-body";

/** In-flight entries older than this were lost (isolate died) and stop counting. */
// A place whose request never reported (its isolate died) is given back after this long:
// longer than a stream may run (15 min) after the default request deadline (5 min).
const INFLIGHT_MAX_AGE_MS = 20 * 60_000;
const KINDS: readonly WindowKind[] = ["minute", "hour", "day"];

interface Bucket {
  start: number;
  models: Record<string, Totals>;
}

export interface ClientState {
  counters: CountersState;
  /** Places taken, by the id of the request's hold, with when each was taken. */
  inflight: Array<{ id: string; at: number }>;
  cost: TokenCost;
  windows: Partial<Record<WindowKind, Bucket>>;
}

const zero = (): Totals => ({ requests: 0, tokens_in: 0, tokens_out: 0, errors: 0 });
const iso = (ms: number) => new Date(ms).toISOString();

export class ClientLedger {
  readonly state: ClientState;
  private readonly counters: QuotaCounters;
  private readonly maxConcurrent: number | undefined;

  constructor(
    readonly client: string,
    saved: Partial<ClientState> | undefined,
    private readonly catalog: Catalog = defaultCatalog,
  ) {
    this.state = { counters: {}, inflight: [], cost: unknownCost(), windows: {}, ...saved };
    const rules = catalog.clients.get(client);
    this.counters = new QuotaCounters(rules?.limits ?? {}, undefined, this.state.counters);
    this.maxConcurrent = rules?.max_concurrent;
  }

  admit(estimatedInput: number, maxOutputTokens: number | undefined, now: number): AdmitResult {
    const c = this.counters;
    const reserved = c.hasTokenLimits ? reservationFor(estimatedInput, maxOutputTokens, this.state.cost) : 0;
    if (c.requestRoom(now) < 1 || c.tokenRoom(now) < reserved) return { ok: false, reason: "quota", retryAfterMs: Math.max(1, c.freesAt(now, reserved) - now) };
    const inflight = this.state.inflight;
    while (inflight.length > 0 && now - inflight[0]!.at > INFLIGHT_MAX_AGE_MS) inflight.shift();
    const concurrency = this.maxConcurrent !== undefined;
    // Frees when some request ends, which nobody can predict: ask again shortly.
    if (concurrency && inflight.length >= this.maxConcurrent!) return { ok: false, reason: "concurrency", retryAfterMs: 1_000 };
    c.take(1, now);
    c.addTokens(reserved, now);
    const id = crypto.randomUUID();
    if (concurrency) inflight.push({ id, at: now });
    return { ok: true, hold: { id, reserved, at: now, estimatedInput, concurrency } };
  }

  record(reports: readonly UseReport[], now: number): void {
    for (const r of reports) {
      if (r.hold) {
        // Its own place only: one aged out already frees nobody else's.
        const id = r.hold.id;
        if (r.hold.concurrency) this.state.inflight = this.state.inflight.filter((p) => p.id !== id);
        this.counters.releaseTokens(r.hold.reserved, r.hold.at, now);
        const known = r.tokensIn !== undefined && r.tokensOut !== undefined;
        // Unknown counts (a cache hit) keep the reservation as the charge; a failure without counts spent nothing.
        if (r.hold.reserved > 0) this.counters.addTokens(known ? r.tokensIn! + r.tokensOut! : r.error ? 0 : r.hold.reserved, now);
        // Only real answers teach the cost model: a cache hit's zero would shrink every later reservation.
        if (!r.error && known) learnCost(this.state.cost, { estimatedInput: r.hold.estimatedInput, inputTokens: r.tokensIn!, outputTokens: r.tokensOut! });
      }
      for (const kind of KINDS) {
        const start = windowAt(kind, now).start;
        let bucket = this.state.windows[kind];
        if (bucket?.start !== start) this.state.windows[kind] = bucket = { start, models: {} };
        const t = (bucket.models[r.model ?? "-"] ??= zero());
        t.requests++;
        t.tokens_in += r.tokensIn ?? 0;
        t.tokens_out += r.tokensOut ?? 0;
        if (r.error) t.errors++;
      }
    }
  }

  usage(now: number): ClientUsage {
    const window = (kind: WindowKind): UsageWindow => {
      const start = windowAt(kind, now).start;
      const models = this.state.windows[kind]?.start === start ? this.state.windows[kind]!.models : {};
      const sum = zero();
      for (const t of Object.values(models)) for (const k of Object.keys(sum) as Array<keyof Totals>) sum[k] += t[k];
      return { start: iso(start), ...sum, models };
    };
    const limits: StatusUsage = {};
    for (const [k, u] of Object.entries(this.counters.usage(now)) as Array<[keyof StatusUsage, { used: number; limit: number; resets_at: number }]>) {
      limits[k] = { used: u.used, limit: u.limit, resets_at: iso(u.resets_at) };
    }
    return {
      client: this.client,
      role: this.catalog.clients.get(this.client)?.role ?? "client",
      limits,
      max_concurrent: this.maxConcurrent ?? null,
      in_flight: this.state.inflight.length,
      minute: window("minute"),
      hour: window("hour"),
      day: window("day"),
    };
  }
}
