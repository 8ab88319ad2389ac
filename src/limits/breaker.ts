/**
 * Circuit breaker for one model. Closed until N consecutive retryable failures, or an
 * error rate over a minimum sample; then open for a cooldown that doubles with each
 * re-open up to a cap; then half-open, where exactly one probe may pass and its outcome
 * closes or re-opens the circuit. Failures that are not the model's fault (client errors,
 * disconnects, caller deadlines) are never reported here.
 */
export type BreakerPhase = "closed" | "open" | "half_open";

export interface BreakerPolicy {
  failureThreshold: number;
  /** Error-rate trip: at least `minSamples` recent outcomes with this failure share. */
  minSamples: number;
  errorRate: number;
  baseCooldownMs: number;
  maxCooldownMs: number;
  /** A probe that never reports back frees the half-open slot after this long. */
  probeTimeoutMs: number;
}

export const DEFAULT_BREAKER: BreakerPolicy = {
  failureThreshold: 3,
  minSamples: 10,
  errorRate: 0.5,
  baseCooldownMs: 15_000,
  maxCooldownMs: 600_000,
  probeTimeoutMs: 60_000,
};

const SAMPLE = 20;

/** The policy for a provider's models: defaults, overridden by its `breaker` settings. */
export function breakerPolicy(settings: { failures?: number; cooldown_ms?: number; max_cooldown_ms?: number } | undefined): BreakerPolicy {
  if (!settings) return DEFAULT_BREAKER;
  const failures = settings.failures ?? DEFAULT_BREAKER.failureThreshold;
  return {
    ...DEFAULT_BREAKER,
    // 0 disables both trips: no streak or error rate ever opens it.
    failureThreshold: failures === 0 ? Number.POSITIVE_INFINITY : failures,
    errorRate: failures === 0 ? Number.POSITIVE_INFINITY : DEFAULT_BREAKER.errorRate,
    baseCooldownMs: settings.cooldown_ms ?? DEFAULT_BREAKER.baseCooldownMs,
    maxCooldownMs: settings.max_cooldown_ms ?? Math.max(DEFAULT_BREAKER.maxCooldownMs, settings.cooldown_ms ?? 0),
  };
}

export interface BreakerState {
  open: boolean;
  openUntil: number;
  reopens: number;
  streak: number;
  /** Recent outcomes, newest last: 1 failure, 0 success. */
  recent: number[];
  probeSince: number | null;
}

export const closedBreaker = (): BreakerState => ({ open: false, openUntil: 0, reopens: 0, streak: 0, recent: [], probeSince: null });

export function phase(s: BreakerState, now: number): BreakerPhase {
  if (!s.open) return "closed";
  return now < s.openUntil ? "open" : "half_open";
}

export type Admission = { ok: true; probe: boolean } | { ok: false; until: number };

/** May a request pass now? In half-open, takes the single probe slot. */
export function admit(s: BreakerState, now: number, policy: BreakerPolicy = DEFAULT_BREAKER): Admission {
  const p = phase(s, now);
  if (p === "closed") return { ok: true, probe: false };
  if (p === "open") return { ok: false, until: s.openUntil };
  if (s.probeSince !== null && now - s.probeSince < policy.probeTimeoutMs) return { ok: false, until: s.probeSince + policy.probeTimeoutMs };
  s.probeSince = now;
  return { ok: true, probe: true };
}

function remember(s: BreakerState, failed: boolean): void {
  s.recent.push(failed ? 1 : 0);
  if (s.recent.length > SAMPLE) s.recent.splice(0, s.recent.length - SAMPLE);
}

export function recordSuccess(s: BreakerState): void {
  remember(s, false);
  s.streak = 0;
  if (s.open) {
    s.open = false;
    s.probeSince = null;
    s.recent = [];
  }
}

export function recordFailure(s: BreakerState, now: number, policy: BreakerPolicy = DEFAULT_BREAKER): void {
  remember(s, true);
  s.streak++;
  const wasProbe = s.open && s.probeSince !== null;
  const failures = s.recent.reduce((a, b) => a + b, 0);
  const rateTrip = s.recent.length >= policy.minSamples && failures / s.recent.length >= policy.errorRate;
  if (wasProbe || (!s.open && (s.streak >= policy.failureThreshold || rateTrip))) {
    const cooldown = Math.min(policy.maxCooldownMs, policy.baseCooldownMs * 2 ** s.reopens);
    s.open = true;
    s.reopens++;
    s.probeSince = null;
    // Another cause (a longer upstream cooldown, say) may already hold it open for longer.
    s.openUntil = Math.max(s.openUntil, now + cooldown);
  }
}
