/**
 * Hostile upstream behaviours, for the tests that prove the proxy's memory and honesty do
 * not depend on its providers' manners. Huge bodies are generated lazily and written only
 * as fast as the proxy reads them (backpressure), so a "1 GB" answer costs the simulator
 * no memory, and stops the moment the proxy hangs up.
 *
 * Directive fields (see directive.ts), any protocol:
 * - `body_bytes: N`: answer `status` (default 200) with a JSON-looking body of N bytes
 *   whose string never closes before the end (`many_objects: true`: a valid completion
 *   of N bytes made of tiny objects);
 * - `gzip: true`: send that body, or a stream, gzip-encoded (with `body_bytes: 1e9`, a
 *   gzip bomb of about 1 MB on the wire);
 * - `sse_line_bytes: N`: in a stream, after `line_after` frames, one `data:` line of N
 *   bytes and no newline; `sse_event_bytes: N`: short `data:` lines instead, N bytes of
 *   them, without the blank line that would end the event;
 * - `endless_from: i`: after frame i, repeat frame i for ever;
 * - `body` (a raw 200 JSON body) and `frames` (raw SSE frames) instead of the protocol's
 *   own answer;
 * - `{{key}}` anywhere in the directive becomes the credential the request carried (and
 *   `{{key_head}}` its first 12 characters), for an upstream that echoes its key.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createGzip, type Gzip } from "node:zlib";
import type { Directive } from "./directive";

const FILLER = Buffer.alloc(64 * 1024, "a");

/** The key a request authenticated with, however its protocol sends it. */
export function credentialOf(headers: IncomingMessage["headers"], url: URL): string {
  const auth = headers.authorization;
  if (typeof auth === "string" && auth) return auth.replace(/^Bearer\s+/i, "");
  for (const name of ["x-api-key", "x-goog-api-key"]) {
    const value = headers[name];
    if (typeof value === "string" && value) return value;
  }
  return url.searchParams.get("key") ?? "";
}

/** The directive with `{{key}}` replaced by the request's credential, and `{{key_head}}` by its first 12 characters. */
export function withCredential(d: Directive, key: string): Directive {
  const text = JSON.stringify(d);
  if (!text.includes("{{key")) return d;
  const safe = key.replace(/["\\]/g, "");
  return JSON.parse(text.replaceAll("{{key}}", safe).replaceAll("{{key_head}}", safe.slice(0, 12))) as Directive;
}

/** Writes a response body with backpressure, optionally through gzip; says when the client is gone. */
export class BodyWriter {
  private readonly gzip: Gzip | undefined;

  constructor(private readonly res: ServerResponse, gzip: boolean) {
    if (gzip) {
      this.gzip = createGzip({ level: 9 });
      this.gzip.pipe(res);
      res.once("close", () => this.gzip?.destroy());
    }
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Resolves once the chunk may be followed by another (false: the connection closed). */
  async write(chunk: string | Buffer): Promise<boolean> {
    if (this.closed) return false;
    const target = this.gzip ?? this.res;
    if (target.write(chunk)) return !this.closed;
    await new Promise<void>((resolve) => {
      const done = () => {
        target.off("drain", done);
        this.res.off("close", done);
        resolve();
      };
      target.once("drain", done);
      this.res.once("close", done);
    });
    return !this.closed;
  }

  /** `bytes` of filler, written as fast as the reader takes them. */
  async fill(bytes: number): Promise<boolean> {
    for (let sent = 0; sent < bytes; sent += FILLER.length) {
      if (!(await this.write(sent + FILLER.length <= bytes ? FILLER : FILLER.subarray(0, bytes - sent)))) return false;
    }
    return true;
  }

  end(): void {
    if (this.closed) return;
    if (this.gzip) this.gzip.end();
    else this.res.end();
  }
}

/**
 * A 200 (or error) body of `d.body_bytes` bytes, lazily: one long string, or with
 * `many_objects` a valid completion whose `choices` hold as many tiny objects as fit,
 * the costliest JSON to parse per byte.
 */
export async function sendHugeBody(res: ServerResponse, d: Directive): Promise<void> {
  res.writeHead(d.status ?? 200, { "content-type": "application/json", ...(d.gzip ? { "content-encoding": "gzip" } : {}), ...d.headers });
  const writer = new BodyWriter(res, d.gzip === true);
  const total = d.body_bytes ?? 0;
  if (d.many_objects) {
    const item = '{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"},';
    const batch = item.repeat(Math.floor(FILLER.length / item.length));
    let sent = 0;
    let open = await writer.write('{"object":"chat.completion","choices":[');
    for (; open && sent + batch.length < total; sent += batch.length) open = await writer.write(batch);
    if (open) await writer.write(`${item.slice(0, -1)}]}`);
    return writer.end();
  }
  const head = '{"id":"huge","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"';
  const tail = '"},"finish_reason":"stop"}]}';
  if ((await writer.write(head)) && (await writer.fill(Math.max(0, total - head.length - tail.length)))) await writer.write(tail);
  writer.end();
}

/** One SSE line (or event) that never ends, of `d.sse_line_bytes` (or `d.sse_event_bytes`) bytes. */
export async function writeEndlessEvent(writer: BodyWriter, d: Directive): Promise<void> {
  if (d.sse_line_bytes !== undefined) {
    if (await writer.write('data: {"choices":[{"index":0,"delta":{"content":"')) await writer.fill(d.sse_line_bytes);
    return;
  }
  const line = `data: ${"x".repeat(1000)}\n`;
  for (let sent = 0; sent < (d.sse_event_bytes ?? 0); sent += line.length) if (!(await writer.write(line))) return;
}
