/**
 * What a provider's limiter keeps, per model and for the provider (its account), under
 * which storage keys: the records the ledger (provider-ledger.ts) decides with, and
 * stored-state.ts checks when they are loaded back.
 */
import { type BreakerState, closedBreaker } from "./breaker";
import type { CountersState } from "./quota-counters";
import type { Activity } from "./recent-activity";
import { type TokenCost, unknownCost } from "./token-cost";

/** In-flight entries older than this were lost (isolate died) and stop counting. */
const INFLIGHT_MAX_AGE_MS = 15 * 60_000;

export interface ModelRecord {
  counters: CountersState;
  breaker: BreakerState;
  cooldownUntil: number;
  inflight: number[];
  latencyMs: number | null;
  lastUsedAt: number;
  recent: Activity["recent"];
  latencies: Activity["latencies"];
  cost: TokenCost;
}

export interface ProviderRecord {
  counters: CountersState;
  exhaustedUntil: number;
  inflight: number[];
  /** Quota pools (models.yaml `quota_pool`) exhausted until, when only part of the account is. */
  pools?: Record<string, number>;
  /** A pool key's object: the key was rejected by the provider, and sits out until then (doubling). */
  bench?: { until: number; ms: number };
}

export const newModel = (): ModelRecord => ({
  counters: {},
  breaker: closedBreaker(),
  cooldownUntil: 0,
  inflight: [],
  latencyMs: null,
  lastUsedAt: 0,
  recent: [],
  latencies: [],
  cost: unknownCost(),
});

export const PROVIDER_KEY = "provider";
export const modelKey = (name: string) => `model:${name}`;

/** Drops in-flight entries that outlived any request. */
export function prune(inflight: number[], now: number): void {
  while (inflight.length > 0 && now - inflight[0]! > INFLIGHT_MAX_AGE_MS) inflight.shift();
}
