/**
 * GigaChat through the whole Worker with the openai SDK, against the simulator's
 * GigaChat-shaped API (which refuses `tools` with a 422, as GigaChat does): plain and
 * streamed answers, a tool-call round trip where the call comes back as OpenAI
 * tool_calls and the tool's result goes up as a `role: "function"` message, tool use
 * through the Messages API, and OpenAI-shaped 400s for what GigaChat cannot take.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type OpenAI from "openai";
import { anthropicClient, openaiClient } from "./clients";
import { postJson, recorded, sim, upstream } from "./helpers";

const vars = env as unknown as Record<string, string>;
const tools = [
  { type: "function" as const, function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } } },
];
const weather = (tag: string) => sim({ tag, tool_calls: [{ name: "get_weather", arguments: { city: "Paris" } }] });

describe("GigaChat adapter", () => {
  it("answers a plain request", async () => {
    const answer = await openaiClient().chat.completions.create({ model: "giga-pro", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello" }] });
    expect(answer.choices[0]).toMatchObject({ message: { role: "assistant", content: "Hello from GigaChat-Pro." }, finish_reason: "stop" });
    expect(answer.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
  });

  it("streams an answer, with usage when asked", async () => {
    const stream = await openaiClient().chat.completions.create({ model: "giga-pro", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Hello" }] });
    let text = "";
    const finishes: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("Hello from GigaChat-Pro.");
    expect(finishes).toEqual(["stop"]);
    expect(usage).toMatchObject({ completion_tokens: 3 });
  });

  it("round-trips a tool call: functions up, tool_calls down, the result up as a function message", async () => {
    const client = openaiClient();
    const tag = `giga-tools-${crypto.randomUUID()}`;
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: `${weather(tag)} Weather in Paris?` }];
    const first = await client.chat.completions.create({ model: "giga-pro", tools, tool_choice: "auto", messages });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } });
    expect(call?.id).toMatch(/^call_/);
    messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: call!.id, content: '{"temp_c":18}' });
    const second = await client.chat.completions.create({ model: "giga-pro", tools, messages });
    expect(second.choices[0]).toMatchObject({ message: { content: 'get_weather returned {"temp_c":18}' }, finish_reason: "stop" });

    const [up1, up2] = await recorded(tag);
    expect(up1?.body).not.toHaveProperty("tools");
    expect(up1?.body).toMatchObject({ model: "GigaChat-Pro", function_call: "auto", functions: [{ name: "get_weather", description: "Weather in a city", parameters: tools[0]!.function.parameters }] });
    expect((up2?.body.messages as unknown[]).slice(1)).toEqual([
      { role: "assistant", content: "", function_call: { name: "get_weather", arguments: { city: "Paris" } } },
      { role: "function", name: "get_weather", content: '{"temp_c":18}' },
    ]);
  });

  it("sends parallel tool calls from history as call, result, call, result, which GigaChat accepts", async () => {
    const calls = [
      { id: "call_a", type: "function" as const, function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
      { id: "call_b", type: "function" as const, function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
    ];
    const answer = await openaiClient().chat.completions.create({
      model: "giga-pro",
      tools,
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        { role: "assistant", content: null, tool_calls: calls },
        { role: "tool", tool_call_id: "call_b", content: '{"temp_c":24}' },
        { role: "tool", tool_call_id: "call_a", content: "cloudy" },
      ],
    });
    // The last function message GigaChat sees is Rome's, the second call's.
    expect(answer.choices[0]?.message.content).toBe('get_weather returned {"temp_c":24}');
  });

  it("streams a tool call as one whole tool_call delta", async () => {
    const stream = await openaiClient().chat.completions.create({ model: "giga-pro", stream: true, tools, messages: [{ role: "user", content: `${weather(`giga-s-${crypto.randomUUID()}`)} Weather?` }] });
    const calls: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    const finishes: string[] = [];
    for await (const chunk of stream) {
      calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    expect(calls).toEqual([{ index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
    expect(finishes).toEqual(["tool_calls"]);
  });

  it("serves an Anthropic client's streamed tool use through the Messages API", async () => {
    const { client, checked } = anthropicClient();
    const stream = client.messages.stream({
      model: "giga-pro",
      max_tokens: 200,
      tools: [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
      messages: [{ role: "user", content: `${weather(`giga-m-${crypto.randomUUID()}`)} Weather?` }],
    });
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toContainEqual(expect.objectContaining({ type: "tool_use", name: "get_weather", input: { city: "Paris" } }));
    await checked();
  });

  it("answers what GigaChat cannot take with an OpenAI-shaped 400 naming the parameter", async () => {
    const res = await postJson("/v1/chat/completions", { model: "giga-pro", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "invalid_request_error", param: "messages[0]", message: expect.stringMatching(/text only/) } });
    const json = await postJson("/v1/chat/completions", { model: "giga-pro", response_format: { type: "json_object" }, messages: [{ role: "user", content: "hi" }] });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: { param: "response_format", code: "unsupported_parameter" } });
  });

  it("keeps the simulator honest: GigaChat itself refuses `tools` and lists its models", async () => {
    const token = (await (await fetch(`${upstream()}/oauth/token`, { method: "POST", headers: { authorization: `Basic ${btoa(`${vars.GIGA_CLIENT_ID}:${vars.GIGA_CLIENT_SECRET}`)}`, rquid: crypto.randomUUID(), "content-type": "application/x-www-form-urlencoded" }, body: "grant_type=client_credentials&scope=GIGACHAT_API_PERS" })).json()) as { access_token: string };
    const headers = { authorization: `Bearer ${token.access_token}`, "content-type": "application/json" };
    const refused = await fetch(`${upstream()}/gigachat/api/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify({ model: "GigaChat", tools, messages: [{ role: "user", content: "hi" }] }) });
    expect(refused.status).toBe(422);
    const models = (await (await fetch(`${upstream()}/gigachat/api/v1/models`, { headers })).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toContain("GigaChat");
  });
});
