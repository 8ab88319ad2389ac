import { describe, expect, it } from "vitest";
import type { ChatCompletionChunk } from "../openai/chat-response";
import type { SseEvent } from "./sse-parser";
import { translateStream } from "./translate-stream";

const encoder = new TextEncoder();
const chunk = (content: string): ChatCompletionChunk => ({ id: "x", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] });

/** Echoes each event's data as content; throws on "boom" or at the end when told to. */
const echo = (failAtEnd = false): Transformer<SseEvent, ChatCompletionChunk> => ({
  transform(event, controller) {
    if (event.data === "boom") throw new Error("bad event");
    controller.enqueue(chunk(event.data));
  },
  flush() {
    if (failAtEnd) throw new Error("truncated");
  },
});

function bytes(parts: string[], failAfter = false) {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < parts.length) c.enqueue(encoder.encode(parts[i++]));
      else if (failAfter) c.error(new Error("reset"));
      else c.close();
    },
  });
}

async function collect(s: ReadableStream<Uint8Array>) {
  const reader = s.getReader();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: undefined };
      text += new TextDecoder().decode(value);
    }
  } catch (error) {
    return { text, error };
  }
}

const line = (content: string) => `data: ${JSON.stringify(chunk(content))}\n\n`;

describe("translateStream", () => {
  it("translates whole events, however the bytes are split, and ends with [DONE]", async () => {
    const out = await collect(translateStream(bytes(["data: a\n", "\ndata: b", "\n\n"]), echo(), "p"));
    expect(out).toEqual({ text: line("a") + line("b") + "data: [DONE]\n\n", error: undefined });
  });

  it.each([
    ["a broken connection", bytes(["data: a\n\n"], true), echo()],
    ["a transformer rejecting an event", bytes(["data: a\n\ndata: boom\n\ndata: c\n\n"]), echo()],
    ["a transformer rejecting the end", bytes(["data: a\n\n"]), echo(true)],
  ])("delivers everything before %s, then fails, without [DONE]", async (_, body, transformer) => {
    const out = await collect(translateStream(body, transformer, "p"));
    expect(out.text).toBe(line("a"));
    expect(out.error).toBeInstanceOf(Error);
  });
});
