/** The internal OpenAI stream as Anthropic events, every result checked against the documented grammar. */
import { describe, expect, it } from "vitest";
import { checkMessagesStream } from "../../../test/workers/anthropic-grammar";
import { messagesStream } from "./stream";

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: "chatcmpl-abc", object: "chat.completion.chunk", created: 1, model: "up-1", choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
const usage = (u: Record<string, unknown>) => `data: ${JSON.stringify({ id: "chatcmpl-abc", choices: [], usage: u })}\n\n`;
const DONE = "data: [DONE]\n\n";

async function encode(sse: string, chunkSize = sse.length): Promise<string> {
  const bytes = new TextEncoder().encode(sse);
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += chunkSize) controller.enqueue(bytes.slice(i, i + chunkSize));
      controller.close();
    },
  });
  return new Response(messagesStream(source, { model: "configured", inputTokens: 42 })).text();
}

async function translate(sse: string, chunkSize = sse.length) {
  const text = await encode(sse, chunkSize);
  return { text, checked: checkMessagesStream(text) };
}

describe("messagesStream", () => {
  it("turns text and tool calls into consecutive blocks, arguments as input_json_delta, usage at the end", async () => {
    const sse =
      chunk({ role: "assistant", content: "" }) +
      chunk({ content: "Let me " }) +
      chunk({ content: "check." }) +
      chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }] }) +
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }) +
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }) +
      chunk({ tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "now", arguments: "" } }] }) +
      chunk({}, "tool_calls") +
      usage({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42, prompt_tokens_details: { cached_tokens: 10 } }) +
      DONE;
    for (const size of [sse.length, 7]) {
      const { checked } = await translate(sse, size);
      expect(checked.outcome).toBe("completed");
      expect(checked.message.id).toBe("msg_abc");
      expect(checked.message.model).toBe("up-1");
      expect(checked.message.content).toEqual([
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Oslo" } },
        { type: "tool_use", id: "call_2", name: "now", input: {} },
      ]);
      expect(checked.message.stop_reason).toBe("tool_use");
      expect(checked.message.usage).toEqual({ input_tokens: 20, output_tokens: 12, cache_creation_input_tokens: null, cache_read_input_tokens: 10 });
    }
  });

  it("opens thinking blocks for reasoning, ends them with their signature, and keeps redacted thinking whole", async () => {
    const sse =
      chunk({ role: "assistant", content: "" }) +
      chunk({ reasoning_content: "Hmm, " }) +
      chunk({ reasoning: "right." }) +
      chunk({ reasoning_details: [{ type: "reasoning.text", text: "Hmm, right.", signature: "c2ln", format: "anthropic-claude-v1" }] }) +
      chunk({ reasoning_details: [{ type: "reasoning.encrypted", data: "cmVk", format: "anthropic-claude-v1" }] }) +
      chunk({ content: "Answer." }) +
      chunk({ reasoning_details: [{ type: "reasoning.encrypted", data: "Z2Vt", format: "google-gemini-v1" }] }) +
      chunk({}, "stop") +
      DONE;
    const { checked } = await translate(sse);
    expect(checked.message.content).toEqual([
      { type: "thinking", thinking: "Hmm, right.", signature: "c2ln" },
      { type: "redacted_thinking", data: "cmVk" },
      { type: "text", text: "Answer." },
      { type: "thinking", thinking: "", signature: "google-gemini-v1:Z2Vt" },
    ]);
    expect(checked.message.stop_reason).toBe("end_turn");
  });

  it("announces the estimated input in message_start and estimates output when the provider reports no usage", async () => {
    const { checked, text } = await translate(chunk({ content: "12345678" }, "length") + DONE);
    expect(text.startsWith('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_abc"')).toBe(true);
    expect(checked.message.usage).toEqual({ input_tokens: 42, output_tokens: 2, cache_creation_input_tokens: null, cache_read_input_tokens: null });
    expect(checked.message.stop_reason).toBe("max_tokens");
  });

  it("maps content_filter to refusal, and an empty answer is still a whole message", async () => {
    expect((await translate(chunk({ content: "No." }, "content_filter") + DONE)).checked.message.stop_reason).toBe("refusal");
    const empty = await translate(DONE);
    expect(empty.checked.events).toEqual(["message_start", "message_delta", "message_stop"]);
  });

  it.each([
    [{ message: "Provider x failed.", type: "upstream_error", code: "upstream_error" }, "api_error"],
    [{ message: "Slow down.", type: "rate_limit_error", code: "rate_limit_exceeded" }, "rate_limit_error"],
    [{ message: "Too slow.", type: "upstream_error", code: "upstream_timeout" }, "api_error"],
  ])("ends with an error event after content for %j", async (error, type) => {
    const { checked } = await translate(chunk({ content: "Partial" }) + `data: ${JSON.stringify({ error })}\n\n`);
    expect(checked.outcome).toBe("error");
    expect(checked.error).toEqual({ type, message: error.message });
    expect(checked.events).toEqual(["message_start", "content_block_start", "content_block_delta", "error"]);
  });

  it("errors a stream that ends without its end marker, and one that interleaves two tool calls", async () => {
    expect((await translate(chunk({ content: "Cut" }))).checked.outcome).toBe("error");
    const interleaved =
      chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "a", arguments: "{" } }] }) +
      chunk({ tool_calls: [{ index: 1, id: "b", function: { name: "b", arguments: "{}" } }] }) +
      chunk({ tool_calls: [{ index: 0, function: { arguments: "}" } }] }) +
      DONE;
    // The first call's block was closed when the second began; the stream can only fail.
    const text = await encode(interleaved);
    expect(text.endsWith('"message":"The provider interleaved the arguments of two tool calls."}}\n\n')).toBe(true);
    expect(text.match(/^event: \w+/gm)?.at(-1)).toBe("event: error");
  });
});
