/**
 * Runs a protocol's stream transformer (upstream SSE events -> OpenAI chunks) inside one
 * pull-based stream: bytes in, OpenAI SSE bytes out, ending with `data: [DONE]` only
 * when the upstream stream completed and the transformer accepted its end.
 *
 * Not a chain of TransformStreams, on purpose: there, an error (a broken connection, or a
 * transformer rejecting a truncated stream) races down the chain and discards chunks still
 * queued in it, so content the upstream did send could vanish. Here every chunk produced
 * before a failure is delivered first, and the failure surfaces on the next read.
 */
import { UpstreamTooLargeError } from "../errors";
import type { ChatCompletionChunk } from "../openai/chat-response";
import { MAX_SSE_EVENT_CHARS, type SseEvent, SseParser } from "./sse-parser";

const encoder = new TextEncoder();
const DONE = "data: [DONE]\n\n";

export function translateStream(body: ReadableStream<Uint8Array>, transformer: Transformer<SseEvent, ChatCompletionChunk>, provider: string): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  // An oversized event fails the stream like a broken one: after what came before it.
  const parser = new SseParser(() => new UpstreamTooLargeError(provider, "a stream event", MAX_SSE_EVENT_CHARS));
  // Set from inside callbacks, so read through failed() where TypeScript cannot see it change.
  let failure: { error: unknown } | undefined;
  const failed = (): { error: unknown } | undefined => failure;
  let out: ChatCompletionChunk[] = [];
  // The transformer only ever enqueues or throws; this controller collects what it enqueues.
  const collector = {
    desiredSize: 1,
    enqueue: (chunk: ChatCompletionChunk) => void out.push(chunk),
    error: (reason: unknown) => {
      throw reason;
    },
    terminate: () => undefined,
  } as unknown as TransformStreamDefaultController<ChatCompletionChunk>;

  const run = (step: () => unknown) => {
    if (failure) return;
    try {
      // Transformers here are synchronous; a returned promise would be a contract breach.
      step();
    } catch (error) {
      failure = { error };
    }
  };
  const feed = (events: SseEvent[]) => {
    for (const event of events) run(() => transformer.transform?.(event, collector));
  };
  const drain = (): string => {
    const text = out.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join("");
    out = [];
    return text;
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (failure) return controller.error(failure.error);
          let text: string;
          try {
            const r = await reader.read();
            const events: SseEvent[] = [];
            if (r.done) {
              parser.push(decoder.decode(), (e) => events.push(e));
              parser.end((e) => events.push(e));
              feed(events);
              run(() => transformer.flush?.(collector));
              const f = failed();
              text = drain() + (f ? "" : DONE);
              // A failure is raised on the next read, after what came before it.
              if (text) controller.enqueue(encoder.encode(text));
              else if (f) controller.error(f.error);
              if (!f) controller.close();
              return;
            }
            parser.push(decoder.decode(r.value, { stream: true }), (e) => events.push(e));
            feed(events);
            text = drain();
          } catch (error) {
            failure = { error };
            text = drain();
          }
          if (text) return controller.enqueue(encoder.encode(text));
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
