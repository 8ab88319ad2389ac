/**
 * Runs an inbound protocol's stream encoder over the internal SSE stream (OpenAI chunks,
 * as the stream guard passes them on). Every protocol shares it, so each has the same
 * properties: pull-based like the guard beneath it (the upstream is read only as the
 * client reads, and a client that leaves cancels the upstream at once), and everything
 * encoded before a failure reaches the client before the failure's own event. A guard's
 * own body, still unread, runs the encoder in its loop instead (stream/outbound.ts): the
 * same frames, without a second stream.
 */
import { adoptOutbound } from "../stream/outbound";
import { SseParser } from "../stream/sse-parser";
import type { ReasoningDetail, Usage } from "../openai/chat-response";

export interface ToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/** An internal stream's chunk as encoders read it: loosely, since a provider's extras may ride along. */
export interface InternalChunk {
  id?: string;
  model?: string;
  error?: unknown;
  usage?: Usage | null;
  choices?: Array<{
    index?: number;
    finish_reason?: string | null;
    stop_reason?: unknown;
    delta?: {
      content?: string | null;
      refusal?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      reasoning_details?: ReasoningDetail[];
      tool_calls?: ToolCallDelta[];
    };
  }>;
}


/** One stream's encoder: it turns each internal event into the protocol's frames. */
export interface StreamEncoder {
  /** One SSE event's data; returns the frames it becomes. */
  event(data: string): string;
  /** The source ended: an answer without its end marker is not passed off as complete. */
  end(): string;
  fail(error: unknown): string;
  readonly done: boolean;
}

/** Said when the internal stream breaks or stops short, which the stream guard otherwise reports itself. */
export const STREAM_FAILED = "The stream ended before the answer was complete.";
const encoder = new TextEncoder();

/** `beforeLast` runs once the encoder is done, before its last frames are sent (a store that must precede them). */
export function encodeStream(source: ReadableStream<Uint8Array>, frames: StreamEncoder, beforeLast?: () => Promise<void>): ReadableStream<Uint8Array> {
  if (adoptOutbound(source, beforeLast ? { encoder: frames, beforeLast } : { encoder: frames })) return source;
  const reader = source.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let out = "";
  const onEvent = (e: { data: string }) => {
    out += frames.event(e.data);
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
            out += frames.fail({ type: "upstream_error", message: STREAM_FAILED });
            break;
          }
          if (r.done) {
            parser.push(decoder.decode(), onEvent);
            parser.end(onEvent);
            out += frames.end();
            break;
          }
          parser.push(decoder.decode(r.value, { stream: true }), onEvent);
        }
        if (frames.done && beforeLast) await beforeLast();
        if (out) controller.enqueue(encoder.encode(out));
        out = "";
        if (!frames.done) return;
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
