/**
 * The stream guard's second phase (stream-guard.ts): the client has the answer's start,
 * so failures are reported inside the stream. One pull-based body reads the upstream only
 * as the client reads, forwards whole events (as the bytes they came in when it can), ends
 * a failure with the protocol's error event, a finished answer with `[DONE]`, and settles
 * `done` with how the stream ended. An inbound encoder can adopt its loop (outbound.ts)
 * until the first read; from then on everything it sends goes through that encoder.
 */
import { errorBody, ProxyError, UpstreamBadResponseError, UpstreamNetworkError, UpstreamTimeoutError } from "../errors";
import type { StreamEnd } from "../routing/answer-outcome";
import type { GuardedSource } from "./guarded-source";
import { type Outbound, OutboundFrames, offerOutbound } from "./outbound";

export interface GuardedStream {
  body: ReadableStream<Uint8Array>;
  done: Promise<StreamEnd>;
}

type Controller = ReadableStreamDefaultController<Uint8Array>;

const encoder = new TextEncoder();
const DONE_TEXT = "data: [DONE]\n\n";

class ForwardPhase {
  readonly done: Promise<StreamEnd>;
  private settle!: (o: StreamEnd) => void;
  private ended = false;
  private started = false;
  /** Set when an inbound protocol's encoder adopts this loop. */
  private frames: OutboundFrames | undefined;
  private readonly idle: () => ProxyError;
  private readonly total: () => ProxyError;

  constructor(
    private readonly s: GuardedSource,
    private held: string,
    private readonly sourceEnded: boolean,
  ) {
    this.done = new Promise<StreamEnd>((resolve) => (this.settle = resolve));
    const { provider, idleMs, totalMs } = s.opts;
    this.idle = () => new UpstreamTimeoutError(provider, idleMs, "chunk");
    this.total = () => new UpstreamTimeoutError(provider, totalMs, "complete answer");
  }

  /** Until the first read, an inbound encoder may take over what is sent; false after it. */
  readonly adopt = (outbound: Outbound): boolean => {
    if (this.started) return false;
    this.frames = new OutboundFrames(outbound);
    return true;
  };

  finish(extra: { cancelled?: boolean; error?: ProxyError; completed?: boolean }): void {
    if (this.ended) return;
    this.ended = true;
    this.s.watchdog.stop();
    this.settle(this.s.tally.outcome(extra));
  }

  /** A failure ends the stream: what the client is told. */
  private failure(err: unknown): string {
    const { opts } = this.s;
    const error = err instanceof ProxyError ? err : new UpstreamNetworkError(opts.provider, "the stream failed");
    this.s.stop(error);
    this.finish({ completed: false, error });
    return opts.relay ? opts.relay.errorEvent(error) : `data: ${JSON.stringify(errorBody(error))}\n\n`;
  }

  /** The source ended, or said [DONE]: what closes the stream. */
  private ending(): string {
    const { tally, opts, reader } = this.s;
    // After [DONE] the upstream may still be open (or still talking): let it go.
    if (tally.sawDone) reader.cancel().catch(() => undefined);
    // A finished answer whose upstream forgot [DONE] still ends the way clients expect;
    // one that just stopped is truncated, and says so.
    else if (!tally.sawFinish) return this.failure(new UpstreamBadResponseError(opts.provider, "the stream ended before the answer was complete"));
    this.finish({});
    return tally.sawDone || opts.relay ? "" : DONE_TEXT;
  }

  /** Enqueues `text` (as `bytes` when those are exactly it); `last` closes. False when nothing went out and the stream goes on. */
  private send(controller: Controller, text: string, bytes: Uint8Array | undefined, last: boolean): boolean {
    if (text) controller.enqueue(bytes ?? encoder.encode(text));
    if (last) controller.close();
    return text !== "" || last;
  }

  /** `send`, in the client's protocol when an encoder adopted this loop, after its hook when it is done. */
  private deliver(controller: Controller, text: string, bytes: Uint8Array | undefined, last: boolean): boolean | Promise<boolean> {
    const { frames } = this;
    if (!frames) return this.send(controller, text, bytes, last);
    const out = frames.encode(text, last);
    const beforeLast = frames.takeBeforeLast();
    return beforeLast ? beforeLast().then(() => this.send(controller, out, undefined, last)) : this.send(controller, out, undefined, last);
  }

  /** A pull that enqueues nothing (a dropped keep-alive, half an event) is not called again for the same read: read on. */
  private onward(controller: Controller, sent: boolean | Promise<boolean>): Promise<void> | void {
    if (typeof sent !== "boolean") return sent.then((ok) => this.onward(controller, ok));
    if (!sent) return this.pull(controller);
  }

  /** What was held back goes first (ending the stream too, if the source already ended). */
  private sendHeld(controller: Controller): Promise<void> | void {
    const text = this.held + (this.sourceEnded ? this.ending() : "");
    this.held = "";
    return this.onward(controller, this.deliver(controller, text, undefined, this.sourceEnded));
  }

  /** The next chunk's whole events, and the stream's end with them when it ends. */
  private readNext(controller: Controller): Promise<void> {
    const { s } = this;
    const idleAt = Date.now() + s.opts.idleMs;
    if (idleAt < s.totalDeadline) s.watchdog.arm(idleAt, this.idle);
    else s.watchdog.arm(s.totalDeadline, this.total);
    return s.read().then(
      (chunk) => {
        const { out, bytes, error } = s.take(chunk);
        const last = error !== undefined || chunk === null || s.tally.sawDone;
        const text = out + (error ? this.failure(error) : last ? this.ending() : "");
        return this.onward(controller, this.deliver(controller, text, text === out ? bytes : undefined, last));
      },
      (err: unknown) => this.onward(controller, this.deliver(controller, this.failure(err), undefined, true)),
    );
  }

  readonly pull = (controller: Controller): Promise<void> | void => {
    if (this.ended) return;
    if (!this.started) {
      this.started = true;
      if (this.held || this.sourceEnded) return this.sendHeld(controller);
    }
    return this.readNext(controller);
  };

  readonly cancel = (reason: unknown): void => {
    this.finish({ cancelled: true });
    this.s.stop(reason);
  };
}

/** Phase 2 over a source whose first content has arrived; `held` is what came before it. */
export function forward(s: GuardedSource, held: string, sourceEnded: boolean): GuardedStream {
  const phase = new ForwardPhase(s, held, sourceEnded);
  const body = new ReadableStream<Uint8Array>({ pull: phase.pull, cancel: phase.cancel }, { highWaterMark: 0 });
  // A relayed stream is already in the client's protocol; any other can be encoded here.
  if (!s.opts.relay) offerOutbound(body, phase.adopt);
  return { body, done: phase.done };
}
