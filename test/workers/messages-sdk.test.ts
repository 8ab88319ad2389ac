/**
 * POST /v1/messages through the official Anthropic SDK, against each kind of target: an
 * OpenAI-compatible provider and Gemini through the internal form, Anthropic passed through
 * (messages-passthrough.test.ts checks what arrives). Every stream the SDK receives is also
 * checked against Anthropic's documented grammar.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { anthropicClient } from "./clients";
import { recorded, sim } from "./helpers";

const { client, checked } = anthropicClient();
afterEach(async () => {
  await checked();
});

const tag = () => `m-${crypto.randomUUID()}`;
type Body = Record<string, unknown> & { messages: Array<Record<string, unknown>>; contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> };

async function upstreamBody(t: string, n = 1): Promise<Body> {
  const list = await recorded(t);
  expect(list).toHaveLength(n);
  return list[n - 1]!.body as Body;
}

const weather: Anthropic.Tool = {
  name: "get_weather",
  description: "Weather now",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

interface Target {
  kind: string;
  model: string;
  upstream: string;
  /**
   * The reasoning text the simulator produces for `thinking: {budget_tokens: 2048}`: at effort
   * "low" when translated; an Anthropic target gets the client's own budget (passed through).
   */
  thought: string;
  /** Where the upstream request keeps the tool result of the second turn. */
  toolResult(body: Body, id: string): unknown;
  /** The upstream request's image parts of the first message. */
  images(body: Body): unknown;
  /** What the upstream received of the earlier turn's reasoning. */
  reasoningSentBack(body: Body): unknown;
}

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

const TARGETS: Target[] = [
  {
    kind: "an OpenAI-compatible provider",
    model: "sim-small",
    upstream: "sim/small-1",
    thought: "Reasoning at low effort.",
    toolResult: (b, id) => b.messages.find((m) => m.role === "tool" && m.tool_call_id === id)?.content,
    images: (b) => (b.messages[0]!.content as Array<Record<string, unknown>>).filter((p) => p.type === "image_url"),
    reasoningSentBack: (b) => b.messages.find((m) => m.role === "assistant")?.reasoning_content,
  },
  {
    kind: "Gemini",
    model: "gemini-sim",
    upstream: "gemini-2.5-flash",
    thought: "Thinking within 1024 tokens.",
    toolResult: (b) => b.contents.flatMap((c) => c.parts).find((p) => p.functionResponse)?.functionResponse,
    images: (b) => b.contents[0]!.parts.filter((p) => !("text" in p)),
    reasoningSentBack: (b) => b.contents.find((c) => c.role === "model")?.parts[0]?.thoughtSignature,
  },
  {
    kind: "Anthropic",
    model: "claude-sim",
    upstream: "claude-haiku-4-5",
    thought: "Thinking within 2048 tokens.",
    toolResult: (b, id) =>
      b.messages.flatMap((m) => m.content as Array<Record<string, unknown>>).find((x) => x.type === "tool_result" && x.tool_use_id === id)?.content,
    images: (b) => (b.messages[0]!.content as Array<Record<string, unknown>>).filter((p) => p.type === "image"),
    reasoningSentBack: (b) => (b.messages.find((m) => m.role === "assistant")?.content as Array<Record<string, unknown>>)[0],
  },
];

const text = (message: Anthropic.Message) => message.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("");

describe.each(TARGETS)("Messages API served by $kind", (target) => {
  const model = target.model;

  it("messages.create answers with a Message", async () => {
    const { data, response } = await client.messages
      .create({ model, max_tokens: 256, messages: [{ role: "user", content: `Hi ${sim({ reply: "Hello from the proxy." })}` }] })
      .withResponse();
    expect(data).toMatchObject({ type: "message", role: "assistant", model: target.upstream, stop_reason: "end_turn", stop_sequence: null });
    expect(data.id).toMatch(/^msg_/);
    expect(data.content).toEqual([{ type: "text", text: "Hello from the proxy." }]);
    expect(data.usage.output_tokens).toBe(4);
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-proxy-model")).toBe(model);
  });

  it("messages.stream(...).finalMessage() assembles the streamed answer", async () => {
    const reply = "Streaming works, one word at a time.";
    const stream = client.messages.stream({ model, max_tokens: 256, messages: [{ role: "user", content: sim({ reply, split_writes: true }) }] });
    let streamed = "";
    stream.on("text", (delta) => (streamed += delta));
    const message = await stream.finalMessage();
    expect(streamed).toBe(reply);
    expect(text(message)).toBe(reply);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.output_tokens).toBe(7);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    const [check] = await checked();
    expect(check?.events[0]).toBe("message_start");
    expect(check?.outcome).toBe("completed");
  });

  it("runs a tool-use round trip, streamed, with arguments as input_json_delta", async () => {
    const t = tag();
    const first = await client.messages
      .stream({
        model,
        max_tokens: 256,
        tools: [weather],
        messages: [{ role: "user", content: `Weather in Paris? ${sim({ tag: t, tool_calls: [{ name: "get_weather", arguments: { city: "Paris" } }] })}` }],
      })
      .finalMessage();
    expect(first.stop_reason).toBe("tool_use");
    const call = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
    expect(call).toMatchObject({ name: "get_weather", input: { city: "Paris" } });
    const [check] = await checked();
    expect(check?.events).toContain("content_block_delta");
    const second = await client.messages.create({
      model,
      max_tokens: 256,
      tools: [weather],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: call!.id, content: `18C and sunny ${sim({ tag: t, reply: "It is sunny." })}` }] },
      ],
    });
    expect(text(second)).toBe("It is sunny.");
    const sent = target.toolResult(await upstreamBody(t, 2), call!.id);
    expect(JSON.stringify(sent)).toContain("18C and sunny");
  });

  it("returns thinking when it is requested, and takes it back in the next turn", async () => {
    const t = tag();
    const thinking = { type: "enabled" as const, budget_tokens: 2048 };
    const plain = await client.messages.create({ model, max_tokens: 4096, thinking, messages: [{ role: "user", content: `Think. ${sim({ reply: "Done." })}` }] });
    expect(plain.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    const block = plain.content[0] as Anthropic.ThinkingBlock;
    expect(block.thinking).toBe(target.thought);
    expect(text(plain)).toBe("Done.");
    await client.messages.create({
      model,
      max_tokens: 4096,
      thinking,
      messages: [
        { role: "user", content: "Think." },
        { role: "assistant", content: plain.content },
        { role: "user", content: `And now? ${sim({ tag: t })}` },
      ],
    });
    const back = target.reasoningSentBack(await upstreamBody(t));
    // Each provider gets its own reasoning state back: Anthropic the signed block, Gemini
    // its thought signature on the turn's first part, OpenAI-compatible ones the text.
    if (target.kind === "Anthropic") expect(back).toEqual({ type: "thinking", thinking: block.thinking, signature: block.signature });
    else if (target.kind === "Gemini") expect(`google-gemini-v1:${String(back)}`).toBe(block.signature);
    else expect(back).toBe(block.thinking);
  });

  it("keeps a thinking tool-use turn valid when it comes back", async () => {
    const t = tag();
    const thinking = { type: "enabled" as const, budget_tokens: 2048 };
    const first = await client.messages
      .stream({
        model,
        max_tokens: 4096,
        thinking,
        tools: [weather],
        messages: [{ role: "user", content: `Weather? ${sim({ tag: t, tool_calls: [{ name: "get_weather", arguments: { city: "Oslo" } }] })}` }],
      })
      .finalMessage();
    expect(first.content.map((b) => b.type)).toEqual(["thinking", "tool_use"]);
    expect((first.content[0] as Anthropic.ThinkingBlock).thinking).toBe(target.thought);
    const call = first.content[1] as Anthropic.ToolUseBlock;
    // The Anthropic simulator refuses a tool-use turn without its signed thinking block, and
    // Gemini's simulator signs the call, whose signature rides in the call id.
    const second = await client.messages.create({
      model,
      max_tokens: 4096,
      thinking,
      tools: [weather],
      messages: [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: `Rain ${sim({ tag: t, reply: "Take an umbrella." })}` }] },
      ],
    });
    expect(text(second)).toBe("Take an umbrella.");
    if (target.kind === "Gemini") expect(target.reasoningSentBack(await upstreamBody(t, 2))).toEqual(expect.any(String));
  });

  it("sends images, base64 and by URL", async () => {
    const t = tag();
    await client.messages.create({
      model,
      max_tokens: 64,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
            { type: "text", text: `What is this? ${sim({ tag: t })}` },
          ],
        },
      ],
    });
    const images = JSON.stringify(target.images(await upstreamBody(t)));
    expect(images).toContain(PNG);
    expect(images).toContain("https://example.com/cat.png");
  });

  it("translates a system message inside messages", async () => {
    const t = tag();
    const message = await client.messages.create({
      model,
      max_tokens: 64,
      messages: [
        { role: "user", content: "Hello" },
        { role: "system", content: "Answer in French." } as unknown as Anthropic.MessageParam,
        { role: "user", content: `Again ${sim({ tag: t, reply: "Bonjour." })}` },
      ],
    });
    expect(text(message)).toBe("Bonjour.");
    expect(JSON.stringify(await upstreamBody(t))).toContain("Answer in French.");
  });

  it("counts tokens: an Anthropic provider counts (messages-count-tokens.test.ts), others are estimated and say so", async () => {
    const { data, response } = await client.messages
      .countTokens({ model, system: "Be brief.", tools: [weather], messages: [{ role: "user", content: "How many tokens is this question?" }] })
      .withResponse();
    expect(response.headers.get("x-proxy-estimated")).toBe(model === "claude-sim" ? null : "true");
    const small = await client.messages.countTokens({ model, messages: [{ role: "user", content: "Hi" }] });
    expect(data.input_tokens).toBeGreaterThan(small.input_tokens);
    expect(small.input_tokens).toBeGreaterThan(0);
  });
});

/** One model per adapter, each falling back to res-fallback (test/models.test.yaml). */
const RESILIENT = [
  { kind: "an OpenAI-compatible provider", model: "res-openai", upstream: "sim/res-openai", midStream: { stream_error: "openai", error_after: 2 } },
  { kind: "Gemini", model: "res-gemini", upstream: "gemini-res", midStream: { error_body: { error: { code: 500, message: "boom", status: "INTERNAL" } }, error_after: 2 } },
  { kind: "Anthropic", model: "res-claude", upstream: "claude-res", midStream: { stream_error: "overloaded_error", error_after: 2 } },
];

describe.each(RESILIENT)("Messages streams from $kind when something fails", ({ model, upstream, midStream }) => {
  it("falls back invisibly before the first content", async () => {
    const reply = "The fallback answered.";
    const { data: stream, response } = await client.messages
      .create({ model, max_tokens: 64, stream: true, messages: [{ role: "user", content: sim({ reply, status: 503, only: [upstream] }) }] })
      .withResponse();
    let streamed = "";
    for await (const event of stream) if (event.type === "content_block_delta" && event.delta.type === "text_delta") streamed += event.delta.text;
    expect(streamed).toBe(reply);
    expect(response.headers.get("x-proxy-model")).toBe("res-fallback");
    expect(response.headers.get("x-proxy-attempts")).toBe("2");
    const [check] = await checked();
    expect(check?.outcome).toBe("completed");
  });

  it("raises after content: the stream ends with an error event, and the SDK throws", async () => {
    const stream = client.messages.stream({
      model,
      max_tokens: 64,
      messages: [{ role: "user", content: sim({ reply: "One two three four five six.", ...midStream }) }],
    });
    let streamed = "";
    stream.on("text", (delta) => (streamed += delta));
    const error = await stream.finalMessage().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as { type?: string }).type).toMatch(/^(api_error|overloaded_error)$/);
    expect(streamed).toBe("One two");
    const [check] = await checked();
    expect(check?.outcome).toBe("error");
    expect(check?.events.at(-1)).toBe("error");
  });
});
