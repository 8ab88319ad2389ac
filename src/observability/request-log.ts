/**
 * One structured JSON line per request, and optionally one Analytics Engine data point:
 * who asked for what, which models were tried and how each attempt ended, the status,
 * latency, time to first token, tokens and cache status. Never prompts, completions or
 * keys: the record has no field that could hold them (a client is named, never its key).
 * A stream's line is written when the stream ends, so it carries the stream's real outcome
 * and token counts; the same moment reports the request to its client's usage.
 */
import type { MiddlewareHandler } from "hono";
import { reportUse } from "../clients/usage-report";
import type { AppEnv } from "../env";
import type { AnswerOutcome } from "../routing/answer-outcome";
import { logLine } from "./log-line";
import { type TraceContext, traceFrom } from "./trace";

declare module "hono" {
  interface ContextVariableMap {
    /** This request's log record: routes fill it in, this middleware writes it. */
    log: RequestLog;
    trace: TraceContext;
  }
}

export interface AttemptLog {
  model: string;
  provider: string;
  /** null when the attempt succeeded; otherwise the error's kind (rate_limit, server_error...). */
  error: string | null;
}

export interface RequestLog {
  /** The client's name (never its key); null before auth. */
  client: string | null;
  requested_model: string | null;
  model: string | null;
  provider: string | null;
  stream: boolean;
  attempts: AttemptLog[];
  ttft_ms: number | null;
  tokens_in: number | null;
  tokens_out: number | null;
  tokens_estimated: boolean;
  cache: "HIT" | "MISS" | "BYPASS" | null;
  /** How a stream ended, once it has. */
  stream_outcome: "completed" | "failed" | "cancelled" | null;
  error: string | null;
  /** What the proxy left out of a request or answer, said once (hosted tools it cannot run, a response too large to store). */
  notes?: string[];
  /** Settles when the response body is done (streams); the line waits for it. */
  finished?: Promise<unknown>;
}

export function newRequestLog(): RequestLog {
  return {
    client: null,
    requested_model: null,
    model: null,
    provider: null,
    stream: false,
    attempts: [],
    ttft_ms: null,
    tokens_in: null,
    tokens_out: null,
    tokens_estimated: false,
    cache: null,
    stream_outcome: null,
    error: null,
  };
}

/** Records which model answered, and, once the answer has ended, its tokens and how it ended. */
export function recordAnswer(log: RequestLog, model: { name: string; providerId: string }, done: Promise<AnswerOutcome>): void {
  log.model = model.name;
  log.provider = model.providerId;
  log.finished = done.then((o) => {
    log.tokens_in = o.usage?.prompt_tokens ?? null;
    log.tokens_out = o.usage?.completion_tokens ?? null;
    log.tokens_estimated = o.estimated;
    if (o.kind !== "stream") return;
    log.stream_outcome = o.completed ? "completed" : o.cancelled ? "cancelled" : "failed";
    if (o.error) log.error = o.error.code;
  });
}

export function requestLogger(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = Date.now();
    const log = newRequestLog();
    const trace: TraceContext = traceFrom(c.req.header("traceparent"));
    c.set("log", log);
    c.set("trace", trace);
    try {
      await next();
    } finally {
      const write = () => {
        const level = c.res.status >= 500 || log.stream_outcome === "failed" ? "error" : "info";
        const line = {
          ts: new Date(started).toISOString(),
          request_id: c.get("requestId"),
          trace_id: trace.traceId,
          span_id: trace.spanId,
          method: c.req.method,
          route: c.req.routePath,
          status: c.res.status,
          latency_ms: Date.now() - started,
          ...log,
          finished: undefined,
        };
        logLine(level, line);
        const use = c.get("clientUse");
        if (use && log.client) {
          const report = { model: log.model ?? use.model, tokensIn: log.tokens_in ?? undefined, tokensOut: log.tokens_out ?? undefined, error: line.status >= 400 || log.stream_outcome === "failed" };
          reportUse(c.env, log.client, use.hold ? { ...report, hold: use.hold } : report, (p) => c.executionCtx.waitUntil(p));
        }
        c.env.ANALYTICS?.writeDataPoint({
          indexes: [log.model ?? log.requested_model ?? "-"],
          blobs: [line.route, log.requested_model ?? "", log.model ?? "", log.provider ?? "", String(line.status), log.cache ?? "", log.error ?? "", log.stream_outcome ?? ""],
          doubles: [line.latency_ms, log.ttft_ms ?? 0, log.tokens_in ?? 0, log.tokens_out ?? 0, log.attempts.length],
        });
      };
      if (log.finished) c.executionCtx.waitUntil(log.finished.then(write, write));
      else write();
    }
  };
}
