/**
 * An inbound protocol's stream encoder (Messages, Responses) run inside the stream
 * guard's own loop instead of as a stream of its own. Every stream between the upstream
 * and the client costs the runtime a pump per chunk, plus a decode and an encode of every
 * byte; on a long answer that is most of what a second protocol adds. The guard offers
 * its body when it commits to a stream; an encoder that is handed that body before anyone
 * has read from it adopts the guard's loop. Anything else (a body the cache wraps to
 * record it, a replayed entry) is not offered, and is encoded as a stream of its own, with
 * the same result.
 */
import { type SseEvent, SseParser } from "./sse-parser";

/** What the guard needs of an encoder: the frames each internal event becomes, and those ending it. */
export interface OutboundEncoder {
  event(data: string): string;
  /** The source ended: frames an unfinished answer still owes the client (its failure), or "". */
  end(): string;
  readonly done: boolean;
}

export interface Outbound {
  encoder: OutboundEncoder;
  /** Runs once the encoder is done, before its last frames are sent (a store that must precede them). */
  beforeLast?: () => Promise<void>;
}

/** Whole internal SSE text in, the client protocol's frames out. */
export class OutboundFrames {
  private readonly parser = new SseParser();
  private out = "";
  private hookRan = false;
  private readonly onEvent = (e: SseEvent) => {
    this.out += this.outbound.encoder.event(e.data);
  };

  constructor(private readonly outbound: Outbound) {}

  /** The frames `text` becomes; `last` ends the stream. */
  encode(text: string, last: boolean): string {
    if (text) this.parser.push(text, this.onEvent);
    if (last) {
      this.parser.end(this.onEvent);
      this.out += this.outbound.encoder.end();
    }
    const out = this.out;
    this.out = "";
    return out;
  }

  /** The hook to await before sending what `encode` just returned, once, when the encoder is done. */
  takeBeforeLast(): (() => Promise<void>) | undefined {
    if (this.hookRan || !this.outbound.encoder.done) return undefined;
    this.hookRan = true;
    return this.outbound.beforeLast;
  }
}

type Adopt = (outbound: Outbound) => boolean;
const offered = new WeakMap<ReadableStream<Uint8Array>, Adopt>();

/** A guard's body whose loop can encode for the client, until its first read. */
export function offerOutbound(body: ReadableStream<Uint8Array>, adopt: Adopt): void {
  offered.set(body, adopt);
}

/** True when `body` now encodes with `outbound` itself, so it can be sent as it is. */
export function adoptOutbound(body: ReadableStream<Uint8Array>, outbound: Outbound): boolean {
  const adopt = offered.get(body);
  if (!adopt) return false;
  offered.delete(body);
  return adopt(outbound);
}
