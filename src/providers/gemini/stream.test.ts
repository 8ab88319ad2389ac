import { describe, expect, it } from "vitest";
import { UpstreamBadResponseError, UpstreamError, UpstreamRateLimitError, UpstreamServerError } from "../../errors";
import type { ChatCompletionChunk } from "../../openai/chat-response";
import { translateStream } from "../../stream/translate-stream";
import { sseEventStream } from "../../stream/sse-parser";
import type { ResponseContext } from "../types";
import streamFunctionCall from "../../../test/fixtures/gemini/stream-function-call.sse?raw";
import streamText from "../../../test/fixtures/gemini/stream-text.sse?raw";
import { geminiStreamTransformer } from "./stream";
import { signatureFromId } from "./tool-ids";

const ctx = (includeUsage = false): ResponseContext => ({ provider: "simgemini", id: "chatcmpl-s", created: 1, model: "gemini-x", includeUsage });

function bytes(text: string, chunkSize = text.length): ReadableStream<Uint8Array> {
  const encoded = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < encoded.length; i += chunkSize) controller.enqueue(encoded.slice(i, i + chunkSize));
      controller.close();
    },
  });
}

async function translate(text: string, opts: { includeUsage?: boolean; chunkSize?: number } = {}): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  const stream = bytes(text, opts.chunkSize).pipeThrough(sseEventStream()).pipeThrough(new TransformStream(geminiStreamTransformer(ctx(opts.includeUsage))));
  for await (const chunk of stream) out.push(chunk);
  return out;
}

async function failure(text: string): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of bytes(text).pipeThrough(sseEventStream()).pipeThrough(new TransformStream(geminiStreamTransformer(ctx(true))))) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  throw new Error("expected the stream to error");
}

const frame = (payload: unknown) => `data: ${JSON.stringify(payload)}\r\n\r\n`;
const textEvent = (text: string, extra: Record<string, unknown> = {}) => frame({ candidates: [{ content: { role: "model", parts: [{ text }] }, index: 0, ...extra }] });

describe("geminiStreamTransformer", () => {
  it("streams the text fixture: role first, deltas, a finish chunk, then usage", async () => {
    const chunks = await translate(streamText, { includeUsage: true });
    expect(chunks.map((c) => c.choices[0]?.delta ?? null)).toEqual([
      { role: "assistant", content: "" },
      { content: "The capital" },
      { content: " of France is" },
      { content: " Paris." },
      {},
      null,
    ]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, null, null, "stop", null]);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === "chatcmpl-s" && c.model === "gemini-2.5-flash")).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 8, completion_tokens: 7, total_tokens: 15 } });
  });

  it("gives the same chunks however the bytes are split, and sends usage only when asked", async () => {
    const whole = await translate(streamText);
    expect(whole.some((c) => c.usage)).toBe(false);
    for (const size of [1, 7, 64]) expect(await translate(streamText, { chunkSize: size })).toEqual(whole);
  });

  it("streams each function call whole, with its own index, and finishes with tool_calls", async () => {
    const chunks = await translate(streamFunctionCall, { includeUsage: true });
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls.map(({ index, type, function: fn }) => ({ index, type, fn }))).toEqual([
      { index: 0, type: "function", fn: { name: "get_weather", arguments: '{"location":"Paris, France","unit":"celsius"}' } },
      { index: 1, type: "function", fn: { name: "get_weather", arguments: '{"location":"London, UK","unit":"celsius"}' } },
    ]);
    expect(signatureFromId(calls[0]!.id!)).toBe("CiQB0e2Kb9Qw7m3s1tLxY2bK5nZ8vR0h4Jd6pO2uMzT3fG1iB8c=");
    expect(calls[0]!.id).not.toBe(calls[1]!.id);
    // The closing event's empty text part produces no content delta.
    expect(chunks.filter((c) => c.choices[0]?.delta.content !== undefined).map((c) => c.choices[0]!.delta.content)).toEqual([""]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 96, completion_tokens: 94, total_tokens: 190, completion_tokens_details: { reasoning_tokens: 56 } });
  });

  it("streams thought summaries as reasoning_content and a text part's signature as reasoning_details", async () => {
    const thought = frame({ candidates: [{ content: { role: "model", parts: [{ text: "Pondering.", thought: true }] }, index: 0 }] });
    const answer = frame({ candidates: [{ content: { role: "model", parts: [{ text: "Paris.", thoughtSignature: "c2ln" }] }, index: 0, finishReason: "STOP" }] });
    const chunks = await translate(thought + answer);
    const deltas = chunks.map((c) => c.choices[0]?.delta);
    expect(deltas).toEqual([
      { role: "assistant", content: "" },
      { reasoning_content: "Pondering." },
      { reasoning_details: [{ type: "reasoning.encrypted", data: "c2ln", format: "google-gemini-v1", index: 0 }] },
      { content: "Paris." },
      {},
    ]);
  });

  it("ignores empty, unknown and keep-alive events", async () => {
    const text = `: ping\r\n\r\ndata: \r\n\r\ndata: {}\r\n\r\ndata: {"somethingNew":true}\r\n\r\n${textEvent("hi", { finishReason: "STOP" })}`;
    const chunks = await translate(text);
    expect(chunks.map((c) => c.choices[0]?.delta.content)).toEqual(["", "hi", undefined]);
  });

  it("keeps candidates apart and maps MAX_TOKENS to length", async () => {
    const text =
      frame({ candidates: [{ content: { parts: [{ text: "a" }] }, index: 0 }, { content: { parts: [{ text: "b" }] }, index: 1 }] }) +
      frame({ candidates: [{ index: 0, finishReason: "STOP" }, { content: { parts: [{ text: "c" }] }, index: 1, finishReason: "MAX_TOKENS" }] });
    const chunks = await translate(text);
    const byChoice = (i: number) => chunks.filter((c) => c.choices[0]?.index === i).map((c) => [c.choices[0]!.delta.content, c.choices[0]!.finish_reason]);
    expect(byChoice(0)).toEqual([["", null], ["a", null], [undefined, "stop"]]);
    expect(byChoice(1)).toEqual([["", null], ["b", null], ["c", null], [undefined, "length"]]);
  });

  it("finishes a blocked prompt with content_filter", async () => {
    const chunks = await translate(frame({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 4 } }), { includeUsage: true });
    expect(chunks.map((c) => [c.choices[0]?.delta, c.choices[0]?.finish_reason])).toEqual([
      [{ role: "assistant", content: "" }, null],
      [{}, "content_filter"],
      [undefined, undefined],
    ]);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 });
  });

  it("errors the stream with a typed error when Gemini reports one mid-stream", async () => {
    const { chunks, error } = await failure(
      textEvent("partial") + frame({ error: { code: 429, message: "quota", status: "RESOURCE_EXHAUSTED", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "3s" }] } }),
    );
    expect(chunks.map((c) => c.choices[0]?.delta.content)).toEqual(["", "partial"]);
    expect(error).toBeInstanceOf(UpstreamRateLimitError);
    expect((error as UpstreamRateLimitError).retryAfterMs).toBe(3000);
    const unavailable = await failure(frame({ error: { message: "overloaded", status: "UNAVAILABLE" } }));
    expect(unavailable.error).toBeInstanceOf(UpstreamServerError);
  });

  it.each([
    ["a stream cut before its finish reason", textEvent("partial")],
    ["an empty stream", ""],
    ["an event that is not JSON", "data: {not json\r\n\r\n"],
  ])("errors on %s", async (_, text) => {
    const { error } = await failure(text);
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
  });

  it("delivers what came before a failure, then fails, and never appends [DONE]", async () => {
    const body = translateStream(bytes(textEvent("partial")), geminiStreamTransformer(ctx()), "simgemini");
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const error = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        text += value;
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(text).toContain('"content":"partial"');
    expect(text).not.toContain("[DONE]");
  });
});
