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
  UpstreamError,
  UpstreamRateLimitError,
} from "../errors";
import type { AttemptOutcome, RateHeaders, RefusalReason } from "../limits/limiter-types";
import type { QuotaClient, QuotaContext } from "../limits/quota-client";
import type { StreamOutcome } from "../stream/stream-guard";
import { fullJitterDelay, sleep } from "./backoff";
import { orderCandidates } from "./order-candidates";
import type { Resolution } from "./resolve-model";

export interface AttemptOutput {
  response: Response;
  latencyMs: number;
  rate: RateHeaders | undefined;
  done: Promise<StreamOutcome>;
}

/** The request's deadline, which bounds the attempt in flight as well as the loop. */
export interface AttemptBounds {
  deadline: number;
  deadlineMs: number;
}

/** How to try one model: translate first (cheap, may refuse), then send (costs quota). */
export interface Attempt<P> {
  /** Throws InvalidRequestError when the model cannot express the request, ConfigurationError when its provider is misconfigured. */
  prepare(model: ResolvedModel): P;
  send(prepared: P, model: ResolvedModel, bounds: AttemptBounds): Promise<AttemptOutput>;
}

export interface DispatchOptions {
  /** Told about every upstream attempt, for the request log. */
  onAttempt?: (attempt: { model: ResolvedModel; error: UpstreamError | ProxyError | null }) => void;
  estimatedTokens: number;
  settings: Settings;
  quota: QuotaClient;
  ctx: QuotaContext;
  signal?: AbortSignal;
  random?: () => number;
}

export interface Dispatched {
  output: AttemptOutput;
  model: ResolvedModel;
  attempts: number;
}

const MAX_PASSES = 16;

function outcomeOf(err: unknown): { outcome: AttemptOutcome; retryAfterMs?: number; scope?: "model" | "account"; pool?: string } {
  if (err instanceof UpstreamRateLimitError) return { outcome: "rate_limited", retryAfterMs: err.retryAfterMs, scope: err.scope, pool: err.pool };
  if (err instanceof UpstreamError && err.fallback) return { outcome: "failure" };
  return { outcome: "neutral" };
}

function outcomeOfStream(o: StreamOutcome): AttemptOutcome {
  if (o.completed) return "success";
  // The client leaving is not the model's fault; a stream that broke is.
  return o.cancelled ? "neutral" : "failure";
}

export async function dispatch<P>(resolution: Resolution, opts: DispatchOptions, attempt: Attempt<P>): Promise<Dispatched> {
  const { quota, ctx, settings, signal, estimatedTokens } = opts;
  const started = Date.now();
  const deadline = started + settings.requestDeadlineMs;
  const fits = resolution.candidates.filter((m) => m.max_input_tokens === undefined || m.max_input_tokens >= estimatedTokens);
  if (fits.length === 0) {
    const largest = Math.max(...resolution.candidates.map((m) => m.max_input_tokens ?? 0));
    throw new InvalidRequestError(
      `The request is about ${estimatedTokens} tokens, more than any candidate for '${resolution.requested}' accepts (at most ${largest}).`,
      { param: "messages", code: "context_length_exceeded" },
    );
  }
  const lastUsed = new Map<string, number>();
  const prepared = new Map<string, P>();
  const refusals = new Set<RefusalReason>();
  let attempts = 0;
  let retries = 0;
  let lastError: ProxyError | undefined;
  let prepareError: ProxyError | undefined;
  let upstreamLimited = false;

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const order = orderCandidates({ ...resolution, candidates: fits }, { views: quota.views, lastUsed });
    let earliest = Number.POSITIVE_INFINITY;
    let transientFailure = false;
    for (const model of order) {
      if (attempts >= settings.retry.maxAttempts || Date.now() >= deadline) break;
      if (signal?.aborted) throw signal.reason;
      let request = prepared.get(model.name);
      if (request === undefined) {
        try {
          request = attempt.prepare(model);
          prepared.set(model.name, request);
        } catch (err) {
          // This model cannot take the request (or its provider lacks a secret); another may.
          if (!(err instanceof InvalidRequestError || err instanceof ConfigurationError)) throw err;
          prepareError ??= err;
          continue;
        }
      }
      const reservation = await quota.reserve(model, estimatedTokens, ctx);
      if (!reservation.ok) {
        refusals.add(reservation.reason);
        earliest = Math.min(earliest, Date.now() + reservation.retryAfterMs);
        continue;
      }
      attempts++;
      lastUsed.set(model.name, Date.now());
      let output: AttemptOutput;
      try {
        output = await attempt.send(request, model, { deadline, deadlineMs: settings.requestDeadlineMs });
      } catch (err) {
        const o = outcomeOf(err);
        reservation.settle(o);
        opts.onAttempt?.({ model, error: err instanceof ProxyError ? err : null });
        if (!(err instanceof UpstreamError) || !err.fallback) throw err;
        lastError = err;
        if (o.outcome === "rate_limited") {
          upstreamLimited = true;
          // An exhausted account frees at its reset, which the models' refusals will tell.
          if (o.retryAfterMs !== undefined || o.scope !== "account") earliest = Math.min(earliest, Date.now() + (o.retryAfterMs ?? settings.retry.maxDelayMs));
        } else if (err.retryable) transientFailure = true;
        continue;
      }
      opts.onAttempt?.({ model, error: null });
      ctx.waitUntil(
        output.done.then((o) =>
          reservation.settle({ outcome: outcomeOfStream(o), latencyMs: output.latencyMs, rate: output.rate, tokens: o.usage?.total_tokens }),
        ),
      );
      return { output, model, attempts };
    }

    if (attempts >= settings.retry.maxAttempts) break;
    const now = Date.now();
    if (transientFailure) {
      // Something failed that may work on a second try: back off, then go round again.
      await sleep(Math.min(fullJitterDelay(retries++, settings.retry.baseDelayMs, settings.retry.maxDelayMs, opts.random), Math.max(0, deadline - now)), signal);
      continue;
    }
    // Nothing to try now. Wait if quota frees within what this request may wait.
    const wait = earliest - now;
    const mayWait = Math.max(resolution.maxWaitMs, upstreamLimited ? settings.retry.maxDelayMs : 0);
    if (Number.isFinite(wait) && wait <= mayWait && now + wait < deadline) {
      await sleep(Math.max(0, wait), signal);
      continue;
    }
    if (lastError && !(lastError instanceof UpstreamRateLimitError)) throw lastError;
    if (prepareError && refusals.size === 0 && !lastError) throw prepareError;
    const retryAfterMs = Number.isFinite(wait) ? Math.max(0, wait) : 1000;
    if (refusals.size > 0 && [...refusals].every((r) => r === "breaker")) {
      throw new ServiceUnavailableError(
        `Every model for '${resolution.requested}' is failing and paused; the earliest is tried again in ${Math.ceil(retryAfterMs / 1000)} s.`,
        retryAfterMs,
      );
    }
    throw new RateLimitError(
      `No model for '${resolution.requested}' has quota left right now; the earliest frees in ${Math.ceil(retryAfterMs / 1000)} s.`,
      retryAfterMs,
    );
  }
  throw lastError ?? prepareError ?? new RateLimitError(`No model for '${resolution.requested}' could take the request.`, 1000);
}
