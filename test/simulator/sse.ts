/**
 * Writes SSE frames with the faults a directive asks for: delays between chunks, a
 * dropped socket after N frames, frames split across TCP writes, keep-alive comments.
 */
import type { ServerResponse } from "node:http";
import { type Directive, sleep } from "./directive";

export function startSse(res: ServerResponse, d: Directive): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...d.headers,
  });
  res.flushHeaders();
}

/** Send frames (each a complete "event/data" block without the trailing blank line). */
export async function writeFrames(res: ServerResponse, frames: readonly string[], d: Directive): Promise<void> {
  const eol = d.split_writes ? "\r\n" : "\n";
  if (d.stall_ms) await sleep(d.stall_ms);
  for (let i = 0; i < frames.length; i++) {
    if (res.destroyed) return;
    if (d.pause_after === i && d.pause_ms) await sleep(d.pause_ms);
    if (res.destroyed) return;
    if (d.drop_after !== undefined && i >= d.drop_after) {
      res.socket?.destroy();
      return;
    }
    if (d.keepalive) res.write(`: keep-alive${eol}${eol}`);
    const text = `${frames[i]!.split("\n").join(eol)}${eol}${eol}`;
    if (d.split_writes) {
      const cut = Math.max(1, Math.floor(text.length / 2));
      res.write(text.slice(0, cut));
      await sleep(2);
      res.write(text.slice(cut));
    } else {
      res.write(text);
    }
    if (d.chunk_delay_ms) await sleep(d.chunk_delay_ms);
  }
  res.end();
}

export const dataFrame = (payload: unknown) => `data: ${JSON.stringify(payload)}`;
export const eventFrame = (event: string, payload: unknown) => `event: ${event}\ndata: ${JSON.stringify(payload)}`;
