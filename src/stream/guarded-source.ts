/**
 * What both phases of the stream guard (stream-guard.ts) share for one stream: its
 * options, the upstream's reader, the framing of its bytes into whole events (as they
 * came, translated, or relayed), the tally of what it said, and its one timer.
 */
import { ProxyError, UpstreamBadResponseError, UpstreamNetworkError, UpstreamTooLargeError } from "../errors";
import { EventFramer } from "./event-framer";
import { ReadWatchdog } from "./read-watchdog";
import { type Taken, takeRelayed } from "./relay-take";
import { MAX_SSE_EVENT_CHARS } from "./sse-parser";
import { StreamTally } from "./stream-tally";
import type { StreamTranslator } from "./translate-stream";

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

/** The state both phases share: the source, its framing and tally, and its one timer. */
export class GuardedSource {
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
