/**
 * The shape of GET /v1/usage's answer and of the ClientLimiter's RPC contract, in a file
 * of its own so the dashboard's browser code can `import type` it without the runtime.
 * Plain, structured-cloneable data; admission results are discriminated unions.
 */
import type { StatusUsage } from "../routes/status-body";

export interface Totals {
  requests: number;
  tokens_in: number;
  tokens_out: number;
  errors: number;
}

/** The current minute, hour or UTC day: totals, and the same per model. */
export interface UsageWindow extends Totals {
  start: string;
  models: Record<string, Totals>;
}

export interface ClientUsage {
  client: string;
  role: "client" | "admin";
  /** Each declared limit's window: used, limit, resets_at. */
  limits: StatusUsage;
  max_concurrent: number | null;
  in_flight: number;
  minute: UsageWindow;
  hour: UsageWindow;
  day: UsageWindow;
}

export interface UsageBody {
  object: "usage";
  clients: ClientUsage[];
}

/** What a client's admitted request holds until it is settled. */
export interface Hold {
  /** Which request holds it: a concurrency place is given back by this id, not by age. */
  id: string;
  reserved: number;
  at: number;
  estimatedInput: number;
  concurrency: boolean;
}

export type AdmitResult = { ok: true; hold: Hold } | { ok: false; retryAfterMs: number; reason: "quota" | "concurrency" };

/** One finished request, as the isolate reports it (write-behind). */
export interface UseReport {
  /** A configured model (or category) name, never the client's raw string. */
  model: string | null;
  /** Undefined when the request has no counts of its own (a cache hit, a failure before an answer). */
  tokensIn?: number;
  tokensOut?: number;
  error: boolean;
  hold?: Hold;
  /** Sent once already and failed: tried once more, then dropped. */
  retried?: boolean;
}
