/** chat.completion -> Message: blocks in order, stop reasons, usage without cached tokens, what providers send read defensively. */
import { describe, expect, it } from "vitest";
import { toMessage } from "./response";

const completion = (message: Record<string, unknown>, finish = "stop", extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-xyz",
  model: "up-1",
  choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: finish }],
  ...extra,
});

describe("toMessage", () => {
  it("orders thinking, text and tool_use blocks, and maps usage", () => {
    const message = toMessage(
      completion(
        {
          content: "Calling.",
          reasoning_content: "Plan.",
          reasoning_details: [{ type: "reasoning.text", text: "Plan.", signature: "c2ln", format: "anthropic-claude-v1" }],
          tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
        },
        "tool_calls",
        { usage: { prompt_tokens: 50, completion_tokens: 7, total_tokens: 57, prompt_tokens_details: { cached_tokens: 20 } } },
      ),
      "configured",
      10,
    );
    expect(message).toEqual({
      id: "msg_xyz",
      type: "message",
      role: "assistant",
      model: "up-1",
      content: [
        { type: "thinking", thinking: "Plan.", signature: "c2ln" },
        { type: "text", text: "Calling." },
        { type: "tool_use", id: "call_1", name: "f", input: { a: 1 } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 30, output_tokens: 7, cache_creation_input_tokens: null, cache_read_input_tokens: 20 },
    });
  });

  it("reads OpenRouter-style `reasoning`, signs Gemini reasoning with its format, and keeps arguments that are not JSON", () => {
    const message = toMessage(
      completion({
        content: null,
        reasoning: "Thought.",
        reasoning_details: [{ type: "reasoning.encrypted", data: "Z2Vt", format: "google-gemini-v1" }],
        tool_calls: [{ id: "c", function: { name: "f", arguments: "not json" } }],
      }),
      "configured",
      10,
    );
    expect(message.content).toEqual([
      { type: "thinking", thinking: "Thought.", signature: "google-gemini-v1:Z2Vt" },
      { type: "tool_use", id: "c", name: "f", input: { arguments: "not json" } },
    ]);
  });

  it("answers a refusal as text with stop_reason refusal, estimates missing usage, and survives odd fields", () => {
    const message = toMessage(completion({ content: null, refusal: "I can't.", tool_calls: "nope", reasoning_details: [null, 3] }, "content_filter", { model: undefined }), "configured", 12);
    expect(message).toMatchObject({ model: "configured", content: [{ type: "text", text: "I can't." }], stop_reason: "refusal", usage: { input_tokens: 12, output_tokens: 2 } });
  });
});
