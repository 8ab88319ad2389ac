/**
 * What every model-calling route hands to dispatch from its request: settings, the
 * limiter, the client's abort signal, attempt logging, and the trace header for the
 * upstream call. One place, so chat and images cannot drift apart.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { quotaClient, quotaContext } from "../limits/quota-client";
import { errorKind } from "../observability/error-kind";
import { traceparent } from "../observability/trace";
import type { ResolvedModel } from "../config/catalog";
import type { DispatchOptions } from "../routing/dispatch";

export function dispatchOptions(c: Context<AppEnv>, estimatedTokens: number, maxOutputTokens?: number, affinity?: () => string): DispatchOptions {
  const log = c.get("log");
  return {
    ...(affinity ? { affinity } : {}),
    estimatedTokens,
    ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
    settings: c.get("settings"),
    quota: quotaClient,
    ctx: quotaContext(c.env, (p) => c.executionCtx.waitUntil(p)),
    signal: c.req.raw.signal,
    onAttempt: (a) => log.attempts.push({ model: a.model.name, provider: a.model.providerId, error: a.error ? errorKind(a.error) : null }),
  };
}

/**
 * Names a conversation for a key pool, so it stays on one key while that key has room and
 * the provider's prompt cache keeps hitting: the client's `x-proxy-session` header, else
 * its `user` field, else its first two messages; always within its client key.
 */
export function conversationOf(c: Context<AppEnv>, req: { user?: unknown; messages: readonly unknown[] }): string {
  const session = c.req.header("x-proxy-session") ?? (typeof req.user === "string" ? req.user : undefined);
  return `${c.get("clientKeyId")}\n${session ?? JSON.stringify(req.messages.slice(0, 2))}`;
}

/** Headers every upstream call carries: the trace context, under this hop's span. */
export function upstreamHeaders(c: Context<AppEnv>): Record<string, string> {
  return { traceparent: traceparent(c.get("trace")) };
}

/** Says which model and provider answered, after how many upstream attempts. */
export function markAnswer(res: Response, model: ResolvedModel, attempts: number): Response {
  res.headers.set("x-proxy-model", model.name);
  res.headers.set("x-proxy-provider", model.providerId);
  res.headers.set("x-proxy-attempts", String(attempts));
  return res;
}
