import { describe, expect, it } from "vitest";
import { UpstreamBadResponseError } from "../../errors";
import type { ChatCompletionChunk } from "../../openai/chat-response";
import { sseEventStream } from "../../stream/sse-parser";
import type { ResponseContext } from "../types";
import { gigachatStreamTransformer } from "./stream";

const ctx = (includeUsage = false): ResponseContext => ({ provider: "simgiga", id: "chatcmpl-s", created: 1, model: "GigaChat", includeUsage });
const frame = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
const event = (delta: unknown, extra: Record<string, unknown> = {}) => frame({ choices: [{ delta, index: 0, ...(extra.finish_reason ? { finish_reason: extra.finish_reason } : {}) }], created: 9, model: "GigaChat:1.0.26.20", object: "chat.completion", ...(extra.usage ? { usage: extra.usage } : {}) });
const usage = { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6, precached_prompt_tokens: 0 };

async function translate(text: string, includeUsage = false, chunkSize = text.length): Promise<ChatCompletionChunk[]> {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += chunkSize) c.enqueue(bytes.slice(i, i + chunkSize));
      c.close();
    },
  });
  const out: ChatCompletionChunk[] = [];
  for await (const chunk of body.pipeThrough(sseEventStream()).pipeThrough(new TransformStream(gigachatStreamTransformer(ctx(includeUsage))))) out.push(chunk);
  return out;
}

describe("gigachatStreamTransformer", () => {
  const text = event({ content: "Hel", role: "assistant" }) + event({ content: "lo." }, { finish_reason: "stop", usage }) + "data: [DONE]\n\n";

  it("streams text: role first, deltas, the finish chunk, then usage when asked", async () => {
    const chunks = await translate(text, true);
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([{ role: "assistant", content: "" }, { content: "Hel" }, { content: "lo." }, {}, null]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, null, "stop", null]);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === "chatcmpl-s" && c.model === "GigaChat:1.0.26.20")).toBe(true);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
  });

  it("gives the same chunks however the bytes are split", async () => {
    const whole = await translate(text);
    expect(whole.some((c) => c.usage)).toBe(false);
    for (const size of [1, 9, 40]) expect(await translate(text, false, size)).toEqual(whole);
  });

  it("turns a whole function call delta into one whole tool_call delta and finishes with tool_calls", async () => {
    const call = event({ content: "", role: "assistant", function_call: { name: "get_weather", arguments: { city: "Paris" } } }, { finish_reason: "function_call", usage });
    const chunks = await translate(`${call}data: [DONE]\n\n`);
    expect(chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])).toEqual([
      { index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
    ]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("errors a stream cut before its finish, and one that is not JSON", async () => {
    const error = await translate(event({ content: "Hel", role: "assistant" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(String(error)).toMatch(/before the answer was finished/);
    await expect(translate("data: {oops\n\n")).rejects.toThrow(/not JSON/);
    await expect(translate(event({ content: "Hel", role: "assistant" }, { finish_reason: "error" }))).rejects.toThrow(/finish_reason error/);
  });
});
