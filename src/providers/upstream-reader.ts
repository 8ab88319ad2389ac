/**
 * The one way the proxy talks to an upstream, for chat, images and health probes alike:
 * fetch under one abort controller and one timer, with the client's abort and the
 * request's deadline wired in, and every body read bounded. A Worker isolate has 128 MB
 * for all its requests, so nothing an upstream sends is read whole on trust:
 * - an answer body is read up to `maxBytes` (MAX_UPSTREAM_BODY_BYTES), counted in
 *   decompressed bytes, since fetch inflates gzip as it is read: a 1 MB gzip bomb stops at
 *   the cap like a 1 GB body does;
 * - an error body is read up to MAX_ERROR_BODY_BYTES and the rest is never fetched;
 * - stream events are capped by the SSE readers (stream/sse-parser.ts, stream-guard.ts).
 * Past a cap the connection is closed and the attempt fails with UpstreamTooLargeError,
 * which routing retries or falls back from like any upstream failure.
 */
import { DeadlineExceededError, type ProxyError, UpstreamNetworkError, UpstreamTimeoutError, UpstreamTooLargeError } from "../errors";
import type { UpstreamHttpRequest } from "./types";
import { classifyUpstreamError } from "./upstream-errors";

/** Error bodies only feed a message and a retry hint: a few KiB is plenty. */
export const MAX_ERROR_BODY_BYTES = 32 * 1024;
/** Bodies up to this size are read as a list of chunks; larger ones grow one buffer in place. */
const GROW_IN_PLACE_BYTES = 1024 * 1024;

export interface ExchangeOptions {
  provider: string;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
  /** The request's deadline (epoch ms): no timer of this exchange outlives it. */
  deadline?: number;
  /** Its length, for the message when it is what ran out. */
  deadlineMs?: number;
}

/** One upstream request in flight: its abort controller, its one timer, and how its failures read. */
export class UpstreamExchange {
  readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onClientAbort = () => this.controller.abort(this.opts.signal?.reason);

  constructor(private readonly opts: ExchangeOptions) {
    opts.signal?.addEventListener("abort", this.onClientAbort, { once: true });
    if (opts.signal?.aborted) this.onClientAbort();
  }

  get provider(): string {
    return this.opts.provider;
  }

  /** The error for a wait that ends at `until`: the request's deadline, if it comes first. */
  expiry(until: number, timeout: () => ProxyError): { at: number; error: () => ProxyError } {
    const { deadline } = this.opts;
    if (deadline !== undefined && deadline < until) return { at: deadline, error: () => new DeadlineExceededError(this.opts.deadlineMs ?? 0) };
    return { at: until, error: timeout };
  }

  /** (Re)starts the timer: the exchange is aborted after `ms`, or at the deadline if sooner. */
  arm(ms: number, timeout: () => ProxyError): void {
    this.disarm();
    const { at, error } = this.expiry(Date.now() + ms, timeout);
    this.timer = setTimeout(() => this.controller.abort(error()), Math.max(0, at - Date.now()));
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  abort(reason: unknown): void {
    this.controller.abort(reason);
  }

  /** Stops the timer and stops listening to the client; an abort() still closes the connection. */
  release(): void {
    this.disarm();
    this.opts.signal?.removeEventListener("abort", this.onClientAbort);
  }

  /** The typed error for a fetch or read that threw: our own abort reason, or a network failure. */
  failure(err: unknown, detail?: string): unknown {
    const reason: unknown = this.controller.signal.reason;
    if (this.controller.signal.aborted) return reason ?? err;
    return new UpstreamNetworkError(this.provider, detail);
  }
}

/**
 * Sends the request; resolves with a 2xx response whose body is still unread. A non-2xx
 * answer is thrown as its typed UpstreamError, classified from a bounded read of its body.
 */
export async function openUpstream(ex: UpstreamExchange, spec: UpstreamHttpRequest, extraHeaders?: Record<string, string>): Promise<Response> {
  let res: Response;
  try {
    const headers = extraHeaders ? { ...spec.headers, ...extraHeaders } : spec.headers;
    res = await fetch(spec.url, { method: "POST", headers, body: spec.body, signal: ex.controller.signal });
  } catch (err) {
    throw ex.failure(err);
  }
  if (res.ok) return res;
  const text = new TextDecoder().decode(await readAtMost(ex, res, MAX_ERROR_BODY_BYTES));
  throw classifyUpstreamError(ex.provider, res.status, res.headers, text);
}

/** Reads up to `max` bytes of an error body and drops the rest; a broken read keeps what arrived. */
async function readAtMost(ex: UpstreamExchange, res: Response, max: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const r = await reader.read();
      if (r.done) return concat(parts, size);
      const room = max - size;
      const piece = r.value.byteLength > room ? r.value.subarray(0, room) : r.value;
      parts.push(piece);
      size += piece.byteLength;
    }
  } catch {
    return concat(parts, size);
  }
  // More is coming that nobody will read: close the connection rather than drain it.
  reader.cancel().catch(() => undefined);
  ex.abort(new UpstreamNetworkError(ex.provider, "its error body was cut short"));
  return concat(parts, size);
}

/**
 * A 2xx body, whole, or UpstreamTooLargeError once it passes `max` bytes (decompressed).
 * A broken connection or a timer firing mid-body surfaces as its typed error.
 */
function declaredWithin(res: Response, max: number): boolean {
  const length = res.headers.get("content-length");
  const encoding = res.headers.get("content-encoding");
  return length !== null && (encoding === null || encoding === "identity") && Number(length) <= max;
}

export async function readBody(ex: UpstreamExchange, res: Response, max: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array();
  const tooLarge = () => new UpstreamTooLargeError(ex.provider, "a response body", max);
  // A declared length past the cap (compressed or not) needs no reading to refuse.
  if (Number(res.headers.get("content-length") ?? 0) > max) {
    const error = tooLarge();
    ex.abort(error);
    throw error;
  }
  // A declared, uncompressed length within the cap bounds the body by its framing: one
  // native read, with no JavaScript per chunk. Compressed or undeclared bodies are counted
  // as they inflate, below.
  if (declaredWithin(res, max)) {
    try {
      return new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      throw ex.failure(err, "the connection closed before the response was complete");
    }
  }
  const reader = res.body.getReader();
  // Small bodies (nearly all) as a list of chunks, joined once at the end. Past
  // GROW_IN_PLACE_BYTES, one growable buffer, so a large body is held once, not twice; it
  // is not the default because reserving its maximum costs every request a mapping.
  let parts: Uint8Array[] = [];
  let size = 0;
  let buffer: ArrayBuffer | undefined;
  for (;;) {
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader.read();
    } catch (err) {
      throw ex.failure(err, "the connection closed before the response was complete");
    }
    if (r.done) return buffer ? new Uint8Array(buffer.transferToFixedLength()) : concat(parts, size);
    if (size + r.value.byteLength > max) {
      const error = tooLarge();
      reader.cancel(error).catch(() => undefined);
      ex.abort(error);
      throw error;
    }
    if (!buffer && size + r.value.byteLength <= GROW_IN_PLACE_BYTES) {
      parts.push(r.value);
      size += r.value.byteLength;
      continue;
    }
    if (!buffer) {
      buffer = new ArrayBuffer(size, { maxByteLength: max });
      new Uint8Array(buffer).set(concat(parts, size));
      parts = [];
    }
    buffer.resize(size + r.value.byteLength);
    new Uint8Array(buffer, size).set(r.value);
    size += r.value.byteLength;
  }
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The timeout error for a phase of a call, for use with `arm`. */
export const timeoutOf = (provider: string, ms: number, phase: string) => () => new UpstreamTimeoutError(provider, ms, phase);
