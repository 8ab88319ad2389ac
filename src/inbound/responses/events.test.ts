/** The internal OpenAI stream as Responses events, every result checked against the documented sequence. */
import { describe, expect, it } from "vitest";
import { checkResponsesStream } from "../../../test/workers/responses-grammar";
import { responsesProtocol } from ".";
import { toResponse } from "./events";
import type { ResponseContext } from "./response";

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: "chatcmpl-abc", object: "chat.completion.chunk", created: 1, model: "up-1", choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
const usage = (u: Record<string, unknown>) => `data: ${JSON.stringify({ id: "chatcmpl-abc", choices: [], usage: u })}\n\n`;
const DONE = "data: [DONE]\n\n";
const HEX = "0123456789abcdef0123456789abcdef";

const ctx: ResponseContext = {
  id: `resp_${HEX}`,
  createdAt: 1_700_000_000,
  model: "configured",
  inputTokens: 42,
  names: new Map([["multi_agent_v1__spawn_agent", { namespace: "multi_agent_v1", name: "spawn_agent" }]]),
  echo: { store: false },
};

async function encode(sse: string, chunkSize = sse.length): Promise<string> {
  const bytes = new TextEncoder().encode(sse);
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += chunkSize) controller.enqueue(bytes.slice(i, i + chunkSize));
      controller.close();
    },
  });
  return new Response(responsesProtocol.fromStream(source, ctx)).text();
}

const translate = async (sse: string, chunkSize?: number) => checkResponsesStream(await encode(sse, chunkSize));

describe("the Responses stream encoder", () => {
  it("streams text and tool calls as items, namespaced calls under their own name, usage at the end", async () => {
    const sse =
      chunk({ role: "assistant", content: "" }) +
      chunk({ content: "Let me " }) +
      chunk({ content: "check." }) +
      chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }] }) +
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }) +
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }) +
      chunk({ tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "multi_agent_v1__spawn_agent", arguments: "{}" } }] }) +
      chunk({}, "tool_calls") +
      usage({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42, prompt_tokens_details: { cached_tokens: 10 } }) +
      DONE;
    for (const size of [sse.length, 7]) {
      const checked = await translate(sse, size);
      expect(checked.outcome).toBe("completed");
      expect(checked.events.slice(0, 4)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
      expect(checked.response).toMatchObject({ id: ctx.id, object: "response", created_at: ctx.createdAt, model: "up-1", status: "completed", store: false, incomplete_details: null });
      expect(checked.response.output).toEqual([
        { id: `msg_${HEX}_0`, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Let me check.", annotations: [], logprobs: [] }] },
        { id: `fc_${HEX}_1`, type: "function_call", status: "completed", call_id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' },
        { id: `fc_${HEX}_2`, type: "function_call", status: "completed", call_id: "call_2", name: "spawn_agent", namespace: "multi_agent_v1", arguments: "{}" },
      ]);
      expect(checked.response.usage).toEqual({ input_tokens: 30, input_tokens_details: { cached_tokens: 10 }, output_tokens: 12, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 42 });
    }
  });

  it("streams reasoning as summary text, its state as encrypted_content, and counts reasoning tokens", async () => {
    const sse =
      chunk({ reasoning_content: "Hmm, " }) +
      chunk({ reasoning: "right." }) +
      chunk({ reasoning_details: [{ type: "reasoning.text", text: "Hmm, right.", signature: "c2ln", format: "anthropic-claude-v1" }] }) +
      chunk({ reasoning_details: [{ type: "reasoning.encrypted", data: "cmVk", format: "anthropic-claude-v1" }] }) +
      chunk({ content: "Answer." }) +
      chunk({ reasoning_details: [{ type: "reasoning.encrypted", data: "Z2Vt", format: "google-gemini-v1" }] }) +
      chunk({}, "stop") +
      usage({ prompt_tokens: 5, completion_tokens: 9, completion_tokens_details: { reasoning_tokens: 6 } }) +
      DONE;
    const checked = await translate(sse);
    expect(checked.events).toContain("response.reasoning_summary_text.delta");
    expect(checked.response.output.map((i) => [i.type, i.summary, i.encrypted_content])).toEqual([
      ["reasoning", [{ type: "summary_text", text: "Hmm, right." }], '{"type":"reasoning.text","signature":"c2ln","format":"anthropic-claude-v1"}'],
      ["reasoning", [], '{"type":"reasoning.encrypted","data":"cmVk","format":"anthropic-claude-v1"}'],
      ["message", undefined, undefined],
      ["reasoning", [], '{"type":"reasoning.encrypted","data":"Z2Vt","format":"google-gemini-v1"}'],
    ]);
    expect((checked.response.usage as { output_tokens_details: unknown }).output_tokens_details).toEqual({ reasoning_tokens: 6 });
  });

  it("estimates usage, reasoning tokens included, when the provider reports none", async () => {
    const checked = await translate(chunk({ reasoning_content: "12345678" }) + chunk({ content: "1234" }, "stop") + DONE);
    expect(checked.response.usage).toEqual({ input_tokens: 42, input_tokens_details: { cached_tokens: 0 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 45 });
  });

  it("ends an answer cut by max_output_tokens with response.incomplete", async () => {
    const checked = await translate(chunk({ content: "Cut" }, "length") + DONE);
    expect(checked.outcome).toBe("incomplete");
    expect(checked.response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(checked.events.at(-1)).toBe("response.incomplete");
  });

  it("keeps an empty answer a whole response", async () => {
    const checked = await translate(DONE);
    expect(checked.events).toEqual(["response.created", "response.in_progress", "response.completed"]);
    expect(checked.response.output).toEqual([]);
  });

  it("ends with an error event and response.failed after content", async () => {
    const error = { message: "Provider x failed.", type: "upstream_error", param: null, code: "upstream_error" };
    const checked = await translate(chunk({ content: "Partial" }) + `data: ${JSON.stringify({ error })}\n\n`);
    expect(checked.outcome).toBe("failed");
    expect(checked.events.slice(-2)).toEqual(["error", "response.failed"]);
    expect(checked.error).toEqual({ code: "upstream_error", message: "Provider x failed." });
    expect(checked.response.error).toEqual({ code: "upstream_error", message: "Provider x failed." });
  });

  it("fails a stream that ends without its end marker, and one that interleaves two tool calls", async () => {
    expect((await translate(chunk({ content: "Cut" }))).outcome).toBe("failed");
    const interleaved =
      chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "a", arguments: "{" } }] }) +
      chunk({ tool_calls: [{ index: 1, id: "b", function: { name: "b", arguments: "{}" } }] }) +
      chunk({ tool_calls: [{ index: 0, function: { arguments: "}" } }] }) +
      DONE;
    const text = await encode(interleaved);
    expect(text).toContain('"message":"The provider interleaved the arguments of two tool calls."');
    expect(text.match(/^event: \S+/gm)?.slice(-2)).toEqual(["event: error", "event: response.failed"]);
  });
});

describe("toResponse", () => {
  it("builds the same items from a whole completion, each signed reasoning block with its own text", () => {
    const completion = {
      id: "chatcmpl-abc",
      model: "up-1",
      choices: [
        {
          index: 0,
          finish_reason: "tool_calls",
          message: {
            role: "assistant",
            content: "Checking.",
            reasoning_content: "First.Second.",
            reasoning_details: [
              { type: "reasoning.text", text: "First.", signature: "s1", format: "anthropic-claude-v1" },
              { type: "reasoning.text", text: "Second.", signature: "s2", format: "anthropic-claude-v1" },
            ],
            tool_calls: [{ id: "call_9", type: "function", function: { name: "multi_agent_v1__spawn_agent", arguments: '{"a":1}' } }],
          },
        },
      ],
      usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 },
    };
    const response = toResponse(completion, ctx) as { output: Array<Record<string, unknown>>; status: string; usage: unknown };
    expect(response.status).toBe("completed");
    expect(response.output.map((i) => [i.id, i.type])).toEqual([
      [`rs_${HEX}_0`, "reasoning"],
      [`rs_${HEX}_1`, "reasoning"],
      [`msg_${HEX}_2`, "message"],
      [`fc_${HEX}_3`, "function_call"],
    ]);
    expect(response.output[1]!.summary).toEqual([{ type: "summary_text", text: "Second." }]);
    expect(response.output[3]).toMatchObject({ call_id: "call_9", name: "spawn_agent", namespace: "multi_agent_v1", arguments: '{"a":1}' });
    expect(response.usage).toEqual({ input_tokens: 7, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 4 }, total_tokens: 12 });
  });

  it("reads a provider's body without trusting it", () => {
    const response = toResponse({ choices: [{ message: { content: null, refusal: "No.", reasoning_details: [null, 3, { type: "x" }] }, finish_reason: "content_filter" }] }, ctx) as Record<string, unknown>;
    expect(response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "content_filter" }, model: "configured" });
    expect((response.output as Array<{ content?: unknown }>)[0]!.content).toEqual([{ type: "output_text", text: "No.", annotations: [], logprobs: [] }]);
  });
});
