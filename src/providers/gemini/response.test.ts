import { describe, expect, it } from "vitest";
import { UpstreamBadResponseError, UpstreamInvalidRequestError, UpstreamRateLimitError } from "../../errors";
import type { ResponseContext } from "../types";
import error429 from "../../../test/fixtures/gemini/error-429.json";
import functionCall from "../../../test/fixtures/gemini/generate-function-call.json";
import text from "../../../test/fixtures/gemini/generate-text.json";
import { parseGeminiResponse } from "./response";
import { signatureFromId } from "./tool-ids";

const ctx: ResponseContext = { provider: "simgemini", id: "chatcmpl-test", created: 1700000000, model: "gemini-2.5-flash", includeUsage: false };

describe("parseGeminiResponse", () => {
  it("turns a text answer into a chat.completion", () => {
    expect(parseGeminiResponse(text, ctx)).toEqual({
      id: "chatcmpl-test",
      object: "chat.completion",
      created: 1700000000,
      model: "gemini-2.5-flash",
      choices: [{ index: 0, message: { role: "assistant", content: "The capital of France is Paris." }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 8, completion_tokens: 7, total_tokens: 15 },
    });
  });

  it("turns parallel function calls into tool_calls with distinct ids, signature kept in the first", () => {
    const completion = parseGeminiResponse(functionCall, ctx);
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls!;
    expect(calls.map((c) => c.function)).toEqual([
      { name: "get_weather", arguments: '{"location":"Paris, France","unit":"celsius"}' },
      { name: "get_weather", arguments: '{"location":"London, UK","unit":"celsius"}' },
    ]);
    expect(calls.every((c) => c.type === "function" && /^call_\d+_[A-Za-z0-9]+/.test(c.id))).toBe(true);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
    expect(signatureFromId(calls[0]!.id)).toBe(functionCall.candidates[0]!.content.parts[0]!.thoughtSignature);
    expect(signatureFromId(calls[1]!.id)).toBeUndefined();
    // Thoughts count as completion tokens (and reasoning tokens); the sum matches Gemini's total here.
    expect(completion.usage).toEqual({ prompt_tokens: 96, completion_tokens: 94, total_tokens: 190, completion_tokens_details: { reasoning_tokens: 56 } });
  });

  it("puts thought summaries in reasoning_content and a text part's signature in reasoning_details", () => {
    const body = {
      candidates: [{ content: { role: "model", parts: [{ text: "Pondering.", thought: true }, { text: "Paris.", thoughtSignature: "c2ln" }] }, finishReason: "STOP" }],
    };
    expect(parseGeminiResponse(body, ctx).choices[0]?.message).toEqual({
      role: "assistant",
      content: "Paris.",
      reasoning_content: "Pondering.",
      reasoning_details: [{ type: "reasoning.encrypted", data: "c2ln", format: "google-gemini-v1", index: 0 }],
    });
  });

  it("gives each candidate its own choice, and maps finish reasons", () => {
    const body = {
      candidates: [
        { index: 1, content: { role: "model", parts: [{ text: "cut" }] }, finishReason: "MAX_TOKENS" },
        { index: 0, content: { role: "model", parts: [{ text: "thinking...", thought: true }, { text: "a" }, { text: "b" }] }, finishReason: "STOP" },
        { index: 2, finishReason: "SAFETY" },
        { index: 3, content: { role: "model", parts: [{ text: "x" }] }, finishReason: "RECITATION" },
        { index: 4, content: { role: "model", parts: [{ text: "y" }] }, finishReason: "SOMETHING_NEW" },
      ],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, totalTokenCount: 7, cachedContentTokenCount: 2 },
    };
    const completion = parseGeminiResponse(body, ctx);
    expect(completion.model).toBe("gemini-2.5-flash");
    expect(completion.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, "ab", "stop"],
      [1, "cut", "length"],
      [2, null, "content_filter"],
      [3, "x", "content_filter"],
      [4, "y", "stop"],
    ]);
    expect(completion.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 2 } });
  });

  it("answers a blocked prompt with a content_filter choice", () => {
    const completion = parseGeminiResponse({ promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } }, ctx);
    expect(completion.choices).toEqual([{ index: 0, message: { role: "assistant", content: null }, finish_reason: "content_filter", logprobs: null }]);
    expect(completion.usage).toEqual({ prompt_tokens: 5, completion_tokens: 0, total_tokens: 5 });
  });

  it("raises typed errors for error bodies and unusable answers", () => {
    const limited = (() => {
      try {
        return parseGeminiResponse(error429, ctx);
      } catch (err) {
        return err;
      }
    })();
    expect(limited).toBeInstanceOf(UpstreamRateLimitError);
    expect((limited as UpstreamRateLimitError).retryAfterMs).toBe(17_000);
    expect(() => parseGeminiResponse({ error: { status: "INVALID_ARGUMENT", message: "bad" } }, ctx)).toThrow(UpstreamInvalidRequestError);
    expect(() => parseGeminiResponse({ candidates: [] }, ctx)).toThrow(UpstreamBadResponseError);
    expect(() => parseGeminiResponse([1], ctx)).toThrow(UpstreamBadResponseError);
  });
});
