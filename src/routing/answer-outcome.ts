/**
 * How an answer ended, for the two parts that need to know: the limiter (tokens spent, and
 * whether the model did its job) and the request log. A whole answer (a JSON completion, a
 * set of images) is complete the moment it exists; only a stream can end early, because
 * the client left or the upstream broke, so only a stream's outcome says how it ended.
 */
import type { ProxyError } from "../errors";
import type { AttemptOutcome } from "../limits/limiter-types";
import type { Usage } from "../openai/chat-response";

export interface WholeAnswer {
  kind: "whole";
  usage?: Usage;
  /** `usage` was estimated, not reported by the upstream. */
  estimated: boolean;
}

export interface StreamEnd {
  kind: "stream";
  /** The answer arrived whole (ended with `[DONE]` or a finish reason). */
  completed: boolean;
  cancelled: boolean;
  error?: ProxyError;
  usage?: Usage;
  estimated: boolean;
}

export type AnswerOutcome = WholeAnswer | StreamEnd;

/** What the limiter learns from an ended answer. */
export function attemptOutcome(o: AnswerOutcome): AttemptOutcome {
  if (o.kind === "whole" || o.completed) return "success";
  // The client leaving is not the model's fault; a stream that broke is.
  return o.cancelled ? "neutral" : "failure";
}
