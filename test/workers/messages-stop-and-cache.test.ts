/**
 * Two things a translated Messages answer reports only when the provider says them:
 * - `stop_reason: "stop_sequence"` with the `stop_sequence` that matched, from an Anthropic
 *   provider (its own stop_reason) or an OpenAI-compatible one that names the sequence as
 *   vLLM does (`stop_reason` on the choice). A bare finish_reason "stop" (OpenAI, Gemini's
 *   STOP) cannot tell a stop sequence from the end of the turn, so it stays end_turn.
 * - `cache_creation_input_tokens`, from an Anthropic provider's usage, beside the cache reads,
 *   with neither counted again in `input_tokens`.
 * Both whole and streamed; every stream is checked against Anthropic's event grammar.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { anthropicClient } from "./clients";
import { sim } from "./helpers";

const { client, checked } = anthropicClient();
afterEach(async () => {
  await checked();
});

type Params = Anthropic.MessageCreateParamsNonStreaming;
const ask = (model: string, directive: Record<string, unknown>, extra: Partial<Params> = {}): Params => ({
  model,
  max_tokens: 64,
  messages: [{ role: "user", content: `Count to ten. ${sim(directive)}` }],
  ...extra,
});

/** The same request, whole and streamed. */
async function both(params: Params): Promise<Anthropic.Message[]> {
  return [await client.messages.create(params), await client.messages.stream(params).finalMessage()];
}

const completion = (choice: Record<string, unknown>) => ({
  id: "chatcmpl-stop",
  object: "chat.completion",
  created: 1,
  model: "sim/small-1",
  choices: [{ index: 0, message: { role: "assistant", content: "one two three" }, logprobs: null, ...choice }],
  usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
});
const chunk = (choice: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: "chatcmpl-stop", object: "chat.completion.chunk", created: 1, model: "sim/small-1", choices: [{ index: 0, delta: {}, finish_reason: null, ...choice }] })}`;
const streamed = (last: Record<string, unknown>) => [chunk({ delta: { role: "assistant", content: "one two three" } }), chunk(last), "data: [DONE]"];

describe("stop_reason stop_sequence, where the provider says which sequence", () => {
  it("an Anthropic provider's stop_sequence", async () => {
    const answers = await both(ask("claude-sim", { finish_reason: "stop_sequence" }, { stop_sequences: ["four", "five"] }));
    for (const m of answers) expect(m).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "four" });
  });

  it("an OpenAI-compatible provider that names the matched sequence (vLLM's stop_reason)", async () => {
    const whole = await client.messages.create(ask("sim-small", { body: completion({ finish_reason: "stop", stop_reason: "four" }) }, { stop_sequences: ["four"] }));
    expect(whole).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "four" });
    const params = ask("sim-small", { frames: streamed({ finish_reason: "stop", stop_reason: "four" }) }, { stop_sequences: ["four"] });
    expect(await client.messages.stream(params).finalMessage()).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "four" });
  });

  it.each([
    ["an OpenAI-compatible provider's bare stop", "sim-small", { body: completion({ finish_reason: "stop" }) }],
    ["an OpenAI-compatible provider's stop token id (vLLM)", "sim-small", { body: completion({ finish_reason: "stop", stop_reason: 128009 }) }],
    ["Gemini's STOP", "gemini-sim", { finish_reason: "STOP" }],
    ["an Anthropic provider's end_turn", "claude-sim", {}],
  ])("end_turn for %s", async (_, model, directive) => {
    const m = await client.messages.create(ask(model, directive, { stop_sequences: ["four"] }));
    expect(m).toMatchObject({ stop_reason: "end_turn", stop_sequence: null });
  });
});

describe("cache_creation_input_tokens", () => {
  it("passes an Anthropic provider's cache writes and reads through, counting neither in input_tokens", async () => {
    for (const m of await both(ask("claude-sim", { cache_write: 1200, cache_read: 300 }))) {
      expect(m.usage).toMatchObject({ cache_creation_input_tokens: 1200, cache_read_input_tokens: 300 });
      expect(m.usage.input_tokens).toBeGreaterThan(0);
      expect(m.usage.input_tokens).toBeLessThan(50);
    }
  });

  it("passed through, says what the provider wrote when it wrote nothing to its cache", async () => {
    for (const m of await both(ask("claude-sim", {}))) {
      expect([m.usage.cache_creation_input_tokens, m.usage.cache_read_input_tokens]).toEqual([0, 0]);
    }
  });

  it("translated, says null when the provider wrote nothing to its cache", async () => {
    // A system message inside `messages` is translated rather than passed through (Anthropic refuses it).
    const messages = [{ role: "system", content: "Be brief." }, ...ask("claude-sim", {}).messages] as Params["messages"];
    // A stream's message_start leaves them out; the SDK does not copy message_delta's nulls.
    for (const m of await both(ask("claude-sim", {}, { messages }))) {
      expect([m.usage.cache_creation_input_tokens ?? null, m.usage.cache_read_input_tokens ?? null]).toEqual([null, null]);
    }
  });
});
