/**
 * Chat completions through the native Gemini adapter, driven by the official openai SDK
 * against the simulator. Upstream error answers are in the conformance table of
 * chat-upstream-errors.test.ts.
 */
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { openaiClient } from "./clients";
import { postJson, recorded, sim, upstream } from "./helpers";

const client = openaiClient();
const tag = () => `g-${crypto.randomUUID()}`;
const model = "gemini-sim";

type Part = Record<string, unknown>;
type Content = { role: string; parts: Part[] };

const weatherParams = { type: "object", properties: { city: { type: "string" } }, additionalProperties: false };
const weather: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "get_weather", parameters: weatherParams } }];
/** The simulator counts whitespace-separated words as tokens. */
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
/** The simulator signs the first function call the way thinking models do. */
const simSignature = (name: string) => btoa(String.fromCharCode(0xfb, 0xff, 0xbf) + `sim:${name}`);

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe("chat completions: Gemini reasoning", () => {
  it("asks for thought summaries with reasoning_effort, returns them as reasoning_content, and takes the signature back", async () => {
    const t = tag();
    const first = await client.chat.completions.create({ model, reasoning_effort: "medium", messages: [{ role: "user", content: `Think ${sim({ tag: t, reply: "Paris." })}` }] });
    const [sent] = await recorded(t);
    expect((sent?.body.generationConfig as Record<string, unknown>).thinkingConfig).toEqual({ thinkingBudget: 8192, includeThoughts: true });
    const message = first.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string; reasoning_details?: Array<{ data?: string }> };
    expect(message.content).toBe("Paris.");
    expect(message.reasoning_content).toBe("Thinking within 8192 tokens.");
    expect(message.reasoning_details).toEqual([{ type: "reasoning.encrypted", data: simSignature("text"), format: "google-gemini-v1", index: 0 }]);

    const t2 = tag();
    await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "Think" }, message as OpenAI.ChatCompletionMessageParam, { role: "user", content: `Again ${sim({ tag: t2 })}` }],
    });
    const [again] = await recorded(t2);
    expect((again?.body.contents as Content[])[1]).toEqual({ role: "model", parts: [{ text: "Paris.", thoughtSignature: simSignature("text") }] });
  });

  it("streams thought summaries as reasoning_content deltas", async () => {
    const stream = await client.chat.completions.create({ model, stream: true, reasoning_effort: "low", messages: [{ role: "user", content: sim({ reply: "Oslo." }) }] });
    let reasoning = "";
    let text = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      reasoning += delta?.reasoning_content ?? "";
      text += delta?.content ?? "";
    }
    expect(reasoning).toBe("Thinking within 1024 tokens.");
    expect(text).toBe("Oslo.");
  });
});

describe("chat completions: Gemini upstream", () => {
  it("answers a non-streaming request from generateContent, the key only in x-goog-api-key", async () => {
    const t = tag();
    const content = `hi ${sim({ tag: t, reply: "Bonjour, tout le monde." })}`;
    const { data, response } = await client.chat.completions
      .create({ model, temperature: 0.3, max_tokens: 50, messages: [{ role: "user", content }] })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("gemini-2.5-flash");
    expect(data.choices).toEqual([{ index: 0, message: { role: "assistant", content: "Bonjour, tout le monde." }, finish_reason: "stop", logprobs: null }]);
    expect(data.usage).toEqual({ prompt_tokens: words(content), completion_tokens: 4, total_tokens: words(content) + 4 });
    expect(response.headers.get("x-proxy-provider")).toBe("simgemini");

    const [upstream] = await recorded(t);
    expect(upstream?.path).toBe("/gemini/v1beta/models/gemini-2.5-flash:generateContent");
    expect(upstream?.headers["x-goog-api-key"]).toBe("sim-gemini-secret");
    expect(upstream?.headers.authorization).toBeUndefined();
    expect(upstream?.path).not.toMatch(/key=|sim-gemini-secret/);
    expect(upstream?.body.generationConfig).toEqual({ temperature: 0.3, maxOutputTokens: 50 });
  });

  it("streams from streamGenerateContent?alt=sse, and the assembled text is exact", async () => {
    const t = tag();
    const reply = "Streaming works, one word at a time.";
    const chunks = await collect(
      await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: sim({ tag: t, reply, keepalive: true }) }] }),
    );
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(reply);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.length).toBe(reply.split(" ").length + 2);
    const [upstream] = await recorded(t);
    expect(upstream?.path).toBe("/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    expect(upstream?.headers["x-goog-api-key"]).toBe("sim-gemini-secret");
  });

  it("ends with a usage chunk when stream_options.include_usage is set", async () => {
    const content = `count my tokens ${sim({ reply: "Four words right here." })}`;
    const chunks = await collect(
      await client.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content }] }),
    );
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: words(content), completion_tokens: 4, total_tokens: words(content) + 4 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("returns tool calls, streamed and not", async () => {
    const directive = sim({ tool_calls: [{ name: "get_weather", arguments: { city: "Oslo" } }, { name: "get_weather", arguments: { city: "Rome" } }] });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: directive }];
    const plain = await client.chat.completions.create({ model, tools: weather, messages });
    const choice = plain.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls?.map((c) => c.type === "function" && c.function)).toEqual([
      { name: "get_weather", arguments: '{"city":"Oslo"}' },
      { name: "get_weather", arguments: '{"city":"Rome"}' },
    ]);
    expect(plain.usage?.completion_tokens_details?.reasoning_tokens).toBe(5);

    const final = await client.chat.completions.stream({ model, tools: weather, stream: true, messages }).finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    expect(final.choices[0]?.message.tool_calls?.map((c) => c.type === "function" && c.function)).toEqual([
      { name: "get_weather", arguments: '{"city":"Oslo"}' },
      { name: "get_weather", arguments: '{"city":"Rome"}' },
    ]);
    const ids = final.choices[0]!.message.tool_calls!.map((c) => c.id);
    expect(new Set(ids).size).toBe(2);
  });

  it("carries a multi-turn tool conversation over, thought signature included", async () => {
    const first = await client.chat.completions.create({
      model,
      tools: weather,
      messages: [{ role: "user", content: `Weather in Oslo? ${sim({ tool_calls: [{ name: "get_weather", arguments: { city: "Oslo" } }] })}` }],
    });
    const toolCall = first.choices[0]!.message.tool_calls![0]!;

    const t = tag();
    await client.chat.completions.create({
      model,
      tools: weather,
      tool_choice: "auto",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: "Use metric units." },
        { role: "user", content: "Weather in Oslo?" },
        first.choices[0]!.message as OpenAI.ChatCompletionAssistantMessageParam,
        { role: "tool", tool_call_id: toolCall.id, content: '{"temp_c": 4}' },
        { role: "user", content: `And tomorrow? ${sim({ tag: t })}` },
      ],
    });
    const [upstream] = await recorded(t);
    const body = upstream!.body as { systemInstruction: Content; contents: Content[]; toolConfig: unknown; tools: unknown };
    expect(body.systemInstruction).toEqual({ parts: [{ text: "Be brief." }, { text: "Use metric units." }] });
    expect(body.contents.map((c) => c.role)).toEqual(["user", "model", "user"]);
    expect(body.contents[1]!.parts).toEqual([{ functionCall: { name: "get_weather", args: { city: "Oslo" } }, thoughtSignature: simSignature("get_weather") }]);
    expect(body.contents[2]!.parts[0]).toEqual({ functionResponse: { name: "get_weather", response: { temp_c: 4 } } });
    expect(body.contents[2]!.parts[1]).toEqual({ text: `And tomorrow? ${sim({ tag: t })}` });
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: weatherParams }] }]);
  });

  it("sends data: images as inlineData and https images as fileData", async () => {
    const t = tag();
    await client.chat.completions.create({
      model,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: `describe ${sim({ tag: t })}` },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.webp", detail: "low" } },
          ],
        },
      ],
    });
    const [upstream] = await recorded(t);
    expect((upstream!.body.contents as Content[])[0]!.parts.slice(1)).toEqual([
      { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
      { fileData: { mimeType: "image/webp", fileUri: "https://example.com/cat.webp" } },
    ]);
  });

  it("answers n > 1 with one choice per candidate", async () => {
    const completion = await client.chat.completions.create({ model, n: 2, messages: [{ role: "user", content: sim({ reply: "Twice." }) }] });
    expect(completion.choices.map((c) => [c.index, c.message.content])).toEqual([
      [0, "Twice."],
      [1, "Twice."],
    ]);
  });

  it.each([
    ["MAX_TOKENS", "length"],
    ["SAFETY", "content_filter"],
    ["PROMPT_BLOCKED", "content_filter"],
  ])("maps Gemini's %s to finish_reason %s, streamed and not", async (reason, finish) => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: sim({ finish_reason: reason }) }];
    const plain = await client.chat.completions.create({ model, messages });
    expect(plain.choices[0]?.finish_reason).toBe(finish);
    const chunks = await collect(await client.chat.completions.create({ model, stream: true, messages }));
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe(finish);
  });
});

describe("Gemini stream failures and requests it cannot express", () => {
  it("errors a stream that Gemini breaks off with an error, without a clean end", async () => {
    const error = { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } };
    const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: sim({ reply: "Half an answer", error_body: error }) }] });
    let text = "";
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(text).toBe("Half an answer");
  });

  it("errors a stream whose connection drops mid-answer", async () => {
    const reply = "one two three four";
    const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: sim({ reply, drop_after: 2 }) }] });
    let text = "";
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    // Frames still in the socket's buffer when it is destroyed are lost, so only a prefix is certain.
    expect(reply.startsWith(text) && text.length < reply.length).toBe(true);
  });

  it.each([
    [{ logprobs: true }, "logprobs"],
    [{ parallel_tool_calls: false, tools: weather }, "parallel_tool_calls"],
    [{ messages: [{ role: "user", content: "x" }, { role: "tool", tool_call_id: "call_unknown", content: "1" }] }, "messages[1].tool_call_id"],
  ])("refuses %j with a 400 naming %s, before calling Gemini", async (extra, param) => {
    const t = tag();
    const err = await client.chat.completions
      .create({ model, messages: [{ role: "user", content: sim({ tag: t }) }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    expect(await recorded(t)).toEqual([]);
  });

  it("refuses an audio part with a 400 naming it", async () => {
    const res = await postJson("/v1/chat/completions", {
      model,
      messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("messages[0].content[0]");
  });
});

describe("the Gemini simulator speaks Google's wire format", () => {
  const endpoint = (method: string) => `${upstream()}/gemini/v1beta/models/gemini-2.5-flash:${method}`;
  const body = (text: string) => JSON.stringify({ contents: [{ role: "user", parts: [{ text }] }] });

  it("refuses a request without an API key like Google does", async () => {
    const res = await fetch(endpoint("generateContent"), { method: "POST", headers: { "content-type": "application/json" }, body: body("hi") });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: number; status: string } }).error).toMatchObject({ code: 403, status: "PERMISSION_DENIED" });
  });

  it("refuses fields Gemini does not know with INVALID_ARGUMENT", async () => {
    const res = await fetch(endpoint("generateContent"), {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "k" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }], generationConfig: { max_tokens: 5 } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { status: string; message: string } }).error).toMatchObject({ status: "INVALID_ARGUMENT", message: expect.stringContaining("max_tokens") });
  });

  it("streams data: frames with CRLF line ends and no [DONE]", async () => {
    const res = await fetch(`${endpoint("streamGenerateContent")}?alt=sse`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "k" },
      body: body(sim({ reply: "Two words." })),
    });
    const text = await res.text();
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(text.split("\r\n\r\n").filter(Boolean).map((frame) => (JSON.parse(frame.replace(/^data: /, "")) as { candidates: unknown[] }).candidates.length)).toEqual([1, 1]);
    expect(text.replaceAll("\r\n", "")).not.toContain("\n");
    expect(text).not.toContain("[DONE]");
  });
});
