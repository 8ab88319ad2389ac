/**
 * Same protocol in and out: a request a provider speaks natively is sent as the client
 * wrote it and the answer goes back as the provider wrote it. What the shared call
 * (upstream-call.ts) and the stream guard still need from the protocol, they get here:
 * how to check a whole answer and read its usage, the protocol's own stream translator to
 * observe a stream with (its first content, usage, errors and end; its output is never
 * sent), and the event that ends a stream that fails after content, in the client's terms.
 */
import type { ProxyError } from "../errors";
import type { ChatCompletionChunk, Usage } from "../openai/chat-response";
import type { SseEvent } from "../stream/sse-parser";
import type { ResponseContext, UpstreamHttpRequest, UpstreamTarget } from "./types";

export interface Relay {
  /** Throws UpstreamBadResponseError when `json` is no answer; its usage in the internal terms. */
  answerUsage(provider: string, json: unknown): Usage | undefined;
  observer(ctx: ResponseContext): Transformer<SseEvent, ChatCompletionChunk>;
  errorEvent(error: ProxyError): string;
}

/** An attempt passed through: the request as built for its target, and how to watch the answer. */
export interface PreparedRelay {
  readonly kind: "relay";
  readonly relay: Relay;
  readonly target: UpstreamTarget;
  readonly spec: UpstreamHttpRequest;
  readonly stream: boolean;
}

/** Answers passed through say so, so the route sends them on as they are (and the cache leaves them out). */
export const PASSTHROUGH_HEADER = "x-proxy-passthrough";
