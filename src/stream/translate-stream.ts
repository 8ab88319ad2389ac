/**
 * Runs a protocol's stream transformer (upstream SSE events -> OpenAI chunks) on the
 * bytes the stream guard reads, in the guard's own loop: bytes in, whole OpenAI SSE
 * events out, ending with `data: [DONE]` only when the upstream stream completed and the
 * transformer accepted its end. Not a stream of its own, on purpose: every stream between
 * the upstream and the client costs the runtime a pump per chunk (about as much CPU as
 * the whole native pipe), and in a chain of streams an error races down it and discards
 * chunks still queued, so content the upstream did send could vanish. Here every chunk
 * produced before a failure is handed over with the failure, and delivered first.
 */
import { UpstreamTooLargeError } from "../errors";
import type { ChatCompletionChunk } from "../openai/chat-response";
import { MAX_SSE_EVENT_CHARS, type SseEvent, SseParser } from "./sse-parser";

export interface Translated {
  /** Whole OpenAI SSE events, `data: …\n\n` each. */
  events: string[];
  /** What ended the stream, after `events`. */
  error?: unknown;
}

const DONE = "data: [DONE]\n\n";

export class StreamTranslator {
  private readonly decoder = new TextDecoder();
  private readonly parser: SseParser;
  private failure: { error: unknown } | undefined;
  private out: string[] = [];
  // The transformer only ever enqueues or throws; this controller collects what it enqueues.
  private readonly collector = {
    desiredSize: 1,
    enqueue: (chunk: ChatCompletionChunk) => void this.out.push(`data: ${JSON.stringify(chunk)}\n\n`),
    error: (reason: unknown) => {
      throw reason;
    },
    terminate: () => undefined,
  } as unknown as TransformStreamDefaultController<ChatCompletionChunk>;
  private readonly onEvent = (event: SseEvent) => this.run(() => this.transformer.transform?.(event, this.collector));

  constructor(
    private readonly transformer: Transformer<SseEvent, ChatCompletionChunk>,
    provider: string,
  ) {
    // An oversized event fails the stream like a broken one: after what came before it.
    this.parser = new SseParser(() => new UpstreamTooLargeError(provider, "a stream event", MAX_SSE_EVENT_CHARS));
  }

  private run(step: () => unknown): void {
    if (this.failure) return;
    try {
      // Transformers here are synchronous; a returned promise would be a contract breach.
      step();
    } catch (error) {
      this.failure = { error };
    }
  }

  /**
   * The events one whole upstream event (its text, blank line included) becomes: for a
   * stream forwarded as it came and only observed through its translation.
   */
  pushText(text: string): Translated {
    this.run(() => this.parser.push(text, this.onEvent));
    const events = this.out;
    this.out = [];
    return this.failure ? { events, error: this.failure.error } : { events };
  }

  /** The events a chunk completes; null ends the upstream stream. */
  push(chunk: Uint8Array | null): Translated {
    this.run(() => {
      if (chunk) return this.parser.push(this.decoder.decode(chunk, { stream: true }), this.onEvent);
      this.parser.push(this.decoder.decode(), this.onEvent);
      this.parser.end(this.onEvent);
    });
    if (!chunk) this.run(() => this.transformer.flush?.(this.collector));
    const events = this.out;
    this.out = [];
    if (this.failure) return { events, error: this.failure.error };
    if (!chunk) events.push(DONE);
    return { events };
  }
}

/** The translator as a stream of its own, for callers that have no guard around them (tests). */
export function translateStream(body: ReadableStream<Uint8Array>, transformer: Transformer<SseEvent, ChatCompletionChunk>, provider: string): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const translator = new StreamTranslator(transformer, provider);
  const encoder = new TextEncoder();
  let pending: unknown;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending !== undefined) return controller.error(pending);
      let t: Translated;
      try {
        const r = await reader.read();
        t = translator.push(r.done ? null : r.value);
        if (r.done && t.error === undefined) {
          controller.enqueue(encoder.encode(t.events.join("")));
          return controller.close();
        }
      } catch (error) {
        t = { events: [], error };
      }
      if (t.error !== undefined) pending = t.error;
      if (t.events.length) controller.enqueue(encoder.encode(t.events.join("")));
      else if (pending !== undefined) controller.error(pending);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
