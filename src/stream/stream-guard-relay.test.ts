/**
 * The stream guard relaying a protocol's own events (same protocol in and out): what the
 * client gets is the upstream's bytes, whatever the chunking; the translation only
 * decides when content began, what the usage was, and how the stream ended.
 */
import { describe, expect, it } from "vitest";
import { ProxyError, UpstreamServerError } from "../errors";
import { streamTransformer } from "../providers/anthropic/stream";
import { classifyErrorObject } from "../providers/upstream-errors";
import { guardStream, type GuardOptions } from "./stream-guard";
import { StreamTranslator } from "./translate-stream";

const encoder = new TextEncoder();
const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const start = frame("message_start", { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude-x", content: [], usage: { input_tokens: 7, output_tokens: 1, service_tier: "standard" } } });
const blockStart = frame("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
const ping = frame("ping", { type: "ping" });
const delta = (text: string) => frame("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } });
const blockStop = frame("content_block_stop", { type: "content_block_stop", index: 0 });
const messageDelta = frame("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } });
const stop = frame("message_stop", { type: "message_stop" });
const overloaded = frame("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } });

function source(chunks: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      const chunk = chunks[i++];
      if (chunk === undefined) c.close();
      else c.enqueue(encoder.encode(chunk));
    },
  });
}

function options(): GuardOptions {
  const ctx = { provider: "p", id: "chatcmpl-1", created: 1, model: "claude-x", includeUsage: true };
  return {
    provider: "p",
    startedAt: Date.now(),
    ttftMs: 1000,
    idleMs: 1000,
    totalMs: 10_000,
    promptTokens: 5,
    classifyErrorEvent: (error) => classifyErrorObject("p", error, "event inside its stream"),
    abortUpstream: () => undefined,
    relay: { observer: new StreamTranslator(streamTransformer(ctx), "p"), errorEvent: (e: ProxyError) => `event: error\ndata: ${JSON.stringify({ type: "error", message: e.message })}\n\n` },
  };
}

const readAll = async (s: ReadableStream<Uint8Array>) => new TextDecoder().decode(await new Response(s).arrayBuffer());
const whole = [start, blockStart, ping, delta("one"), delta(" two"), delta(" three"), blockStop, messageDelta, stop];

describe("guardStream relaying the upstream's own events", () => {
  it("forwards them as they came, with no [DONE], and counts the usage they report", async () => {
    const g = await guardStream(source(whole), options());
    expect(await readAll(g.body)).toBe(whole.join(""));
    expect(await g.done).toMatchObject({ completed: true, estimated: false, usage: { prompt_tokens: 7, completion_tokens: 3 } });
  });

  it("forwards whole events whatever the chunking", async () => {
    const text = whole.join("");
    const chunks = Array.from({ length: Math.ceil(text.length / 37) }, (_, i) => text.slice(i * 37, i * 37 + 37));
    const g = await guardStream(source(chunks), options());
    expect(await readAll(g.body)).toBe(text);
    expect(await g.done).toMatchObject({ completed: true, usage: { completion_tokens: 3 } });
  });

  it("throws an error event that comes before content, so the attempt can fall back", async () => {
    const err = await guardStream(source([start, blockStart, ping, overloaded]), options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamServerError);
  });

  it("ends with the protocol's error event after content: the upstream's error, or a stream cut short", async () => {
    for (const tail of [[overloaded], []]) {
      const g = await guardStream(source([start, blockStart, delta("one"), ...tail]), options());
      const text = await readAll(g.body);
      expect(text.startsWith(start + blockStart + delta("one") + "event: error\ndata: ")).toBe(true);
      expect(text).not.toContain("overloaded_error");
      expect(await g.done).toMatchObject({ completed: false });
    }
  });
});
