import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../errors";
import type { ChatRequest } from "../../openai/chat-request";
import { chatRequestSchema } from "../../openai/chat-request";
import fixture from "../../../test/fixtures/gemini/request-example.json";
import { buildGeminiRequest } from "./request";
import { toolCallId } from "./tool-ids";

/** Requests go through the real edge schema, so tests see exactly what the adapter gets. */
const request = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse({ model: "gemini-sim", ...body });
const user = (content: unknown) => ({ role: "user", content });

function rejection(body: Record<string, unknown>): InvalidRequestError {
  try {
    buildGeminiRequest(request(body));
  } catch (err) {
    if (err instanceof InvalidRequestError) return err;
    throw err;
  }
  throw new Error("expected an InvalidRequestError");
}

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const SIGNATURE = "CiQB0e2Kb7xV3m1q9pZkX0aJ3mY0uQ4f8Hc2rN6tLwS1dE5gA7o=";

describe("the golden request", () => {
  // The OpenAI conversation the fixture's Gemini body was written for.
  const weatherId = toolCallId(0, "abc", SIGNATURE);
  const body = buildGeminiRequest(
    request({
      messages: [
        { role: "system", content: "You are a concise travel assistant. Answer in JSON." },
        user([
          { type: "text", text: "Here are two photos of places I visited. What city is this, and what's the weather there now?" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: "image_url", image_url: { url: "https://upload.wikimedia.org/wikipedia/commons/a/a8/Tour_Eiffel_Wikimedia_Commons.jpg" } },
        ]),
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: weatherId, type: "function", function: { name: "get_weather", arguments: '{"location":"Paris, France","unit":"celsius"}' } },
            { id: "call_time", type: "function", function: { name: "get_time", arguments: '{"timezone":"Europe/Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: weatherId, content: '{"result":{"temperature":18,"unit":"celsius","conditions":"partly cloudy"}}' },
        { role: "tool", tool_call_id: "call_time", content: "14:05" },
        { role: "assistant", content: '{"city":"Paris","weather":"18°C, partly cloudy","local_time":"14:05"}' },
        user("And in London?"),
      ],
      tools: [
        { type: "function", function: { name: "get_weather", description: "Get the current weather for a city.", parameters: fixture.tools[0]!.functionDeclarations[0]!.parameters } },
        { type: "function", function: { name: "get_time", description: "Get the current local time in an IANA timezone.", parameters: fixture.tools[0]!.functionDeclarations[1]!.parametersJsonSchema } },
      ],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      temperature: 0.7,
      top_p: 0.95,
      max_tokens: 1024,
      stop: "END",
      response_format: { type: "json_schema", json_schema: { name: "answer", schema: fixture.generationConfig.responseJsonSchema } },
    }),
  );

  it("puts system text in systemInstruction and the turns in contents, as in the fixture", () => {
    expect(body.systemInstruction).toEqual(fixture.systemInstruction);
    expect(body.contents).toEqual(fixture.contents);
  });

  it("translates tool_choice, sampling and response_format as in the fixture", () => {
    expect(body.toolConfig).toEqual(fixture.toolConfig);
    expect(body.generationConfig).toEqual(fixture.generationConfig);
  });

  it("declares every tool with its JSON Schema as parametersJsonSchema", () => {
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          { name: "get_weather", description: "Get the current weather for a city.", parametersJsonSchema: fixture.tools[0]!.functionDeclarations[0]!.parameters },
          { name: "get_time", description: "Get the current local time in an IANA timezone.", parametersJsonSchema: fixture.tools[0]!.functionDeclarations[1]!.parametersJsonSchema },
        ],
      },
    ]);
  });
});

describe("messages", () => {
  it("merges consecutive same-role messages and joins system and developer messages", () => {
    const body = buildGeminiRequest(
      request({
        messages: [
          { role: "system", content: "one" },
          user("a"),
          { role: "developer", content: [{ type: "text", text: "two" }] },
          user([{ type: "text", text: "b" }]),
          { role: "assistant", content: "c" },
          { role: "assistant", content: [{ type: "text", text: "d" }] },
          user("e"),
        ],
      }),
    );
    expect(body.systemInstruction).toEqual({ parts: [{ text: "one" }, { text: "two" }] });
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "a" }, { text: "b" }] },
      { role: "model", parts: [{ text: "c" }, { text: "d" }] },
      { role: "user", parts: [{ text: "e" }] },
    ]);
  });

  it("sends no systemInstruction without system messages, and drops empty text", () => {
    const body = buildGeminiRequest(request({ messages: [user(""), { role: "assistant", content: "" }, user("hi")] }));
    expect(body).toEqual({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
  });

  it("guesses fileData mime types from the extension, with a JPEG default", () => {
    const urls = ["https://x.test/a.PNG", "http://x.test/b.webp?size=2", "https://x.test/c.gif", "https://x.test/photo"];
    const body = buildGeminiRequest(request({ messages: [user(urls.map((url) => ({ type: "image_url", image_url: { url, detail: "low" } })))] }));
    expect(body.contents[0]!.parts.map((p) => p.fileData?.mimeType)).toEqual(["image/png", "image/webp", "image/gif", "image/jpeg"]);
    expect(body.contents[0]!.parts[1]!.fileData?.fileUri).toBe(urls[1]);
  });

  it("turns a tool result that is not a JSON object into {result: text}", () => {
    const messages = [
      user("go"),
      { role: "assistant", content: "Checking.", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "" } }] },
      { role: "tool", tool_call_id: "c1", content: [{ type: "text", text: "[1," }, { type: "text", text: "2]" }] },
    ];
    const body = buildGeminiRequest(request({ messages }));
    expect(body.contents[1]).toEqual({ role: "model", parts: [{ text: "Checking." }, { functionCall: { name: "f", args: {} } }] });
    expect(body.contents[2]).toEqual({ role: "user", parts: [{ functionResponse: { name: "f", response: { result: "[1,2]" } } }] });
  });

  it("sends a thoughtSignature back only for ids that carry one", () => {
    const signed = toolCallId(3, "tok", "q+/9Zw==");
    const messages = [
      user("go"),
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: signed, type: "function", function: { name: "f", arguments: "{}" } },
          { id: "call_foreign_1", type: "function", function: { name: "g", arguments: "{}" } },
        ],
      },
    ];
    const parts = buildGeminiRequest(request({ messages })).contents[1]!.parts;
    expect(parts[0]).toEqual({ functionCall: { name: "f", args: {} }, thoughtSignature: "q+/9Zw==" });
    expect(parts[1]).toEqual({ functionCall: { name: "g", args: {} } });
  });

  it.each([
    [{ messages: [user("x"), { role: "tool", tool_call_id: "nope", content: "1" }] }, "messages[1].tool_call_id"],
    [{ messages: [user([{ type: "input_audio", input_audio: { data: "AA==", format: "wav" } }])] }, "messages[0].content[0]"],
    [{ messages: [user([{ type: "file", file: { file_id: "f1" } }])] }, "messages[0].content[0]"],
    [{ messages: [user([{ type: "text", text: "x" }, { type: "image_url", image_url: { url: "gs://bucket/a.png" } }])] }, "messages[0].content[1].image_url.url"],
    [{ messages: [user([{ type: "image_url", image_url: { url: "data:image/svg+xml,<svg/>" } }])] }, "messages[0].content[0].image_url.url"],
    [{ messages: [user("x"), { role: "assistant", content: null, tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "[1]" } }] }] }, "messages[1].tool_calls[0].function.arguments"],
    [{ messages: [{ role: "system", content: "only rules" }] }, "messages"],
  ])("refuses %j naming %s", (body, param) => {
    expect(rejection(body).param).toBe(param);
  });
});

describe("tools and parameters", () => {
  const tools = [{ type: "function", function: { name: "f" } }];

  it.each([
    ["none", { mode: "NONE" }],
    ["auto", { mode: "AUTO" }],
    ["required", { mode: "ANY" }],
  ])("maps tool_choice %s", (choice, config) => {
    const body = buildGeminiRequest(request({ messages: [user("x")], tools, tool_choice: choice }));
    expect(body.toolConfig).toEqual({ functionCallingConfig: config });
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: "f" }] }]);
  });

  it("leaves toolConfig to Gemini's default when tool_choice is absent, and tools out when there are none", () => {
    expect(buildGeminiRequest(request({ messages: [user("x")], tools })).toolConfig).toBeUndefined();
    expect(buildGeminiRequest(request({ messages: [user("x")], tools: [], tool_choice: "none" }))).toEqual({ contents: [{ role: "user", parts: [{ text: "x" }] }] });
  });

  it("maps every sampling parameter, preferring max_completion_tokens", () => {
    const body = buildGeminiRequest(
      request({
        messages: [user("x")],
        max_tokens: 5,
        max_completion_tokens: 9,
        stop: ["a", "b"],
        n: 2,
        seed: 42,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        reasoning_effort: "low",
        response_format: { type: "json_object" },
      }),
    );
    expect(body.generationConfig).toEqual({
      maxOutputTokens: 9,
      stopSequences: ["a", "b"],
      candidateCount: 2,
      seed: 42,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
      responseMimeType: "application/json",
    });
  });

  it("turns thinking off for reasoning_effort none, and passes top_k", () => {
    const body = buildGeminiRequest(request({ messages: [user("x")], reasoning_effort: "none", top_k: 40 }));
    expect(body.generationConfig).toEqual({ topK: 40, thinkingConfig: { thinkingBudget: 0 } });
  });

  it("returns a turn's thought signature to its first part, and reports tool errors under error", () => {
    const body = buildGeminiRequest(
      request({
        messages: [
          user("x"),
          {
            role: "assistant",
            content: "Calling.",
            reasoning_details: [
              { type: "reasoning.text", text: "t", signature: "anthropic-sig", format: "anthropic-claude-v1" },
              { type: "reasoning.encrypted", data: SIGNATURE, format: "google-gemini-v1" },
            ],
            tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
          },
          { role: "tool", tool_call_id: "call_1", content: "failed", is_error: true },
        ],
      }),
    );
    expect(body.contents[1]).toEqual({ role: "model", parts: [{ text: "Calling.", thoughtSignature: SIGNATURE }, { functionCall: { name: "f", args: {} } }] });
    expect(body.contents[2]?.parts).toEqual([{ functionResponse: { name: "f", response: { error: "failed" } } }]);
  });

  it("accepts harmless hints without sending anything for them", () => {
    const body = buildGeminiRequest(
      request({
        messages: [user("x")],
        user: "u1",
        store: false,
        metadata: { a: "b" },
        parallel_tool_calls: true,
        stream_options: { include_usage: true },
        logprobs: false,
        n: 1,
        response_format: { type: "text" },
      }),
    );
    expect(body).toEqual({ contents: [{ role: "user", parts: [{ text: "x" }] }] });
  });

  it.each([
    [{ logprobs: true }, "logprobs"],
    [{ top_logprobs: 2 }, "top_logprobs"],
    [{ logit_bias: { "50256": -100 } }, "logit_bias"],
    [{ audio: { voice: "alloy", format: "wav" } }, "audio"],
    [{ modalities: ["text", "audio"] }, "modalities"],
    [{ prediction: { type: "content", content: "x" } }, "prediction"],
    [{ parallel_tool_calls: false, tools }, "parallel_tool_calls"],
    [{ functions: [{ name: "f" }] }, "functions"],
    [{ seed: 1.5 }, "seed"],
    [{ presence_penalty: "high" }, "presence_penalty"],
    [{ reasoning_effort: "extreme" }, "reasoning_effort"],
    [{ tool_choice: "required" }, "tool_choice"],
    [{ tools, tool_choice: { type: "function", function: { name: "other" } } }, "tool_choice"],
  ])("refuses %j with param %s", (extra, param) => {
    const err = rejection({ messages: [user("x")], ...extra });
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
    expect(err.message).toContain(param);
  });
});
