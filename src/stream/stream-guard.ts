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
 */
import { errorBody, ProxyError, UpstreamBadResponseError, UpstreamNetworkError, UpstreamTimeoutError, UpstreamTooLargeError } from "../errors";
import type { StreamEnd } from "../routing/answer-outcome";
import { EventFramer } from "./event-framer";
import { ReadWatchdog } from "./read-watchdog";
import { MAX_SSE_EVENT_CHARS } from "./sse-parser";
import { StreamTally } from "./stream-tally";
import { type Taken, takeRelayed } from "./relay-take";
import type { StreamTranslator } from "./translate-stream";

export interface GuardedStream {
  body: ReadableStream<Uint8Array>;
  done: Promise<StreamEnd>;
}

export interface GuardOptions {
  provider: string;
  /** When the upstream request started: the first-token and total deadlines count from it. */
  startedAt: number;
  ttftMs: number;
  idleMs: number;
  totalMs: number;
  /** The request's deadline: the wait for the first content ends there too, with its error. */
  deadline?: { at: number; error: () => ProxyError };
  promptTokens: number;
  /** Turns an `error` object found inside the stream into a typed error. */
  classifyErrorEvent(error: unknown): ProxyError;
  /** Aborts the upstream request, closing its connection. */
  abortUpstream(reason: unknown): void;
  /** Turns another protocol's events into OpenAI's, in this loop (translate-stream.ts); absent for OpenAI upstreams. */
  translator?: StreamTranslator;
  /** Forwards the upstream's events as they came, observed through `observer`; `errorEvent` ends a failed stream. */
  relay?: { observer: StreamTranslator; errorEvent(error: ProxyError): string };
}

const HOLD_LIMIT = 64 * 1024;
const encoder = new TextEncoder();
const DONE = encoder.encode("data: [DONE]\n\n");

/** The state both phases share: the source, its framing and tally, and its one timer. */
class GuardedSource {
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly framer = new EventFramer();
  readonly tally: StreamTally;
  readonly watchdog: ReadWatchdog;
  readonly totalDeadline: number;

  constructor(
    source: ReadableStream<Uint8Array>,
    readonly opts: GuardOptions,
  ) {
    this.reader = source.getReader();
    this.tally = new StreamTally(opts.promptTokens);
    this.totalDeadline = opts.startedAt + opts.totalMs;
    this.watchdog = new ReadWatchdog((error) => this.stop(error));
  }

  stop(reason: unknown): void {
    this.watchdog.stop();
    this.opts.abortUpstream(reason);
    this.reader.cancel(reason).catch(() => undefined);
  }

  /**
   * One chunk (null at the end), or the typed error of a deadline that passed or a
   * connection that broke. The caller arms the watchdog for this read; it is disarmed as
   * soon as the read returns. A plain promise chain, not an async function: this runs once
   * per chunk, and each async layer would add a promise and a tick to every one.
   */
  read(): Promise<Uint8Array | null> {
    return this.reader.read().then(this.onRead, this.onReadError);
  }

  private readonly onRead = (r: ReadableStreamReadResult<Uint8Array>): Uint8Array | null => {
    this.watchdog.disarm();
    if (this.watchdog.expired) throw this.watchdog.expired;
    return r.done ? null : r.value;
  };

  private readonly onReadError = (err: unknown): never => {
    this.watchdog.disarm();
    throw this.watchdog.expired ?? (err instanceof ProxyError ? err : new UpstreamNetworkError(this.opts.provider, "the connection broke during the stream"));
  };

  /** Whole events from new bytes: what to forward, or the error that ends it all. Nothing after [DONE]. */
  take(chunk: Uint8Array | null): Taken {
    if (this.tally.sawDone) return { out: "" };
    if (this.opts.relay) return takeRelayed({ framer: this.framer, tally: this.tally, provider: this.opts.provider, classifyErrorEvent: this.opts.classifyErrorEvent }, chunk, this.opts.relay.observer);
    const framed = this.frame(chunk);
    if ("tooLarge" in framed) return { out: "", error: new UpstreamTooLargeError(this.opts.provider, "a stream event", MAX_SSE_EVENT_CHARS) };
    let out = "";
    let exact = framed.exact;
    for (const raw of framed.events) {
      const v = this.tally.see(raw);
      if (v.kind === "forward") out += raw;
      else if (v.kind === "drop") exact = false;
      else if (v.kind === "done") return { out: out + raw, ...(exact && raw === framed.events.at(-1) && chunk ? { bytes: chunk } : {}) };
      else if (v.kind === "invalid") return { out, error: new UpstreamBadResponseError(this.opts.provider, "a stream event that is not JSON") };
      else return { out, error: this.opts.classifyErrorEvent(v.error) };
    }
    if (framed.error !== undefined) return { out, error: framed.error instanceof ProxyError ? framed.error : new UpstreamBadResponseError(this.opts.provider, "its stream could not be translated") };
    return exact && chunk && out ? { out, bytes: chunk } : { out };
  }

  /** The chunk's whole OpenAI events: as they came, or translated from the upstream's protocol. */
  private frame(chunk: Uint8Array | null): { events: string[]; exact: boolean; error?: unknown } | { tooLarge: true } {
    if (!this.opts.translator) return this.framer.push(chunk);
    const t = this.opts.translator.push(chunk);
    return { events: t.events, exact: false, ...(t.error !== undefined ? { error: t.error } : {}) };
  }
}

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
  const finish = (extra: { cancelled?: boolean; error?: ProxyError; completed?: boolean }) => {
    if (ended) return;
    ended = true;
    s.watchdog.stop();
    settle(tally.outcome(extra));
  };
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, err: unknown) => {
    const error = err instanceof ProxyError ? err : new UpstreamNetworkError(opts.provider, "the stream failed");
    s.stop(error);
    controller.enqueue(encoder.encode(opts.relay ? opts.relay.errorEvent(error) : `data: ${JSON.stringify(errorBody(error))}\n\n`));
    finish({ completed: false, error });
    controller.close();
  };
  const end = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    // After [DONE] the upstream may still be open (or still talking): let it go.
    if (tally.sawDone) s.reader.cancel().catch(() => undefined);
    else {
      // A finished answer whose upstream forgot [DONE] still ends the way clients expect;
      // one that just stopped is truncated, and says so.
      if (!tally.sawFinish) return fail(controller, new UpstreamBadResponseError(opts.provider, "the stream ended before the answer was complete"));
      if (!opts.relay) controller.enqueue(DONE);
    }
    finish({});
    controller.close();
  };
  const idle = () => new UpstreamTimeoutError(opts.provider, opts.idleMs, "chunk");
  const total = () => new UpstreamTimeoutError(opts.provider, opts.totalMs, "complete answer");
  /** Reads until something can be enqueued: a pull that enqueues nothing (a dropped keep-alive, half an event) is not called again for the same read. */
  const pump = (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> | void => {
    if (ended) return;
    const idleAt = Date.now() + opts.idleMs;
    if (idleAt < s.totalDeadline) s.watchdog.arm(idleAt, idle);
    else s.watchdog.arm(s.totalDeadline, total);
    return s.read().then(
      (chunk) => {
        const { out, bytes, error } = s.take(chunk);
        if (out) controller.enqueue(bytes ?? encoder.encode(out));
        if (error) return fail(controller, error);
        if (chunk === null || tally.sawDone) return end(controller);
        if (!out) return pump(controller);
      },
      (err: unknown) => fail(controller, err),
    );
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (held) controller.enqueue(encoder.encode(held));
        held = "";
        if (sourceEnded) end(controller);
      },
      pull: pump,
      cancel(reason) {
        finish({ cancelled: true });
        s.stop(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, done };
}

export async function guardStream(source: ReadableStream<Uint8Array>, opts: GuardOptions): Promise<GuardedStream> {
  const s = new GuardedSource(source, opts);
  const { held, sourceEnded } = await holdUntilContent(s);
  return forward(s, held, sourceEnded);
}
