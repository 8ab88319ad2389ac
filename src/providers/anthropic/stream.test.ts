/** Anthropic event streams -> OpenAI chunks, fed from the golden .sse fixtures through the real SSE parser. */
import { describe, expect, it } from "vitest";
import streamError from "../../../test/fixtures/anthropic/stream-error.sse?raw";
import streamText from "../../../test/fixtures/anthropic/stream-text.sse?raw";
import streamToolUse from "../../../test/fixtures/anthropic/stream-tool-use.sse?raw";
import { UpstreamBadResponseError, UpstreamInvalidRequestError, UpstreamRateLimitError, UpstreamServerError } from "../../errors";
import type { ChatCompletionChunk } from "../../openai/chat-response";
import { sseEventStream } from "../../stream/sse-parser";
import type { ResponseContext } from "../types";
import { streamTransformer } from "./stream";

const ctx = (includeUsage = false): ResponseContext => ({ provider: "simanthropic", id: "chatcmpl-s", created: 1_700_000_000, model: "claude-haiku-4-5", includeUsage });

interface Outcome {
  chunks: ChatCompletionChunk[];
  error: unknown;
}

async function run(sse: string, context = ctx()): Promise<Outcome> {
  const chunks: ChatCompletionChunk[] = [];
  const body = new Response(sse).body!.pipeThrough(sseEventStream()).pipeThrough(new TransformStream(streamTransformer(context)));
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { chunks, error: undefined };
      chunks.push(value);
    }
  } catch (error) {
    return { chunks, error };
  }
}

const text = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
/** The fixture up to (not including) its message_delta, to build variants on. */
const head = (sse: string) => sse.slice(0, sse.indexOf("event: message_delta"));

describe("streamTranslator", () => {
  it("streams the text fixture: role chunk, deltas, finish chunk, nothing else", async () => {
    const { chunks, error } = await run(streamText);
    expect(error).toBeUndefined();
    const shape = { id: "chatcmpl-s", object: "chat.completion.chunk", created: 1_700_000_000, model: "claude-sonnet-4-5-20250929" };
    expect(chunks).toEqual([
      { ...shape, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }] },
      { ...shape, choices: [{ index: 0, delta: { content: "The capital" }, finish_reason: null, logprobs: null }] },
      { ...shape, choices: [{ index: 0, delta: { content: " of France is" }, finish_reason: null, logprobs: null }] },
      { ...shape, choices: [{ index: 0, delta: { content: " Paris." }, finish_reason: null, logprobs: null }] },
      { ...shape, choices: [{ index: 0, delta: {}, finish_reason: "stop", logprobs: null }] },
    ]);
  });

  it("ends with a usage chunk, input from message_start and output from message_delta, when asked", async () => {
    const { chunks } = await run(streamText, ctx(true));
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 14, completion_tokens: 10, total_tokens: 24, prompt_tokens_details: { cached_tokens: 0 } },
    });
  });

  it("streams tool_use as tool-call deltas indexed among tool calls only", async () => {
    const { chunks, error } = await run(streamToolUse);
    expect(error).toBeUndefined();
    expect(text(chunks)).toBe("I'll check the current weather in Paris for you.");
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({ index: 0, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", type: "function", function: { name: "get_weather", arguments: "" } });
    expect(calls.slice(1).every((c) => c.index === 0 && c.id === undefined && c.function?.name === undefined)).toBe(true);
    expect(calls.map((c) => c.function?.arguments).join("")).toBe('{"location": "Paris, France", "unit": "celsius"}');
    expect(calls).toHaveLength(5);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("numbers a second tool call 1 whatever its block index, and ignores thinking blocks", async () => {
    const sse =
      event("message_start", { type: "message_start", message: { model: "m", usage: { input_tokens: 5, cache_read_input_tokens: 20 } } }) +
      event("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } }) +
      event("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hmm" } }) +
      event("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "c2ln" } }) +
      event("content_block_stop", { type: "content_block_stop", index: 0 }) +
      event("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_a", name: "a", input: {} } }) +
      event("content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "{}" } }) +
      event("content_block_start", { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_b", name: "b", input: {} } }) +
      event("content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: '{"x":1}' } }) +
      event("some_future_event", { type: "some_future_event" }) +
      event("message_delta", { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 9 } }) +
      event("message_stop", { type: "message_stop" });
    const { chunks, error } = await run(sse, ctx(true));
    expect(error).toBeUndefined();
    expect(text(chunks)).toBe("");
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls.map((c) => [c.index, c.id, c.function?.arguments])).toEqual([
      [0, "toolu_a", ""],
      [0, undefined, "{}"],
      [1, "toolu_b", ""],
      [1, undefined, '{"x":1}'],
    ]);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 25, completion_tokens: 9, total_tokens: 34, prompt_tokens_details: { cached_tokens: 20 } });
  });

  it("streams thinking as reasoning_content, then one reasoning_details delta with the block's text and signature", async () => {
    const sse =
      event("message_start", { type: "message_start", message: { model: "m", usage: { input_tokens: 5 } } }) +
      event("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }) +
      event("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Let me " } }) +
      event("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "think." } }) +
      event("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "c2ln" } }) +
      event("content_block_stop", { type: "content_block_stop", index: 0 }) +
      event("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "redacted_thinking", data: "cmVk" } }) +
      event("content_block_stop", { type: "content_block_stop", index: 1 }) +
      event("content_block_start", { type: "content_block_start", index: 2, content_block: { type: "text", text: "" } }) +
      event("content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "text_delta", text: "Answer." } }) +
      event("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } }) +
      event("message_stop", { type: "message_stop" });
    const { chunks, error } = await run(sse);
    expect(error).toBeUndefined();
    expect(text(chunks)).toBe("Answer.");
    expect(chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("")).toBe("Let me think.");
    expect(chunks.flatMap((c) => c.choices[0]?.delta.reasoning_details ?? [])).toEqual([
      { type: "reasoning.text", text: "Let me think.", signature: "c2ln", format: "anthropic-claude-v1", index: 0 },
      { type: "reasoning.encrypted", data: "cmVk", format: "anthropic-claude-v1", index: 1 },
    ]);
  });

  it.each([
    ["max_tokens", "length"],
    ["stop_sequence", "stop"],
    ["refusal", "content_filter"],
  ])("maps stop_reason %s to finish_reason %s", async (stop, finish) => {
    const sse = head(streamText) + event("message_delta", { type: "message_delta", delta: { stop_reason: stop } }) + event("message_stop", { type: "message_stop" });
    const { chunks } = await run(sse);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe(finish);
  });

  it("errors on the fixture's overloaded_error after sending what came before, with no finish chunk", async () => {
    const { chunks, error } = await run(streamError, ctx(true));
    expect(error).toBeInstanceOf(UpstreamServerError);
    expect((error as UpstreamServerError).provider).toBe("simanthropic");
    expect(text(chunks)).toBe("The capital of France");
    expect(chunks.some((c) => c.choices[0]?.finish_reason || c.usage)).toBe(false);
  });

  it.each([
    ["rate_limit_error", UpstreamRateLimitError],
    ["api_error", UpstreamServerError],
    ["invalid_request_error", UpstreamInvalidRequestError],
    ["brand_new_error", UpstreamServerError],
  ])("classifies a mid-stream %s as %s", async (type, errorClass) => {
    const { error } = await run(head(streamText) + event("error", { type: "error", error: { type, message: "nope" } }));
    expect(error).toBeInstanceOf(errorClass);
  });

  it("errors a stream that ends without message_stop instead of finishing it", async () => {
    const { chunks, error } = await run(head(streamText));
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(text(chunks)).toBe("The capital of France is Paris.");
    expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(false);
  });

  it("errors on an event whose data is not JSON", async () => {
    const { error } = await run(`event: message_start\ndata: {broken\n\n`);
    expect(error).toBeInstanceOf(UpstreamBadResponseError);
  });
});
