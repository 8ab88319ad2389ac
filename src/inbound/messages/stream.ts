/**
 * Runs the Messages encoder (events.ts) over the internal SSE stream, pull-based like the
 * stream guard beneath it: the upstream is read only as the client reads, a client that
 * leaves cancels the upstream at once, and everything encoded before a failure reaches
 * the client before the failure's own event.
 */
import { SseParser } from "../../stream/sse-parser";
import { type EncoderContext, messagesEncoder, STREAM_FAILED } from "./events";

const encoder = new TextEncoder();

export function messagesStream(source: ReadableStream<Uint8Array>, ctx: EncoderContext): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const messages = messagesEncoder(ctx);
  let out = "";
  const onEvent = (e: { data: string }) => {
    out += messages.event(e.data);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Loop until something is enqueued: a pull that enqueues nothing is not called again.
        while (!out) {
          let r: ReadableStreamReadResult<Uint8Array>;
          try {
            r = await reader.read();
          } catch {
            out += messages.fail({ type: "upstream_error", message: STREAM_FAILED });
            break;
          }
          if (r.done) {
            parser.push(decoder.decode(), onEvent);
            parser.end(onEvent);
            out += messages.end();
            break;
          }
          parser.push(decoder.decode(r.value, { stream: true }), onEvent);
        }
        if (out) controller.enqueue(encoder.encode(out));
        out = "";
        if (!messages.done) return;
        // Read the source to its end rather than cancel it: the guard settles how the
        // stream ended (completed, for quota and the log) only when it sees the end.
        try {
          while (!(await reader.read()).done);
        } catch {
          // Already answered in full; a late failure changes nothing for the client.
        }
        controller.close();
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
