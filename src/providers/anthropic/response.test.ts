/** Messages API answers -> chat.completion, driven by the golden message fixtures. */
import { describe, expect, it } from "vitest";
import messageText from "../../../test/fixtures/anthropic/message-text.json";
import messageToolUse from "../../../test/fixtures/anthropic/message-tool-use.json";
import { UpstreamBadResponseError } from "../../errors";
import type { ResponseContext } from "../types";
import { finishReason, parseResponse, toUsage } from "./response";

const ctx: ResponseContext = { provider: "simanthropic", id: "chatcmpl-test", created: 1_700_000_000, model: "claude-haiku-4-5", includeUsage: false };

describe("parseResponse", () => {
  it("turns a text message into a chat.completion", () => {
    expect(parseResponse(messageText, ctx)).toEqual({
      id: "chatcmpl-test",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "claude-sonnet-4-5-20250929",
      choices: [{ index: 0, message: { role: "assistant", content: "The capital of France is Paris." }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 14, completion_tokens: 10, total_tokens: 24, prompt_tokens_details: { cached_tokens: 0 } },
    });
  });

  it("turns tool_use blocks into tool calls with the input as JSON text", () => {
    const completion = parseResponse(messageToolUse, ctx);
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: "I'll check the current weather in Paris for you.",
        tool_calls: [
          { id: "toolu_01A09q90qw90lq917835lq9", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris, France","unit":"celsius"}' } },
        ],
      },
      finish_reason: "tool_calls",
      logprobs: null,
    });
    expect(completion.usage?.total_tokens).toBe(483);
  });

  it("concatenates text blocks, puts thinking in reasoning_content, and gives null content without text", () => {
    const thinking = { type: "thinking", thinking: "secret reasoning", signature: "sig" };
    const redacted = { type: "redacted_thinking", data: "cmVk" };
    const both = parseResponse({ ...messageText, content: [thinking, redacted, { type: "text", text: "A" }, { type: "text", text: "B" }] }, ctx);
    expect(both.choices[0]?.message).toMatchObject({
      content: "AB",
      reasoning_content: "secret reasoning",
      reasoning_details: [
        { type: "reasoning.text", text: "secret reasoning", signature: "sig", format: "anthropic-claude-v1", index: 0 },
        { type: "reasoning.encrypted", data: "cmVk", format: "anthropic-claude-v1", index: 1 },
      ],
    });
    const toolOnly = parseResponse({ ...messageToolUse, content: [thinking, messageToolUse.content[1]] }, ctx);
    expect(toolOnly.choices[0]?.message.content).toBeNull();
    expect(toolOnly.choices[0]?.message.tool_calls).toHaveLength(1);
  });

  it("falls back to the configured model and omits usage the upstream did not send", () => {
    const { model: _model, usage: _usage, ...bare } = messageText;
    const completion = parseResponse(bare, ctx);
    expect(completion.model).toBe("claude-haiku-4-5");
    expect(completion).not.toHaveProperty("usage");
  });

  it.each([null, "text", {}, { content: "not blocks" }])("refuses %j as an unusable response", (body) => {
    expect(() => parseResponse(body, ctx)).toThrow(UpstreamBadResponseError);
  });
});

describe("finishReason", () => {
  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["pause_turn", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    [null, "stop"],
  ])("%s -> %s", (stop, finish) => {
    expect(finishReason(stop)).toBe(finish);
  });
});

describe("toUsage", () => {
  it("counts cache writes and reads in prompt_tokens, reports reads as cached_tokens and writes as cache_write_tokens", () => {
    expect(toUsage({ input_tokens: 10, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 7 })).toEqual({
      prompt_tokens: 1110,
      completion_tokens: 7,
      total_tokens: 1117,
      prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 100 },
    });
  });

  it("treats missing and null counts as zero", () => {
    expect(toUsage({ input_tokens: 3, cache_read_input_tokens: null })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 0,
      total_tokens: 3,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });
});
