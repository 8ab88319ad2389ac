/** OpenAI requests -> Messages API bodies, checked against the golden request fixture and rule by rule. */
import { authorize } from "../credentials";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import expectedExample from "../../../test/fixtures/anthropic/request-example.json";
import type { ResolvedModel } from "../../config/catalog";
import { InvalidRequestError } from "../../errors";
import { type ChatRequest, chatRequestSchema } from "../../openai/chat-request";
import { anthropicAdapter } from "./index";
import { DEFAULT_MAX_TOKENS, translateRequest } from "./request";

const MODEL = "claude-haiku-4-5";
const chat = (body: Record<string, unknown>): ChatRequest => z.parse(chatRequestSchema, body);
const translate = (body: Record<string, unknown>) => translateRequest(chat(body), MODEL);
const user = (content: unknown) => ({ role: "user", content });

function rejection(body: Record<string, unknown>): InvalidRequestError {
  try {
    translate(body);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    return err as InvalidRequestError;
  }
  throw new Error(`expected a 400 for ${JSON.stringify(body)}`);
}

const weatherSchema = expectedExample.tools[0]!.input_schema;
const timeSchema = expectedExample.tools[1]!.input_schema;
const tools = [
  { type: "function", function: { name: "get_weather", description: "Get the current weather for a city.", parameters: weatherSchema } },
  { type: "function", function: { name: "get_time", description: "Get the current local time in an IANA timezone.", parameters: timeSchema } },
];

describe("translateRequest: the golden example", () => {
  it("produces the fixture's body from the equivalent OpenAI request", () => {
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    const body = translateRequest(
      chat({
        model: "claude-sim",
        max_tokens: 1024,
        temperature: 0.7,
        top_p: 0.95,
        stop: "END",
        tool_choice: "auto",
        tools,
        messages: [
          { role: "system", content: "You are a concise travel assistant." },
          user([
            { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
            { type: "image_url", image_url: { url: "https://upload.wikimedia.org/wikipedia/commons/a/a8/Tour_Eiffel_Wikimedia_Commons.jpg", detail: "high" } },
            { type: "text", text: "Here are two photos of places I visited. What city is this, and what's the weather there now?" },
          ]),
          {
            role: "assistant",
            content: "That's Paris. Let me check the weather and local time.",
            tool_calls: [
              { id: "toolu_01A09q90qw90lq917835lq9", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris, France","unit":"celsius"}' } },
              { id: "toolu_01B7x3kQm2ZpN8rT4vW6yH1c", type: "function", function: { name: "get_time", arguments: '{"timezone":"Europe/Paris"}' } },
            ],
          },
          { role: "tool", tool_call_id: "toolu_01A09q90qw90lq917835lq9", content: '{"temperature":18,"unit":"celsius","conditions":"partly cloudy"}' },
          { role: "tool", tool_call_id: "toolu_01B7x3kQm2ZpN8rT4vW6yH1c", content: [{ type: "text", text: "Timezone service unavailable" }] },
          user("And in London?"),
        ],
      }),
      "claude-sonnet-4-5-20250929",
    );
    // OpenAI tool messages have no error flag, parallel calls are Anthropic's default, and
    // a non-streaming request simply leaves `stream` out.
    const expected = structuredClone(expectedExample) as Record<string, unknown> & typeof expectedExample;
    delete (expected.messages[2]!.content[1] as { is_error?: boolean }).is_error;
    expected.tool_choice = { type: "auto" } as typeof expected.tool_choice;
    delete (expected as { stream?: boolean }).stream;
    expect(body).toEqual(expected);
  });
});

describe("translateRequest: messages", () => {
  it("collects system and developer messages from anywhere, in order", () => {
    const body = translate({
      messages: [
        { role: "system", content: "Be brief." },
        user("hi"),
        { role: "developer", content: [{ type: "text", text: "Answer in French." }, { type: "text", text: "No emoji." }] },
        user("again"),
      ],
    });
    expect(body.system).toEqual([
      { type: "text", text: "Be brief." },
      { type: "text", text: "Answer in French." },
      { type: "text", text: "No emoji." },
    ]);
    expect(body.messages).toEqual([{ role: "user", content: [{ type: "text", text: "hi" }, { type: "text", text: "again" }] }]);
  });

  it("sends one system message as a string and leaves `system` out without one", () => {
    expect(translate({ messages: [{ role: "system", content: "S" }, user("u")] }).system).toBe("S");
    expect(translate({ messages: [user("u")] })).not.toHaveProperty("system");
  });

  it("merges consecutive same-role turns and keeps the turns alternating", () => {
    const body = translate({
      messages: [user("a"), user("b"), { role: "assistant", content: "c" }, { role: "assistant", content: [{ type: "text", text: "d" }] }, user("e")],
    });
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
      { role: "assistant", content: [{ type: "text", text: "c" }, { type: "text", text: "d" }] },
      { role: "user", content: [{ type: "text", text: "e" }] },
    ]);
  });

  it("leaves out empty text and an assistant turn that only carried tool calls has no text block", () => {
    const body = translate({
      messages: [
        user("q"),
        { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "f", arguments: "" } }] },
        { role: "tool", tool_call_id: "toolu_1", content: "" },
        { role: "assistant", content: "" },
        user(""),
      ],
    });
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "q" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "f", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1" }] },
    ]);
  });

  it("puts tool results first in their user turn even when the client sent text before them", () => {
    const body = translate({
      messages: [
        user("q"),
        { role: "assistant", tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{}" } }] },
        user("while you are at it"),
        { role: "tool", tool_call_id: "t1", content: "42" },
      ],
    });
    expect(body.messages[2]).toEqual({
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "t1", content: "42" }, { type: "text", text: "while you are at it" }],
    });
  });

  it("refuses a conversation of system messages only", () => {
    expect(rejection({ messages: [{ role: "system", content: "S" }] }).param).toBe("messages");
  });

  it("refuses tool-call arguments that are not a JSON object, naming the argument", () => {
    const call = (args: string) => ({
      messages: [user("q"), { role: "assistant", tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: args } }] }],
    });
    expect(rejection(call("{not json")).param).toBe("messages[1].tool_calls[0].function.arguments");
    expect(rejection(call("[1,2]")).param).toBe("messages[1].tool_calls[0].function.arguments");
  });
});

describe("translateRequest: content parts", () => {
  const part = (p: unknown) => translate({ messages: [user([p])] }).messages[0]!.content[0];

  it("sends data: images as base64 and http(s) images by URL, dropping `detail`", () => {
    expect(part({ type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ", detail: "low" } })).toEqual({
      type: "image",
      source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" },
    });
    expect(part({ type: "image_url", image_url: { url: "https://example.com/cat.webp" } })).toEqual({
      type: "image",
      source: { type: "url", url: "https://example.com/cat.webp" },
    });
  });

  it("sends an inline PDF file as a document block", () => {
    expect(part({ type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } })).toEqual({
      type: "document",
      source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
      title: "a.pdf",
    });
  });

  it.each([
    [{ type: "image_url", image_url: { url: "data:image/bmp;base64,Qk0=" } }, "messages[0].content[1].image_url.url"],
    [{ type: "image_url", image_url: { url: "data:image/png,raw" } }, "messages[0].content[1].image_url.url"],
    [{ type: "image_url", image_url: { url: "ftp://example.com/a.png" } }, "messages[0].content[1].image_url.url"],
    [{ type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } }, "messages[0].content[1]"],
    [{ type: "file", file: { file_id: "file-abc" } }, "messages[0].content[1].file"],
    [{ type: "file", file: { file_data: "data:text/plain;base64,aGk=" } }, "messages[0].content[1].file"],
  ])("refuses %j with its path as `param`", (p, param) => {
    expect(rejection({ messages: [user([{ type: "text", text: "look" }, p])] }).param).toBe(param);
  });
});

describe("translateRequest: tools", () => {
  const withTools = (extra: Record<string, unknown>) => translate({ messages: [user("q")], tools, ...extra });

  it("maps definitions, giving a parameterless function an empty object schema and keeping strict", () => {
    const body = translate({ messages: [user("q")], tools: [{ type: "function", function: { name: "ping", strict: true } }] });
    expect(body.tools).toEqual([{ name: "ping", input_schema: { type: "object", properties: {} }, strict: true }]);
    expect(body).not.toHaveProperty("tool_choice");
    expect(withTools({}).tools?.[0]).toEqual({ name: "get_weather", description: "Get the current weather for a city.", input_schema: weatherSchema });
  });

  it.each([
    ["none", undefined, { type: "none" }],
    ["auto", undefined, { type: "auto" }],
    ["required", undefined, { type: "any" }],
    [{ type: "function", function: { name: "get_time" } }, undefined, { type: "tool", name: "get_time" }],
    ["required", false, { type: "any", disable_parallel_tool_use: true }],
    [{ type: "function", function: { name: "get_time" } }, false, { type: "tool", name: "get_time", disable_parallel_tool_use: true }],
    [undefined, false, { type: "auto", disable_parallel_tool_use: true }],
    ["none", false, { type: "none" }],
    ["auto", true, { type: "auto" }],
  ])("tool_choice %j with parallel_tool_calls %j -> %j", (tool_choice, parallel_tool_calls, expected) => {
    expect(withTools({ tool_choice, parallel_tool_calls }).tool_choice).toEqual(expected);
  });

  it("sends neither tools nor tool_choice when there are no tools", () => {
    const body = translate({ messages: [user("q")], tool_choice: "auto", parallel_tool_calls: false });
    expect(body).not.toHaveProperty("tools");
    expect(body).not.toHaveProperty("tool_choice");
  });
});

describe("translateRequest: parameters", () => {
  it("requires max_tokens upstream: max_completion_tokens, then max_tokens, then the default", () => {
    expect(translate({ messages: [user("q")] }).max_tokens).toBe(DEFAULT_MAX_TOKENS);
    expect(DEFAULT_MAX_TOKENS).toBe(4096);
    expect(translate({ messages: [user("q")], max_tokens: 50 }).max_tokens).toBe(50);
    expect(translate({ messages: [user("q")], max_tokens: 50, max_completion_tokens: 70 }).max_tokens).toBe(70);
  });

  it("maps temperature, top_p, stop, user and stream", () => {
    const body = translate({ messages: [user("q")], temperature: 1, top_p: 0.5, stop: ["a", "b"], user: "u-42", stream: true });
    expect(body).toMatchObject({ temperature: 1, top_p: 0.5, stop_sequences: ["a", "b"], metadata: { user_id: "u-42" }, stream: true });
    expect(translate({ messages: [user("q")], stop: [] })).not.toHaveProperty("stop_sequences");
  });

  it("refuses a temperature above Anthropic's 0..1 range instead of clamping it", () => {
    const err = rejection({ messages: [user("q")], temperature: 1.5 });
    expect(err.param).toBe("temperature");
    expect(err.status).toBe(400);
  });

  it("maps response_format json_schema to output_config and refuses json_object", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
    const body = translate({ messages: [user("q")], response_format: { type: "json_schema", json_schema: { name: "c", schema, strict: true } } });
    expect(body.output_config).toEqual({ format: { type: "json_schema", schema } });
    expect(translate({ messages: [user("q")], response_format: { type: "text" } })).not.toHaveProperty("output_config");
    expect(rejection({ messages: [user("q")], response_format: { type: "json_object" } }).param).toBe("response_format");
    expect(rejection({ messages: [user("q")], response_format: { type: "json_schema", json_schema: { name: "c" } } }).param).toBe(
      "response_format.json_schema.schema",
    );
  });

  it.each([
    ["n", 2],
    ["logprobs", true],
    ["top_logprobs", 3],
    ["presence_penalty", 0.5],
    ["frequency_penalty", -1],
    ["logit_bias", { "50256": -100 }],
    ["audio", { voice: "alloy", format: "wav" }],
    ["modalities", ["text", "audio"]],
    ["functions", [{ name: "f" }]],
  ])("refuses %s=%j naming it", (param, value) => {
    const err = rejection({ messages: [user("q")], [param]: value });
    expect(err.param).toBe(param);
    expect(err.code).toBe("unsupported_parameter");
  });

  it("accepts no-op values and hints, which do not reach the upstream body", () => {
    const body = translate({
      messages: [user("q")],
      n: 1,
      logprobs: false,
      presence_penalty: 0,
      frequency_penalty: 0,
      logit_bias: {},
      modalities: ["text"],
      seed: 7,
      store: false,
      metadata: { trace: "x" },
      stream_options: { include_usage: true },
      service_tier: "auto",
    });
    expect(body).toEqual({ model: MODEL, max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: "user", content: [{ type: "text", text: "q" }] }] });
  });
});

describe("translateRequest: reasoning", () => {
  it("turns reasoning_effort into extended thinking, adding the budget to the default token limit", () => {
    expect(translate({ messages: [user("q")], reasoning_effort: "medium" })).toMatchObject({ max_tokens: DEFAULT_MAX_TOKENS + 8192, thinking: { type: "enabled", budget_tokens: 8192 } });
    expect(translate({ messages: [user("q")], reasoning_effort: "none" })).not.toHaveProperty("thinking");
  });

  it("fits the budget under a client's token limit, and refuses one too small to think in", () => {
    expect(translate({ messages: [user("q")], reasoning_effort: "high", max_tokens: 5000 })).toMatchObject({ max_tokens: 5000, thinking: { budget_tokens: 4999 } });
    expect(rejection({ messages: [user("q")], reasoning_effort: "low", max_tokens: 800 }).param).toBe("max_tokens");
    expect(rejection({ messages: [user("q")], reasoning_effort: "extreme" }).param).toBe("reasoning_effort");
  });

  it("sends thinking blocks back from reasoning_details, signatures intact, before the turn's text and calls", () => {
    const body = translate({
      reasoning_effort: "low",
      messages: [
        user("q"),
        {
          role: "assistant",
          content: "Checking.",
          reasoning_content: "Let me look.",
          reasoning_details: [
            { type: "reasoning.text", text: "Let me look.", signature: "c2ln", format: "anthropic-claude-v1" },
            { type: "reasoning.encrypted", data: "cmVk", format: "anthropic-claude-v1" },
            { type: "reasoning.encrypted", data: "Z2Vt", format: "google-gemini-v1" },
          ],
          tool_calls: [{ id: "toolu_1", type: "function", function: { name: "f", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "boom", is_error: true },
      ],
    });
    expect(body.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(body.messages[1]?.content).toEqual([
      { type: "thinking", thinking: "Let me look.", signature: "c2ln" },
      { type: "redacted_thinking", data: "cmVk" },
      { type: "text", text: "Checking." },
      { type: "tool_use", id: "toolu_1", name: "f", input: {} },
    ]);
    expect(body.messages[2]?.content).toEqual([{ type: "tool_result", tool_use_id: "toolu_1", content: "boom", is_error: true }]);
  });

  it("takes a streamed signature's text from reasoning_content, and drops reasoning without a signature", () => {
    const streamed = translate({
      messages: [user("q"), { role: "assistant", content: "A", reasoning_content: "Hmm.", reasoning_details: [{ type: "reasoning.text", signature: "c2ln", format: "anthropic-claude-v1" }] }, user("r")],
    });
    expect(streamed.messages[1]?.content[0]).toEqual({ type: "thinking", thinking: "Hmm.", signature: "c2ln" });
    const unsigned = translate({ messages: [user("q"), { role: "assistant", content: "A", reasoning_content: "Hmm." }, user("r")] });
    expect(unsigned.messages[1]?.content).toEqual([{ type: "text", text: "A" }]);
  });

  it("thinks only when the last tool-use turn opens with its thinking block (history from elsewhere has none)", () => {
    const foreign = translate({
      reasoning_effort: "low",
      messages: [
        user("q"),
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "ok" },
      ],
    });
    expect(foreign).not.toHaveProperty("thinking");
    expect(foreign.max_tokens).toBe(DEFAULT_MAX_TOKENS);
  });

  it("keeps cache_control on system and message parts, and passes top_k", () => {
    const body = translate({
      top_k: 5,
      messages: [
        { role: "system", content: [{ type: "text", text: "S", cache_control: { type: "ephemeral" } }, { type: "text", text: "T" }] },
        user([{ type: "text", text: "q", cache_control: { type: "ephemeral", ttl: "1h" } }]),
      ],
    });
    expect(body.top_k).toBe(5);
    expect(body.system).toEqual([{ type: "text", text: "S", cache_control: { type: "ephemeral" } }, { type: "text", text: "T" }]);
    expect(body.messages[0]?.content).toEqual([{ type: "text", text: "q", cache_control: { type: "ephemeral", ttl: "1h" } }]);
  });
});

describe("anthropicAdapter.buildRequest", () => {
  const model = {
    name: "claude-sim",
    provider: "simanthropic",
    model: MODEL,
    type: "chat",
    fallbacks: [],
    providerId: "simanthropic",
    providerConfig: { type: "anthropic", base_url: "https://api.anthropic.com", headers: { "anthropic-beta": "x-2025" }, timeout_ms: 1000, ttft_ms: 1000, idle_ms: 1000, total_ms: 1000 },
  } satisfies ResolvedModel;

  it("posts to /v1/messages with the key, the API version and the configured headers", async () => {
    const target = { model, baseUrl: "https://api.anthropic.com", keys: ["sk-ant-test"] };
    const spec = await authorize(anthropicAdapter.buildRequest(chat({ messages: [user("q")], stream: true }), target), target);
    expect(spec.url).toBe("https://api.anthropic.com/v1/messages");
    expect(spec.headers).toEqual({
      "content-type": "application/json",
      accept: "text/event-stream",
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "x-2025",
      "x-api-key": "sk-ant-test",
    });
    expect(JSON.parse(spec.body)).toEqual({ model: MODEL, max_tokens: DEFAULT_MAX_TOKENS, stream: true, messages: [{ role: "user", content: [{ type: "text", text: "q" }] }] });
  });

  it("sends no x-api-key for a provider without a key", async () => {
    const target = { model, baseUrl: "http://x", keys: [] };
    const spec = await authorize(anthropicAdapter.buildRequest(chat({ messages: [user("q")] }), target), target);
    expect(spec.headers).not.toHaveProperty("x-api-key");
  });
});
