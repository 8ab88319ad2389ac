/**
 * Writes SSE frames with the faults a directive asks for: delays between chunks, a
 * dropped socket after N frames, frames split across TCP writes, keep-alive comments, and
 * the hostile ones (hostile.ts): gzip, a line or event that never ends, frames for ever.
 * Every write waits for the reader, so an endless stream is only as long as it is read.
 */
import type { ServerResponse } from "node:http";
import { type Directive, sleep } from "./directive";
import { BodyWriter, writeEndlessEvent } from "./hostile";

export function startSse(res: ServerResponse, d: Directive): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...(d.gzip ? { "content-encoding": "gzip" } : {}),
    ...d.headers,
  });
  res.flushHeaders();
}

/** Send frames (each a complete "event/data" block without the trailing blank line). */
export async function writeFrames(res: ServerResponse, frames: readonly string[], d: Directive & { crlf?: boolean }): Promise<void> {
  const eol = d.split_writes || d.crlf ? "\r\n" : "\n";
  const out = new BodyWriter(res, d.gzip === true);
  const hostileAt = d.sse_line_bytes !== undefined || d.sse_event_bytes !== undefined ? (d.line_after ?? 0) : -1;
  if (d.stall_ms) await sleep(d.stall_ms);
  for (let i = 0; i < frames.length; i++) {
    if (out.closed) return;
    if (d.pause_after === i && d.pause_ms) await sleep(d.pause_ms);
    if (out.closed) return;
    if (d.drop_after !== undefined && i >= d.drop_after) {
      res.socket?.destroy();
      return;
    }
    if (i === hostileAt) {
      await writeEndlessEvent(out, d);
      return out.end();
    }
    if (d.keepalive) await out.write(`: keep-alive${eol}${eol}`);
    const text = `${frames[i]!.split("\n").join(eol)}${eol}${eol}`;
    if (d.split_writes) {
      const cut = Math.max(1, Math.floor(text.length / 2));
      await out.write(text.slice(0, cut));
      await sleep(2);
      await out.write(text.slice(cut));
    } else {
      await out.write(text);
    }
    if (d.endless_from === i) while (await out.write(text));
    if (d.chunk_delay_ms) await sleep(d.chunk_delay_ms);
  }
  out.end();
}

export const dataFrame = (payload: unknown) => `data: ${JSON.stringify(payload)}`;
export const eventFrame = (event: string, payload: unknown) => `event: ${event}\ndata: ${JSON.stringify(payload)}`;
