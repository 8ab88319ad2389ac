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
 * The state both phases share is guarded-source.ts.
 */
import { errorBody, ProxyError, UpstreamBadResponseError, UpstreamNetworkError, UpstreamTimeoutError } from "../errors";
import type { StreamEnd } from "../routing/answer-outcome";
import { type GuardOptions, GuardedSource } from "./guarded-source";
import { OutboundFrames, offerOutbound } from "./outbound";

export type { GuardOptions };

export interface GuardedStream {
  body: ReadableStream<Uint8Array>;
  done: Promise<StreamEnd>;
}

const HOLD_LIMIT = 64 * 1024;
const encoder = new TextEncoder();
const DONE_TEXT = "data: [DONE]\n\n";

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

/** Phase 2: the client has the answer's start; failures are reported inside the stream. */
function forward(s: GuardedSource, held: string, sourceEnded: boolean): GuardedStream {
  const { opts, tally } = s;
  let settle!: (o: StreamEnd) => void;
  const done = new Promise<StreamEnd>((resolve) => (settle = resolve));
  let ended = false;
  let started = false;
  // Set when an inbound protocol's encoder adopts this loop (outbound.ts).
  let frames: OutboundFrames | undefined;
  const finish = (extra: { cancelled?: boolean; error?: ProxyError; completed?: boolean }) => {
    if (ended) return;
    ended = true;
    s.watchdog.stop();
    settle(tally.outcome(extra));
  };
  /** A failure ends the stream: what the client is told. */
  const failure = (err: unknown): string => {
    const error = err instanceof ProxyError ? err : new UpstreamNetworkError(opts.provider, "the stream failed");
    s.stop(error);
    finish({ completed: false, error });
    return opts.relay ? opts.relay.errorEvent(error) : `data: ${JSON.stringify(errorBody(error))}\n\n`;
  };
  /** The source ended, or said [DONE]: what closes the stream. */
  const ending = (): string => {
    // After [DONE] the upstream may still be open (or still talking): let it go.
    if (tally.sawDone) s.reader.cancel().catch(() => undefined);
    // A finished answer whose upstream forgot [DONE] still ends the way clients expect;
    // one that just stopped is truncated, and says so.
    else if (!tally.sawFinish) return failure(new UpstreamBadResponseError(opts.provider, "the stream ended before the answer was complete"));
    finish({});
    return tally.sawDone || opts.relay ? "" : DONE_TEXT;
  };
  /** Enqueues `text` (as `bytes` when those are exactly it); `last` closes. False when nothing went out and the stream goes on. */
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, text: string, bytes: Uint8Array | undefined, last: boolean): boolean => {
    if (text) controller.enqueue(bytes ?? encoder.encode(text));
    if (last) controller.close();
    return text !== "" || last;
  };
  const deliver = (controller: ReadableStreamDefaultController<Uint8Array>, text: string, bytes: Uint8Array | undefined, last: boolean): boolean | Promise<boolean> => {
    if (!frames) return send(controller, text, bytes, last);
    const out = frames.encode(text, last);
    const beforeLast = frames.takeBeforeLast();
    return beforeLast ? beforeLast().then(() => send(controller, out, undefined, last)) : send(controller, out, undefined, last);
  };
  const idle = () => new UpstreamTimeoutError(opts.provider, opts.idleMs, "chunk");
  const total = () => new UpstreamTimeoutError(opts.provider, opts.totalMs, "complete answer");
  /** A pull that enqueues nothing (a dropped keep-alive, half an event) is not called again for the same read: read on. */
  const onward = (controller: ReadableStreamDefaultController<Uint8Array>, sent: boolean | Promise<boolean>): Promise<void> | void => {
    if (typeof sent !== "boolean") return sent.then((ok) => onward(controller, ok));
    if (!sent) return pump(controller);
  };
  const pump = (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> | void => {
    if (ended) return;
    if (!started) {
      started = true;
      // What was held back goes first, in the client's protocol if an encoder adopted this loop.
      if (held || sourceEnded) {
        const text = held + (sourceEnded ? ending() : "");
        held = "";
        return onward(controller, deliver(controller, text, undefined, sourceEnded));
      }
    }
    const idleAt = Date.now() + opts.idleMs;
    if (idleAt < s.totalDeadline) s.watchdog.arm(idleAt, idle);
    else s.watchdog.arm(s.totalDeadline, total);
    return s.read().then(
      (chunk) => {
        const { out, bytes, error } = s.take(chunk);
        let text = out;
        const last = error !== undefined || chunk === null || tally.sawDone;
        if (error) text += failure(error);
        else if (last) text += ending();
        return onward(controller, deliver(controller, text, text === out ? bytes : undefined, last));
      },
      (err: unknown) => onward(controller, deliver(controller, failure(err), undefined, true)),
    );
  };
  const body = new ReadableStream<Uint8Array>(
    {
      pull: pump,
      cancel(reason) {
        finish({ cancelled: true });
        s.stop(reason);
      },
    },
    { highWaterMark: 0 },
  );
  // A relayed stream is already in the client's protocol; any other can be encoded here.
  if (!opts.relay) {
    offerOutbound(body, (outbound) => {
      if (started) return false;
      frames = new OutboundFrames(outbound);
      return true;
    });
  }
  return { body, done };
}

export async function guardStream(source: ReadableStream<Uint8Array>, opts: GuardOptions): Promise<GuardedStream> {
  const s = new GuardedSource(source, opts);
  const { held, sourceEnded } = await holdUntilContent(s);
  return forward(s, held, sourceEnded);
}
