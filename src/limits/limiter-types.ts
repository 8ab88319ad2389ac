/**
 * The RPC contract between Worker isolates and the ProviderLimiter Durable Object. Plain,
 * structured-cloneable data: results are discriminated unions, never thrown errors.
 */
import type { Limits } from "../config/schema";
import type { BreakerPhase } from "./breaker";
import type { TokenCost } from "./token-cost";

export type LimitKey = keyof Limits;

export interface WindowUsage {
  used: number;
  limit: number;
  resets_at: number;
}

/**
 * What a ProviderLimiter answers over RPC. The object is named by its provider id
 * (`getByName(providerId)`) and reads it from `ctx.id.name`, so no call repeats it.
 */
export interface LimiterRemote {
  acquire(req: AcquireRequest): Promise<AcquireResult>;
  settle(reports: AttemptReport[], returns: LeaseReturn[]): Promise<SettleResult>;
  status(): Promise<ProviderStatus>;
}


/** What an isolate knows of a model between calls, for ordering candidates. */
export interface ModelView {
  /** Share of the tightest request window still free, 0..1 (1 when unlimited). */
  freeFraction: number;
  /** Share of that window one request takes (0 when unlimited): lets an isolate correct the share for slots it pools. */
  slotFraction: number;
  /** Exponentially weighted time to first byte, ms; null until measured. */
  latencyMs: number | null;
  lastUsedAt: number;
  breaker: BreakerPhase;
}

export interface AcquireRequest {
  model: string;
  /** Slots the isolate would like to lease; the object may grant fewer. */
  want: number;
  /** The asking request's input estimate. */
  estimatedTokens: number;
  /** The asking request's own output cap (`max_tokens`), if it set one. */
  maxOutputTokens?: number;
  /** Identifies the calling isolate, so the object can share what is left among those asking. */
  caller?: string;
}

/** The token side of a grant, present when the model or its provider has token limits. */
export interface TokenGrant {
  /** Tokens counted for the asking request. */
  reserved: number;
  /** Tokens counted for the whole lease: `reserved` plus one more reservation per extra slot. */
  budget: number;
  /** How the isolate prices the requests it serves from this lease. */
  cost: TokenCost;
  /** Tokens are scarce or the cost is a guess: report each answer's usage at once, not in the next batch. */
  settleAtOnce: boolean;
}

export type RefusalReason =
  | "quota"
  | "provider_quota"
  | "account_exhausted"
  | "cooldown"
  | "breaker"
  | "concurrency"
  | "unknown_model"
  /** The limiter could not be reached and the provider fails closed. */
  | "limiter_unavailable";

export type AcquireResult =
  | {
      ok: true;
      /** Slots counted for this isolate, or "unlimited" until leaseUntil when nothing is counted. */
      granted: number | "unlimited";
      leaseUntil: number;
      grantedAt: number;
      /** Names this lease when its unused slots and tokens go back. */
      lease: number;
      tokens: TokenGrant | null;
      /** This grant is the half-open breaker's single probe. */
      probe: boolean;
      /** Concurrency slot held: must be released when the request ends. */
      concurrency: boolean;
      /** null only when the limiter could not be reached and the grant is the isolate's own. */
      view: ModelView | null;
    }
  | {
      ok: false;
      reason: RefusalReason;
      retryAfterMs: number;
      /**
       * Quota refusals: what is missing is held, not spent (leased to other isolates, or
       * reserved for answers still running), so `retryAfterMs` is when it may come back,
       * not the window's end.
       */
      held?: boolean;
      /** Quota refusals: only the request's token reservation did not fit; a smaller request might. */
      byTokens?: boolean;
      view: ModelView | null;
    };

export type AttemptOutcome =
  /** The upstream answered. */
  | "success"
  /** Retryable failure that is the model's fault: 5xx, network, timeout, bad response. */
  | "failure"
  /** The upstream said 429. */
  | "rate_limited"
  /** Not the model's fault (client error, client gone, caller's deadline): breaker untouched. */
  | "neutral";

export interface RateHeaders {
  limitRequests?: number;
  remainingRequests?: number;
  limitTokens?: number;
  remainingTokens?: number;
  /** Time until the provider's window resets, when it says. */
  resetMs?: number;
}

export interface AttemptReport {
  model: string;
  outcome: AttemptOutcome;
  probe: boolean;
  releaseConcurrency: boolean;
  retryAfterMs?: number;
  scope?: "model" | "account";
  /** With scope "account": the quota pool exhausted (models.yaml `quota_pool`); absent, the whole account. */
  pool?: string;
  /** Tokens the answer used in all, as reported (or estimated when the upstream said nothing). */
  tokens?: number;
  /** Tokens reserved for this attempt before the call, and when: the report replaces them with `tokens`. */
  reserved?: number;
  reservedAt?: number;
  /** What the attempt's cost estimate was made of, and what the upstream reported, to refine the next one. */
  estimatedInput?: number;
  inputTokens?: number;
  outputTokens?: number;
  latencyMs?: number;
  rate?: RateHeaders;
  /** The provider rejected (401/403) the pool key this limiter counts: bench it for every isolate. */
  keyRejected?: boolean;
}

export interface LeaseReturn {
  model: string;
  /** The lease ending; absent for grants the limiter did not make (it was unreachable). */
  lease?: number;
  slots: number;
  /** Reserved tokens the lease's holder did not use for any request. */
  tokens?: number;
  grantedAt: number;
}

export interface SettleResult {
  /** Models of this provider that should not be tried before `until`. */
  blocked: Array<{ model: string; until: number; reason: "breaker" | "cooldown" | "account_exhausted" }>;
}

export interface ModelStatus {
  name: string;
  breaker: BreakerPhase;
  cooldown_until: number | null;
  in_flight: number;
  /** Exponentially weighted average, ms. */
  latency_ms: number | null;
  /** Median of the latest successful attempts, ms; null until one is measured. */
  latency_p50_ms: number | null;
  /** Attempts that ended in the current calendar minute and the ones before it, up to `window_s`; a 429 counts as an error. */
  recent: { success: number; error: number; window_s: number };
  usage: Partial<Record<LimitKey, WindowUsage>>;
}

export interface ProviderStatus {
  provider: string;
  exhausted_until: number | null;
  /** A pool key's object: until when the key is benched, after the provider rejected it. */
  benched_until?: number;
  usage: Partial<Record<LimitKey, WindowUsage>>;
  models: ModelStatus[];
}
