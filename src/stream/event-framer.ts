/**
 * Cuts a stream's bytes into whole SSE events, so they can be inspected and forwarded
 * whole (a failure never leaves half an event on the wire). The unterminated end is kept
 * in pieces, not re-joined at every chunk, and capped (MAX_SSE_EVENT_CHARS), so an
 * upstream cannot grow it until the isolate runs out of memory. `exact` says a chunk was
 * nothing but whole events, so its bytes can be forwarded as they came, without encoding
 * the text again: the common case, one or more events per network read.
 */
import { splitEvents } from "./sse-events";
import { MAX_SSE_EVENT_CHARS } from "./sse-parser";

const ENDS_EVENT = /\r\n\r\n|\n\n|\r\r/;
const LF = 10;
const CR = 13;

/** The chunk's last bytes end an event, so no character or event continues into the next one. */
function endsClean(chunk: Uint8Array): boolean {
  const n = chunk.length;
  return n >= 2 && ((chunk[n - 1] === LF && chunk[n - 2] === LF) || (chunk[n - 1] === CR && chunk[n - 2] === CR) || (chunk[n - 1] === LF && chunk[n - 2] === CR && chunk[n - 3] === LF));
}

export type Framed = { events: string[]; exact: boolean } | { tooLarge: true };

export class EventFramer {
  private readonly decoder = new TextDecoder();
  private rest: string[] = [];
  private restLength = 0;
  private restTail = "";
  private clean = true;

  /** Whole events completed by `chunk`; null ends the source, and what is left counts as a last event. */
  push(chunk: Uint8Array | null): Framed {
    const wasClean = this.clean;
    const text = chunk ? this.decoder.decode(chunk, { stream: true }) : this.decoder.decode();
    this.clean = chunk !== null && endsClean(chunk);
    // No event can end in this chunk: hold it without rescanning what is held.
    if (chunk && !ENDS_EVENT.test(text) && !ENDS_EVENT.test(this.restTail + text.slice(0, 3))) {
      this.rest.push(text);
      this.restLength += text.length;
      this.restTail = text.length >= 3 ? text.slice(-3) : (this.restTail + text).slice(-3);
      return this.restLength > MAX_SSE_EVENT_CHARS ? { tooLarge: true } : { events: [], exact: false };
    }
    const split = splitEvents(this.rest.length ? this.rest.join("") + text : text);
    const rest = chunk ? split.rest : "";
    this.rest = rest ? [rest] : [];
    this.restLength = rest.length;
    this.restTail = rest.slice(-3);
    if (!chunk && split.rest.trim()) split.events.push(`${split.rest}\n\n`);
    if (this.restLength > MAX_SSE_EVENT_CHARS) return { tooLarge: true };
    return { events: split.events, exact: wasClean && this.clean };
  }
}
