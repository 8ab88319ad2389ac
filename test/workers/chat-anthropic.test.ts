/**
 * Chat completions through the native Anthropic adapter: the official openai SDK against
 * model `claude-sim`, through the real Worker, to the simulator's Messages API. Upstream
 * error answers are in the conformance table of chat-upstream-errors.test.ts.
 */
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { openaiClient } from "./clients";
import { postJson, recorded, sim } from "./helpers";

const client = openaiClient();
const tag = () => `t-${crypto.randomUUID()}`;
const MODEL = "claude-sim";

type Recorded = Awaited<ReturnType<typeof recorded>>[number];

async function only(t: string): Promise<Recorded> {
  const list = await recorded(t);
  expect(list).toHaveLength(1);
  return list[0]!;
}

const weatherTool: OpenAI.ChatCompletionTool = {
  type: "function",
  function: { name: "get_weather", description: "Weather now", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

describe("chat completions: Anthropic upstream", () => {
  it("answers a non-streaming request, calling /v1/messages with the key and API version", async () => {
    const t = tag();
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: `hi there ${sim({ tag: t, reply: "Hello from Claude." })}` }], temperature: 0.3 })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("claude-haiku-4-5");
    expect(data.choices[0]?.message).toMatchObject({ role: "assistant", content: "Hello from Claude." });
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage?.completion_tokens).toBe(3);
    expect(data.usage?.prompt_tokens).toBeGreaterThan(2);
    expect(data.usage?.total_tokens).toBe(data.usage!.prompt_tokens + 3);
    expect(response.headers.get("x-proxy-provider")).toBe("simanthropic");
    const upstream = await only(t);
    expect(upstream.path).toBe("/anthropic/v1/messages");
    expect(upstream.headers["x-api-key"]).toBe("sim-anthropic-secret");
    expect(upstream.headers["anthropic-version"]).toBe("2023-06-01");
    expect(upstream.headers.authorization).toBeUndefined();
    expect(upstream.body).toEqual({
      model: "claude-haiku-4-5",
      max_tokens: 4096,
      temperature: 0.3,
      messages: [{ role: "user", content: [{ type: "text", text: `hi there ${sim({ tag: t, reply: "Hello from Claude." })}` }] }],
    });
  });

  it("streams, and the assembled text is exact", async () => {
    const reply = "Streaming works, one word at a time, from Claude.";
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: "user", content: sim({ reply, split_writes: true, keepalive: true }) }],
    });
    let text = "";
    let finish: string | null = null;
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(reply);
    expect(finish).toBe("stop");
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.every((c) => c.usage === undefined)).toBe(true);
  });

  it("ends with a usage chunk when stream_options.include_usage is set, counting cache reads", async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      // The simulator counts words: three, plus two for the directive, plus the cache reads.
      messages: [{ role: "user", content: `count my tokens ${sim({ cache_read: 100 })}` }],
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 105, completion_tokens: 3, total_tokens: 108, prompt_tokens_details: { cached_tokens: 100 } });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("returns tool calls, streamed and not, with tools and tool_choice translated", async () => {
    const t = tag();
    const directive = sim({ tag: t, tool_calls: [{ name: "get_weather", arguments: { city: "Oslo" } }, { name: "get_weather", arguments: { city: "Bergen" } }] });
    const params = { model: MODEL, tools: [weatherTool], tool_choice: "required" as const, messages: [{ role: "user" as const, content: directive }] };
    const plain = await client.chat.completions.create(params);
    expect(plain.choices[0]?.finish_reason).toBe("tool_calls");
    expect(plain.choices[0]?.message.content).toBeNull();
    expect(plain.choices[0]?.message.tool_calls).toEqual([
      { id: "toolu_sim0", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
      { id: "toolu_sim1", type: "function", function: { name: "get_weather", arguments: '{"city":"Bergen"}' } },
    ]);

    const final = await client.chat.completions.stream({ ...params, stream: true, parallel_tool_calls: false }).finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    expect(final.choices[0]?.message.tool_calls?.map((c) => [c.id, (c as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments])).toEqual([
      ["toolu_sim0", '{"city":"Oslo"}'],
      ["toolu_sim1", '{"city":"Bergen"}'],
    ]);

    const [first, second] = await recorded(t);
    const tools = [{ name: "get_weather", description: "Weather now", input_schema: weatherTool.function.parameters }];
    expect(first?.body).toMatchObject({ tools, tool_choice: { type: "any" } });
    expect(second?.body).toMatchObject({ tools, tool_choice: { type: "any", disable_parallel_tool_use: true }, stream: true });
  });

  it("translates a multi-turn conversation with system messages and tool results", async () => {
    const t = tag();
    const res = await client.chat.completions.create({
      model: MODEL,
      tools: [weatherTool],
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: `Weather in Oslo and Bergen? ${sim({ tag: t, reply: "Cold in both." })}` },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
            { id: "toolu_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Bergen"}' } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "-3C" },
        { role: "tool", tool_call_id: "toolu_2", content: [{ type: "text", text: "-1C" }] },
        { role: "developer", content: "Use Celsius." },
        { role: "user", content: "Thanks. Summarise." },
      ],
    });
    expect(res.choices[0]?.message.content).toBe("Cold in both.");
    const upstream = await only(t);
    expect(upstream.body.system).toEqual([
      { type: "text", text: "You are terse." },
      { type: "text", text: "Use Celsius." },
    ]);
    expect(upstream.body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: `Weather in Oslo and Bergen? ${sim({ tag: t, reply: "Cold in both." })}` }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } },
          { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Bergen" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "-3C" },
          { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "-1C" }] },
          { type: "text", text: "Thanks. Summarise." },
        ],
      },
    ]);
  });

  it("sends data: images as base64 and https images by URL", async () => {
    const t = tag();
    await client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: `describe ${sim({ tag: t })}` },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
          ],
        },
      ],
    });
    const upstream = await only(t);
    expect((upstream.body.messages as Array<{ content: unknown }>)[0]?.content).toEqual([
      { type: "text", text: `describe ${sim({ tag: t })}` },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
    ]);
  });

  it("keeps thinking out of the content and in reasoning_content, streamed and not", async () => {
    const content = sim({ thinking: "Let me think privately.", reply: "Visible answer." });
    const plain = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content }] });
    expect(plain.choices[0]?.message).toMatchObject({ content: "Visible answer.", reasoning_content: "Let me think privately." });
    const stream = await client.chat.completions.create({ model: MODEL, stream: true, messages: [{ role: "user", content }] });
    let text = "";
    let reasoning = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      text += delta?.content ?? "";
      reasoning += delta?.reasoning_content ?? "";
    }
    expect(text).toBe("Visible answer.");
    expect(reasoning).toBe("Let me think privately.");
  });

  it("asks for thinking with reasoning_effort, and accepts the signed reasoning back in a tool loop", async () => {
    const t = tag();
    const first = await client.chat.completions.create({
      model: MODEL,
      reasoning_effort: "low",
      tools: [weatherTool],
      messages: [{ role: "user", content: `Weather? ${sim({ tag: t, tool_calls: [{ name: "get_weather", arguments: { city: "Oslo" } }] })}` }],
    });
    const sent = (await only(t)).body;
    expect(sent.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(sent.max_tokens).toBe(4096 + 1024);
    const message = first.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string; reasoning_details?: unknown[] };
    expect(message.reasoning_content).toBe("Thinking within 1024 tokens.");
    expect(message.reasoning_details).toEqual([
      { type: "reasoning.text", text: "Thinking within 1024 tokens.", signature: expect.any(String), format: "anthropic-claude-v1", index: 0 },
    ]);
    // The simulator, like Anthropic, refuses a tool-use turn without its signed thinking block.
    const second = await client.chat.completions.create({
      model: MODEL,
      reasoning_effort: "low",
      tools: [weatherTool],
      messages: [
        { role: "user", content: "Weather?" },
        message as OpenAI.ChatCompletionMessageParam,
        { role: "tool", tool_call_id: message.tool_calls![0]!.id, content: `Rain ${sim({ reply: "Umbrella." })}` },
      ],
    });
    expect(second.choices[0]?.message.content).toBe("Umbrella.");
  });

  it("maps response_format json_schema to structured outputs", async () => {
    const t = tag();
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
    await client.chat.completions.create({
      model: MODEL,
      response_format: { type: "json_schema", json_schema: { name: "city", schema, strict: true } },
      messages: [{ role: "user", content: sim({ tag: t, reply: '{"city":"Oslo"}' }) }],
    });
    expect((await only(t)).body.output_config).toEqual({ format: { type: "json_schema", schema } });
  });
});

describe("requests Anthropic cannot express are refused before any upstream call", () => {
  it.each([
    [{ n: 2 }, "n"],
    [{ logprobs: true }, "logprobs"],
    [{ presence_penalty: 0.5 }, "presence_penalty"],
    [{ temperature: 1.5 }, "temperature"],
    [{ response_format: { type: "json_object" } }, "response_format"],
  ])("%j -> 400 naming %s", async (extra, param) => {
    const t = tag();
    const err = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: sim({ tag: t }) }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    expect(await recorded(t)).toEqual([]);
  });

  it("names the bad tool-call arguments in `param`", async () => {
    const res = await postJson("/v1/chat/completions", {
      model: MODEL,
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", tool_calls: [{ id: "toolu_1", type: "function", function: { name: "f", arguments: "{oops" } }] },
      ],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("messages[1].tool_calls[0].function.arguments");
  });
});

describe("upstream errors mid-stream reach the SDK as errors", () => {
  /** Iterates an SDK stream to its end; returns what arrived and what the iteration threw. */
  async function consume(directive: Record<string, unknown>) {
    const stream = await client.chat.completions.create({ model: MODEL, stream: true, messages: [{ role: "user", content: sim(directive) }] });
    let text = "";
    let finish: string | null = null;
    const error = await (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    return { text, finish, error };
  }

  it("raises from the SDK's stream iteration on a mid-stream error event, without a clean end", async () => {
    const { text, finish, error } = await consume({ reply: "This answer will be cut off halfway through.", stream_error: "overloaded_error" });
    expect(error).toBeInstanceOf(Error);
    expect(finish).toBeNull();
    expect(text).toBe("This answer will be");
  });

  it.each([
    ["ends without message_stop", { truncate: true }],
    // Spaced out so the text reaches the client before the drop; a drop before any content
    // is retried invisibly instead (see the streaming-resilience tests).
    ["drops the connection", { drop_after: 5, chunk_delay_ms: 20 }],
  ])("raises from the SDK's stream iteration when the upstream %s", async (_, fault) => {
    const { finish, error } = await consume({ reply: "An answer that never properly finishes.", ...fault });
    expect(error).toBeInstanceOf(Error);
    expect(finish).toBeNull();
  });

  it("never sends [DONE] after a mid-stream error event", async () => {
    const res = await postJson("/v1/chat/completions", {
      model: MODEL,
      stream: true,
      messages: [{ role: "user", content: sim({ reply: "Cut short, please.", stream_error: "rate_limit_error" }) }],
    });
    expect(res.status).toBe(200);
    const body = await res.text().catch((e: unknown) => `errored: ${String(e)}`);
    expect(body).not.toContain("[DONE]");
    expect(body).not.toContain('"finish_reason":"stop"');
  });
});
