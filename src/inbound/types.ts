/**
 * What a client protocol other than Chat Completions implements to be served. Chat
 * Completions is the internal form that routing, limits, the stream guard, the cache and
 * the provider adapters share; an inbound protocol only translates at the edges:
 * - its request into the internal request, per kind of target (OpenAI-compatible targets
 *   forward the internal body as it is, so theirs holds only what they take; translating
 *   adapters can be given more);
 * - the internal answer (a chat.completion, or the guarded OpenAI SSE stream) into its own
 *   wire format, and errors into its own error shape.
 *
 * Same-protocol pass-through is a per-target choice on top of this: the route hands
 * `serveBuilt` a `RelayFor` (providers/chat-attempt.ts) that sends the client's body to
 * such a target instead of the translated one, and `answerAs` sends that answer on
 * without `fromCompletion`/`fromStream`. Messages requests to `anthropic` providers use
 * it (messages/passthrough.ts); Responses requests to OpenAI providers do not yet.
 */
import type { Protocol } from "../config/schema";
import type { ProxyError } from "../errors";

export interface AnswerContext {
  /** The model to name when the answer does not (the configured upstream id). */
  readonly model: string;
  /** The request's estimated input tokens, for usage a protocol must give before the provider's. */
  readonly inputTokens: number;
}

export interface InboundProtocol<C extends AnswerContext = AnswerContext> {
  /** An error as this protocol's body; status and headers stay the proxy's. */
  errorBody(err: ProxyError): unknown;
  /** A parsed chat.completion (OpenAI-compatible providers' extras included) as this protocol's answer. */
  fromCompletion(completion: unknown, ctx: C): unknown;
  /** The guarded internal SSE stream as this protocol's stream. */
  fromStream(source: ReadableStream<Uint8Array>, ctx: C): ReadableStream<Uint8Array>;
}

/** The internal request per kind of target, built when a target of that kind is first tried. */
export type RequestFor<R> = (protocol: Protocol) => R;
