/**
 * Every streamed answer passes through here, whatever protocol produced it, and this is
 * what makes streaming honest:
 * - Hold phase: before the first content-bearing event (text, tool call, refusal,
 *   reasoning, a finish), role-only and empty chunks are held back (up to 64 KiB). A
 *   failure in that window (broken connection, first-token timeout, the request's
 *   deadline, an error event inside the 200, an event that is not JSON, a stream that
 *   ends empty or with nothing but `[DONE]`) is thrown as a typed error, so the caller can
 *   retry or fall back and the client never sees a duplicated role chunk or text.
 * - Forward phase: events are forwarded untouched and only whole (event-framer.ts). A
 *   failure ends the stream with an OpenAI error event, `data: {"error":...}`, and no
 *   `[DONE]`, so SDKs raise instead of returning truncated text as a success. Idle and
 *   total timeouts apply (one timer for all reads: read-watchdog.ts). Comment and
 *   keep-alive events are dropped. Nothing after `[DONE]` is forwarded: the upstream is
 *   let go there.
 * - Relayed streams (same protocol in and out, providers/relay.ts; relay-take.ts): the
 *   upstream's own events are forwarded, whole and untouched, and only observed through
 *   the protocol's translator, whose OpenAI events feed the same tally: the hold, the deadlines and the
 *   accounting are the same; a failure after content ends with the protocol's own error
 *   event, and no `[DONE]` is added.
 * - Accounting (stream-tally.ts): usage is read from the stream (estimated when there is
 *   none), and `done` settles with how the stream ended. Reads are pulled as the client
 *   reads; a client that leaves cancels the upstream when the runtime cancels the stream.
 * - Client protocols (outbound.ts): an inbound encoder handed this body before its first
 *   read runs in this loop, so a Messages or Responses stream is not a second stream.
 * The forward phase is forward-phase.ts; the state both phases share, guarded-source.ts.
 */
import { type ProxyError, UpstreamBadResponseError, UpstreamTimeoutError } from "../errors";
import { forward, type GuardedStream } from "./forward-phase";
import { type GuardOptions, GuardedSource } from "./guarded-source";

export type { GuardedStream, GuardOptions };

const HOLD_LIMIT = 64 * 1024;

/** Phase 1: reads until the first content; what came before it is returned to be sent first. */
async function holdUntilContent(s: GuardedSource): Promise<{ held: string; sourceEnded: boolean }> {
  const { opts, tally } = s;
  let at = Math.min(opts.startedAt + opts.ttftMs, s.totalDeadline);
  let timeout: () => ProxyError = () => new UpstreamTimeoutError(opts.provider, opts.ttftMs, "first token");
  if (opts.deadline && opts.deadline.at < at) ({ at, error: timeout } = opts.deadline);
  let held = "";
  try {
    while (!tally.sawContent && held.length <= HOLD_LIMIT) {
      s.watchdog.arm(at, timeout);
      const chunk = await s.read();
      const { out, error } = s.take(chunk);
      if (error) throw error;
      held += out;
      if (chunk === null || tally.sawDone) {
        // Ended, by the source or by [DONE]: read no further.
        if (!tally.sawContent) throw new UpstreamBadResponseError(opts.provider, "the stream ended before any content");
        return { held, sourceEnded: true };
      }
    }
  } catch (err) {
    s.stop(err);
    throw err;
  }
  return { held, sourceEnded: false };
}

export async function guardStream(source: ReadableStream<Uint8Array>, opts: GuardOptions): Promise<GuardedStream> {
  const s = new GuardedSource(source, opts);
  const { held, sourceEnded } = await holdUntilContent(s);
  return forward(s, held, sourceEnded);
}
