/**
 * One read of a relayed stream (same protocol in and out, providers/relay.ts), for the
 * stream guard: the upstream's whole events go to the client as they came, and each is
 * also read by the protocol's own translator, whose OpenAI events feed the guard's tally
 * (first content, usage, finish, the end) and never reach the wire. Apart from the
 * guard, so that its loop stays one loop for every kind of stream.
 */
import { ProxyError, UpstreamBadResponseError, UpstreamTooLargeError } from "../errors";
import type { EventFramer } from "./event-framer";
import { MAX_SSE_EVENT_CHARS } from "./sse-parser";
import type { StreamTally } from "./stream-tally";
import type { StreamTranslator, Translated } from "./translate-stream";

/** What one read added: bytes for the client (as they came, when whole), or the error that ends it all. */
export interface Taken {
  out: string;
  bytes?: Uint8Array;
  error?: ProxyError;
}

interface RelayState {
  framer: EventFramer;
  tally: StreamTally;
  provider: string;
  classifyErrorEvent(error: unknown): ProxyError;
}

/** The translation of one event, tallied: the error it ends the stream with, if any. */
function observe(s: RelayState, t: Translated): ProxyError | undefined {
  for (const event of t.events) {
    const v = s.tally.see(event);
    if (v.kind === "invalid") return new UpstreamBadResponseError(s.provider, "a stream event that is not JSON");
    if (v.kind === "error") return s.classifyErrorEvent(v.error);
  }
  if (t.error === undefined) return undefined;
  return t.error instanceof ProxyError ? t.error : new UpstreamBadResponseError(s.provider, "its stream could not be read");
}

/** The chunk's whole events, as they came, up to the one that fails (which is not sent); null ends the source. */
export function takeRelayed(s: RelayState, chunk: Uint8Array | null, observer: StreamTranslator): Taken {
  const framed = s.framer.push(chunk);
  if ("tooLarge" in framed) return { out: "", error: new UpstreamTooLargeError(s.provider, "a stream event", MAX_SSE_EVENT_CHARS) };
  let out = "";
  for (const raw of framed.events) {
    const error = observe(s, observer.pushText(raw));
    if (error) return { out, error };
    out += raw;
  }
  const error = chunk ? undefined : observe(s, observer.push(null));
  if (error) return { out, error };
  return framed.exact && chunk && out ? { out, bytes: chunk } : { out };
}
