/**
 * The attempt loop shared by every endpoint: take the candidates in strategy order,
 * reserve quota for one, call it, and on failure decide between falling back to the next
 * candidate, retrying after backoff with full jitter, waiting for quota to free, or giving
 * up with the most useful error. Attempts, waits and the whole request are bounded.
 */
import type { ResolvedModel } from "../config/catalog";
import type { Settings } from "../config/settings";
import {
  ConfigurationError,
  InvalidRequestError,
  ProxyError,
  RateLimitError,
  ServiceUnavailableError,
  UpstreamAuthError,
  UpstreamError,
  UpstreamRateLimitError,
} from "../errors";
import { perKey } from "../limits/key-pool";
import type { AttemptOutcome, RateHeaders, RefusalReason } from "../limits/limiter-types";
import type { QuotaContext } from "../limits/quota-context";
import type { QuotaClient, SettleInfo } from "../limits/quota-client";
import { type AnswerOutcome, attemptOutcome } from "./answer-outcome";
import { fullJitterDelay, sleep } from "./backoff";
import { orderCandidates } from "./order-candidates";
import type { Resolution } from "./resolve-model";

/** What one attempt produced: a Response for chat and images, whatever the route needs otherwise (embeddings: vectors). */
export interface AttemptOutput<R = Response> {
  response: R;
  latencyMs: number;
  rate: RateHeaders | undefined;
  done: Promise<AnswerOutcome>;
}

/** The request's deadline, which bounds the attempt in flight as well as the loop. */
export interface AttemptBounds {
  deadline: number;
  deadlineMs: number;
  /** The key of the provider's pool the quota was taken on. */
  key: number;
}

/** How to try one model: translate first (cheap, may refuse), then send (costs quota). */
export interface Attempt<P, R = Response> {
  /** Throws InvalidRequestError when the model cannot express the request, ConfigurationError when its provider is misconfigured. */
  prepare(model: ResolvedModel): P;
  send(prepared: P, model: ResolvedModel, bounds: AttemptBounds): Promise<AttemptOutput<R>>;
  /**
   * The provider rejected the credential (401/403): drop the token (`refresh`: try again
   * at once, with a fresh one) or bench the key (`later`: another key may serve).
   */
  rejected?(prepared: P, key: number, status: number): "refresh" | "later" | undefined;
}

export interface DispatchOptions {
  /** Told about every upstream attempt, for the request log. */
  onAttempt?: (attempt: { model: ResolvedModel; error: UpstreamError | ProxyError | null }) => void;
  estimatedTokens: number;
  /**
   * What candidates' max_input_tokens is checked against, when not the whole request:
   * an embeddings request is many inputs, and the limit is per input.
   */
  fit?: { tokens: number; param: string };
  /** The request's own cap on output tokens, if it set one: token reservations never expect more. */
  maxOutputTokens?: number;
  settings: Settings;
  quota: QuotaClient;
  ctx: QuotaContext;
  signal?: AbortSignal;
  random?: () => number;
  /** Names the conversation, so a key pool keeps it on one key (prompt caches). */
  affinity?: () => string;
}

export interface Dispatched<R = Response> {
  output: AttemptOutput<R>;
  model: ResolvedModel;
  attempts: number;
}

/** Waiting for a concurrency slot polls the limiter, first often, then at most this far apart. */
const SLOT_POLL_MIN_MS = 100;
const SLOT_POLL_MAX_MS = 500;
/** No wait is shorter than this, so a loop of waits always moves time forward. */
const MIN_WAIT_MS = 10;

function outcomeOf(err: unknown): { outcome: AttemptOutcome; retryAfterMs?: number; scope?: "model" | "account"; pool?: string } {
  if (err instanceof UpstreamRateLimitError) return { outcome: "rate_limited", retryAfterMs: err.retryAfterMs, scope: err.scope, pool: err.pool };
  if (err instanceof UpstreamError && err.fallback) return { outcome: "failure" };
  return { outcome: "neutral" };
}

/**
 * What a finished answer tells the limiter, to count it and to learn what answers cost: its
 * output size even when estimated from its text, its input size only when the upstream
 * counted it (an estimate compared with itself teaches nothing).
 */
function settleInfo(o: AnswerOutcome, output: AttemptOutput<unknown>): SettleInfo {
  const info: SettleInfo = { outcome: attemptOutcome(o), latencyMs: output.latencyMs, rate: output.rate, tokens: o.usage?.total_tokens, outputTokens: o.usage?.completion_tokens };
  return o.estimated ? info : { ...info, inputTokens: o.usage?.prompt_tokens };
}

/**
 * How long to sleep before looking again, or undefined when the request may not wait for
 * what it is waiting for. max_wait_ms counts from the request's start, whatever it waits
 * for; a 429 from upstream may be waited out within the retry budget. A concurrency slot
 * frees when some request ends, which nobody can predict: that is polled, less often the
 * longer it takes.
 */
function quotaPause(w: {
  now: number;
  wait: number;
  started: number;
  deadline: number;
  maxWaitMs: number;
  upstreamLimited: boolean;
  settings: Settings;
  slotOnly: boolean;
  slotPolls: number;
}): number | undefined {
  const mayWaitTo = Math.max(w.started + w.maxWaitMs, w.upstreamLimited ? w.now + w.settings.retry.maxDelayMs : 0);
  if (!Number.isFinite(w.wait) || w.now + w.wait > mayWaitTo || w.now + w.wait >= w.deadline) return undefined;
  const poll = w.slotOnly && !w.upstreamLimited ? Math.min(SLOT_POLL_MAX_MS, SLOT_POLL_MIN_MS * 1.5 ** w.slotPolls) : 0;
  return Math.max(0, Math.min(Math.max(MIN_WAIT_MS, w.wait, poll), mayWaitTo - w.now, w.deadline - w.now));
}

/** The candidates whose declared context can take the request (or, with `fit`, its largest input); a 400 when none can. */
function candidatesThatFit(resolution: Resolution, opts: DispatchOptions): ResolvedModel[] {
  const fit = opts.fit ?? { tokens: opts.estimatedTokens, param: "messages" };
  const fits = resolution.candidates.filter((m) => m.max_input_tokens === undefined || m.max_input_tokens >= fit.tokens);
  if (fits.length > 0) return fits;
  const largest = Math.max(...resolution.candidates.map((m) => m.max_input_tokens ?? 0));
  throw new InvalidRequestError(
    `The ${opts.fit ? "largest input" : "request"} is about ${fit.tokens} tokens, more than any candidate for '${resolution.requested}' accepts (at most ${largest}).`,
    { param: fit.param, code: "context_length_exceeded" },
  );
}

/** What one request's attempts have learned so far, across passes over its candidates. */
interface RunState<P> {
  readonly started: number;
  readonly deadline: number;
  readonly lastUsed: Map<string, number>;
  readonly prepared: Map<string, P>;
  readonly refusals: Set<RefusalReason>;
  /** Providers whose stale token this request has refreshed once already. */
  readonly refreshed: Set<string>;
  /** How often a model was tried again at once on another key of its pool after a 429. */
  readonly keyMoves: Map<string, number>;
  attempts: number;
  lastError?: ProxyError;
  prepareError?: ProxyError;
  upstreamLimited: boolean;
}

/**
 * A 429 on one key of a per-key pool cools that key only: the model is worth trying again
 * at once, on a key with quota left, once for each other key of the pool.
 */
function anotherKey<P>(run: RunState<P>, model: ResolvedModel): boolean {
  const keys = model.providerConfig.api_key_env?.length ?? 0;
  const moved = run.keyMoves.get(model.name) ?? 0;
  if (keys < 2 || !perKey(model) || moved >= keys - 1) return false;
  run.keyMoves.set(model.name, moved + 1);
  return true;
}

/** What one pass over the candidates found when none answered. */
interface PassResult {
  /** When the earliest refused or rate-limited model may be tried again. */
  earliest: number;
  /** A failure that may work on a second try. */
  transientFailure: boolean;
  /** Every refusal was for a concurrency slot. */
  slotOnly: boolean;
}

/** One pass over the candidates in order: an answer, or what stood in the way. */
async function tryEach<P, R>(run: RunState<P>, order: readonly ResolvedModel[], opts: DispatchOptions, attempt: Attempt<P, R>): Promise<Dispatched<R> | PassResult> {
  const { quota, ctx, settings, signal, estimatedTokens } = opts;
  const pass: PassResult = { earliest: Number.POSITIVE_INFINITY, transientFailure: false, slotOnly: true };
  for (let i = 0; i < order.length; i++) {
    const model = order[i]!;
    if (run.attempts >= settings.retry.maxAttempts || Date.now() >= run.deadline) break;
    if (signal?.aborted) throw signal.reason;
    let request = run.prepared.get(model.name);
    if (request === undefined) {
      try {
        request = attempt.prepare(model);
        run.prepared.set(model.name, request);
      } catch (err) {
        // This model cannot take the request (or its provider lacks a secret); another may.
        if (!(err instanceof InvalidRequestError || err instanceof ConfigurationError)) throw err;
        run.prepareError ??= err;
        continue;
      }
    }
    const reservation = await quota.reserve(model, estimatedTokens, ctx, opts.maxOutputTokens, opts.affinity);
    if (!reservation.ok) {
      run.refusals.add(reservation.reason);
      pass.slotOnly &&= reservation.reason === "concurrency";
      pass.earliest = Math.min(pass.earliest, Date.now() + reservation.retryAfterMs);
      continue;
    }
    run.attempts++;
    run.lastUsed.set(model.name, Date.now());
    let output: AttemptOutput<R>;
    try {
      output = await attempt.send(request, model, { deadline: run.deadline, deadlineMs: settings.requestDeadlineMs, key: reservation.key });
    } catch (err) {
      const verdict = err instanceof UpstreamAuthError ? attempt.rejected?.(request, reservation.key, err.upstreamStatus) : undefined;
      // A token that expired early is no failure of the provider's: refresh it and try again at once, once.
      const refresh = verdict === "refresh" && !run.refreshed.has(model.providerId);
      // A rejected pool key is benched in its own limiter too, so other isolates skip it.
      const o = refresh ? { outcome: "neutral" as const } : verdict === "later" ? { ...outcomeOf(err), keyRejected: true } : outcomeOf(err);
      reservation.settle(o);
      opts.onAttempt?.({ model, error: err instanceof ProxyError ? err : null });
      if (!(err instanceof UpstreamError) || !err.fallback) throw err;
      run.lastError = err;
      if (refresh) {
        run.refreshed.add(model.providerId);
        i--;
      } else if (o.outcome === "rate_limited") {
        run.upstreamLimited = true;
        // An exhausted account frees at its reset, which the models' refusals will tell.
        if (o.retryAfterMs !== undefined || o.scope !== "account") pass.earliest = Math.min(pass.earliest, Date.now() + (o.retryAfterMs ?? settings.retry.maxDelayMs));
        if (anotherKey(run, model)) i--;
      } else if (err.retryable || verdict === "later") pass.transientFailure = true;
      continue;
    }
    opts.onAttempt?.({ model, error: null });
    ctx.waitUntil(output.done.then((o) => reservation.settle(settleInfo(o, output))));
    return { output, model, attempts: run.attempts };
  }
  return pass;
}

/** The error that ends a request nothing could serve: the upstream's, the preparation's, or the quota's. */
function giveUp<P>(run: RunState<P>, resolution: Resolution, wait: number): never {
  if (run.lastError && !(run.lastError instanceof UpstreamRateLimitError)) throw run.lastError;
  if (run.prepareError && run.refusals.size === 0 && !run.lastError) throw run.prepareError;
  const retryAfterMs = Number.isFinite(wait) ? Math.max(0, wait) : 1000;
  if (run.refusals.size > 0 && [...run.refusals].every((r) => r === "breaker" || r === "limiter_unavailable")) {
    const why = run.refusals.has("breaker") ? "is failing and paused" : "cannot have its quota checked right now";
    throw new ServiceUnavailableError(`Every model for '${resolution.requested}' ${why}; the earliest is tried again in ${Math.ceil(retryAfterMs / 1000)} s.`, retryAfterMs);
  }
  throw new RateLimitError(`No model for '${resolution.requested}' has quota left right now; the earliest frees in ${Math.ceil(retryAfterMs / 1000)} s.`, retryAfterMs);
}

export async function dispatch<P, R = Response>(resolution: Resolution, opts: DispatchOptions, attempt: Attempt<P, R>): Promise<Dispatched<R>> {
  const { quota, settings, signal } = opts;
  const fits = candidatesThatFit(resolution, opts);
  const started = Date.now();
  const run: RunState<P> = { started, deadline: started + settings.requestDeadlineMs, lastUsed: new Map(), prepared: new Map(), refusals: new Set(), refreshed: new Set(), keyMoves: new Map(), attempts: 0, upstreamLimited: false };
  let retries = 0;
  let slotPolls = 0;
  // Every pass either makes an attempt (bounded), sleeps (bounded by the waits allowed and
  // the deadline), or ends the request.
  for (;;) {
    const order = orderCandidates({ ...resolution, candidates: fits }, { views: quota.views, lastUsed: run.lastUsed });
    const pass = await tryEach(run, order, opts, attempt);
    if ("output" in pass) return pass;
    if (run.attempts >= settings.retry.maxAttempts) break;
    const now = Date.now();
    if (pass.transientFailure) {
      // Something failed that may work on a second try: back off, then go round again.
      await sleep(Math.min(fullJitterDelay(retries++, settings.retry.baseDelayMs, settings.retry.maxDelayMs, opts.random), Math.max(0, run.deadline - now)), signal);
      continue;
    }
    // Nothing to try now. Wait if quota frees within what this request may wait.
    const wait = pass.earliest - now;
    const pause = quotaPause({ now, wait, started, deadline: run.deadline, maxWaitMs: resolution.maxWaitMs, upstreamLimited: run.upstreamLimited, settings, slotOnly: pass.slotOnly, slotPolls });
    if (pause === undefined) giveUp(run, resolution, wait);
    if (pass.slotOnly) slotPolls++;
    await sleep(pause, signal);
  }
  throw run.lastError ?? run.prepareError ?? new RateLimitError(`No model for '${resolution.requested}' could take the request.`, 1000);
}
