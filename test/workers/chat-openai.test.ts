/**
 * Chat completions through the OpenAI-compatible adapter, driven by the official openai SDK.
 * Upstream failures are in the conformance table of chat-upstream-errors.test.ts.
 */
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { openaiClient } from "./clients";
import { postJson, recorded, sim } from "./helpers";

const client = openaiClient();
const tag = () => `t-${crypto.randomUUID()}`;

describe("chat completions: OpenAI-compatible upstream", () => {
  it("answers a non-streaming request and rewrites only `model` upstream", async () => {
    const t = tag();
    const body = {
      model: "sim-small",
      messages: [{ role: "user" as const, content: `hi ${sim({ tag: t, reply: "Hello there, friend." })}` }],
      temperature: 0.2,
      seed: 7,
      logprobs: false,
      reasoning_effort: "low",
      provider: { order: ["groq"] },
    };
    const { data, response } = await client.chat.completions.create(body as OpenAI.ChatCompletionCreateParamsNonStreaming).withResponse();
    expect(data.choices[0]?.message.content).toBe("Hello there, friend.");
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-proxy-model")).toBe("sim-small");
    expect(response.headers.get("x-proxy-provider")).toBe("sim");
    const [upstream] = await recorded(t);
    expect(upstream?.path).toBe("/openai/v1/chat/completions");
    // Everything passes through but `model`, and OpenRouter's routing fields, which this provider does not allow.
    const { provider: _routing, ...forwarded } = body;
    expect(upstream?.body).toEqual({ ...forwarded, model: "sim/small-1" });
    expect(upstream?.headers.authorization).toBe("Bearer sk-sim-openai-secret");
    expect(upstream?.headers["x-sim-extra"]).toBe("configured");
  });

  it("sends the client's own bytes upstream, only `model` and the policy's edits spliced in", async () => {
    const t = tag();
    const content = `say \\"hi\\" {not: json} ${sim({ tag: t, reply: "Spliced." }).replaceAll('"', '\\"')}`;
    // Spacing, key order and number spellings JSON.stringify would not reproduce.
    const text = `{\n  "messages": [ { "role": "user", "content": "${content}" } ],\n  "temperature": 1.0,\n  "model" : "sim-small",\n  "provider": {"order": ["groq"]}, "seed": 7e0\n}`;
    const res = await postJson("/v1/chat/completions", text);
    expect(res.status).toBe(200);
    const [upstream] = await recorded(t);
    expect(upstream!.raw).toBe(`{"messages": [ { "role": "user", "content": "${content}" } ],"temperature": 1.0,"model":"sim/small-1","seed": 7e0}`);
    // A cap the model declares is added when the client set none.
    const capped = tag();
    await postJson("/v1/chat/completions", `{"model":"pol-capped",  "messages":[{"role":"user","content":"${sim({ tag: capped }).replaceAll('"', '\\"')}"}]}`);
    const [sent] = await recorded(capped);
    expect(sent!.raw).toBe(`{"model":"sim/pol-capped","messages":[{"role":"user","content":"${sim({ tag: capped }).replaceAll('"', '\\"')}"}],"max_tokens":100}`);
  });

  it("sends a body with a top-level key given twice as one value per key: the one validation saw", async () => {
    const t = tag();
    const content = sim({ tag: t }).replaceAll('"', '\\"');
    const text = `{"model":"sim-small","max_tokens":100000,"messages":[{"role":"user","content":"${content}"}],"max_tokens":5,"model":"pol-capped"}`;
    const res = await postJson("/v1/chat/completions", text);
    expect(res.status).toBe(200);
    const [upstream] = await recorded(t);
    expect(upstream!.raw.match(/"model"/g)).toHaveLength(1);
    expect(upstream!.raw.match(/"max_tokens"/g)).toHaveLength(1);
    expect(upstream!.body).toMatchObject({ model: "sim/pol-capped", max_tokens: 5 });
  });

  it("never sends a __proto__ member: validation never saw it", async () => {
    const t = tag();
    const content = sim({ tag: t }).replaceAll('"', '\\"');
    const text = `{"model":"pol-capped","messages":[{"role":"user","content":"${content}"}],"__proto__":{"max_tokens":100000,"provider":{"order":["x"]}}}`;
    expect((await postJson("/v1/chat/completions", text)).status).toBe(200);
    const [upstream] = await recorded(t);
    expect(upstream!.raw).toBe(`{"model":"sim/pol-capped","messages":[{"role":"user","content":"${content}"}],"max_tokens":100}`);
    // Nested past the depth limit inside it, which validation never walks: still no 500.
    const deep = tag();
    const nested = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const deepText = `{"model":"sim-small","model":"sim-small","messages":[{"role":"user","content":"${sim({ tag: deep }).replaceAll('"', '\\"')}"}],"__proto__":${nested}}`;
    expect((await postJson("/v1/chat/completions", deepText)).status).toBe(200);
    expect((await recorded(deep))[0]!.raw).not.toContain("__proto__");
  });

  it("streams, and the assembled text is exact", async () => {
    const reply = "Streaming works, one word at a time.";
    const stream = await client.chat.completions.create({
      model: "sim-small",
      stream: true,
      messages: [{ role: "user", content: sim({ reply, split_writes: true, keepalive: true }) }],
    });
    let text = "";
    let finish: string | null = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(reply);
    expect(finish).toBe("stop");
    expect(chunks).toBeGreaterThan(3);
  });

  it("passes stream_options.include_usage through and ends with a usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "sim-small",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "count my tokens" }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.prompt_tokens).toBe(3);
    expect(last.usage?.total_tokens).toBe(last.usage!.prompt_tokens + last.usage!.completion_tokens);
  });

  it("returns tool calls, streamed and not", async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
    ];
    const directive = sim({ tool_calls: [{ name: "get_weather", arguments: { city: "Oslo" } }] });
    const plain = await client.chat.completions.create({ model: "sim-small", tools, messages: [{ role: "user", content: directive }] });
    expect(plain.choices[0]?.finish_reason).toBe("tool_calls");
    expect(plain.choices[0]?.message.tool_calls?.[0]).toMatchObject({ type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } });

    const stream = client.chat.completions.stream({ model: "sim-small", tools, stream: true, messages: [{ role: "user", content: directive }] });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: "get_weather", arguments: '{"city":"Oslo"}' } });
  });

  it("forwards image parts unchanged", async () => {
    const t = tag();
    const content: OpenAI.ChatCompletionContentPart[] = [
      { type: "text", text: `describe ${sim({ tag: t })}` },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
      { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
    ];
    await client.chat.completions.create({ model: "sim-small", messages: [{ role: "user", content }] });
    const [upstream] = await recorded(t);
    expect((upstream?.body.messages as Array<{ content: unknown }>)[0]?.content).toEqual(content);
  });

  it("sends no authorization upstream for a provider without api_key_env", async () => {
    const t = tag();
    await client.chat.completions.create({ model: "open-model", messages: [{ role: "user", content: sim({ tag: t }) }] });
    const [upstream] = await recorded(t);
    expect(upstream?.headers.authorization).toBeUndefined();
  });
});

describe("reasoning", () => {
  it("returns a reasoning model's reasoning_content, and passes it on unchanged in history", async () => {
    const t = `o-${crypto.randomUUID()}`;
    const first = await client.chat.completions.create({ model: "sim-small", reasoning_effort: "high", messages: [{ role: "user", content: sim({ reply: "42." }) }] });
    const message = first.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    expect(message.reasoning_content).toBe("Reasoning at high effort.");
    await client.chat.completions.create({
      model: "sim-small",
      messages: [{ role: "user", content: "q" }, message as OpenAI.ChatCompletionMessageParam, { role: "user", content: sim({ tag: t }) }],
    });
    const [sent] = await recorded(t);
    expect((sent?.body.messages as Array<Record<string, unknown>>)[1]).toMatchObject({ role: "assistant", content: "42.", reasoning_content: "Reasoning at high effort." });
  });
});

describe("model resolution", () => {
  it("sends a category to its first model by priority, and a missing model to default_size", async () => {
    for (const model of ["SMALL", undefined]) {
      const res = await postJson("/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }] });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-proxy-model")).toBe("sim-small");
    }
    const big = await postJson("/chat/completions", { model: "BIG", messages: [{ role: "user", content: "hi" }] });
    expect(big.headers.get("x-proxy-model")).toBe("sim-big");
  });

  it("answers an unknown model with 404 model_not_found, which the SDK raises as NotFoundError", async () => {
    const err = await client.chat.completions.create({ model: "gpt-99", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });

  it("refuses an image model for chat", async () => {
    const res = await postJson("/v1/chat/completions", { model: "sim-image", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("model_type_mismatch");
  });
});
