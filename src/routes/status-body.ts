/**
 * The shape of GET /v1/status's answer, in a file of its own so the dashboard's browser
 * code can `import type` it without pulling the route's runtime (Hono, the catalog, the
 * limiter) into a program checked against the DOM. The route builds its answer against
 * these types and the dashboard reads it through them, so a change on one side that the
 * other does not follow fails `npm test`'s type check.
 */
import type { MODEL_TYPES, Strategy } from "../config/schema";
import type { BreakerPhase } from "../limits/breaker";
import type { LimitKey } from "../limits/limiter-types";

export interface StatusWindow {
  used: number;
  limit: number;
  /** ISO time at which the window's count starts again from zero. */
  resets_at: string;
}

/** One entry per declared window; undeclared windows are absent. */
export type StatusUsage = Partial<Record<LimitKey, StatusWindow>>;

export interface StatusModel {
  name: string;
  provider: string;
  size: string | null;
  type: (typeof MODEL_TYPES)[number];
  breaker: BreakerPhase;
  /** The later of the model's cooldown and its provider account's exhaustion, ISO; null when neither. */
  cooldown_until: string | null;
  in_flight: number;
  latency_ms: number | null;
  latency_p50_ms: number | null;
  recent: { success: number; error: number; window_s: number };
  usage: StatusUsage;
  /** A key pool with quota_scope key: the model on each key, by fingerprint; the fields above are the first key's. */
  keys?: StatusKey[];
}

/** One key of a pool, shown by a short fingerprint of it (`…a1b2`), never the key. */
export interface StatusKey {
  key: string;
  breaker: BreakerPhase;
  cooldown_until: string | null;
  /** The provider rejected this key (401/403): every isolate skips it until then. */
  benched_until: string | null;
  usage: StatusUsage;
}

export interface StatusProvider {
  id: string;
  exhausted_until: string | null;
  usage: StatusUsage;
}

export interface StatusCategory {
  name: string;
  strategy: Strategy | "fixed";
  /** The order the proxy would try the category's models in right now. */
  order: string[];
  /** The model the next request would get; null when none is available. */
  next: string | null;
}

export interface StatusBody {
  object: "status";
  generated_at: string;
  models: StatusModel[];
  providers: StatusProvider[];
  categories: StatusCategory[];
}
