/**
 * The Vercel AI SDK's default OpenAI provider: `createOpenAI({ baseURL, apiKey })` with
 * `openai("SMALL")` calls POST /v1/responses. generateText, streamText, and a tool call
 * with `execute` over two steps, against each kind of target; every stream it receives
 * is also checked against the documented event sequence.
 */
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import { aiSdkOpenAI } from "./clients";
import { recorded, sim } from "./helpers";

const { openai, checked } = aiSdkOpenAI();
afterEach(async () => {
  await checked();
});

const tag = () => `ai-${crypto.randomUUID()}`;

/** The second step's answer rides in the tool's output: the simulator obeys the request's last directive. */
const weather = (t: string) =>
  tool({
    description: "Weather now",
    inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }),
    execute: async ({ city }) => `18C in ${city} ${sim({ tag: t, reply: `It is 18C in ${city}.` })}`,
  });

describe("the AI SDK's OpenAI provider", () => {
  it("generateText answers from /v1/responses", async () => {
    const result = await generateText({ model: openai("SMALL"), prompt: `Hi ${sim({ reply: "Hello from the proxy." })}`, maxRetries: 0 });
    expect(result.text).toBe("Hello from the proxy.");
    expect(result.response.headers?.["x-proxy-model"]).toBe("sim-small");
    expect(result.response.id).toMatch(/^resp_/);
    expect(result.usage.outputTokens).toBe(4);
  });

  it("streamText assembles the exact text and reports usage", async () => {
    const reply = "Streaming works, one word at a time.";
    const result = streamText({ model: openai("SMALL"), prompt: sim({ reply, split_writes: true }), maxRetries: 0 });
    let streamed = "";
    for await (const delta of result.textStream) streamed += delta;
    expect(streamed).toBe(reply);
    expect((await result.usage).outputTokens).toBe(7);
    const [check] = await checked();
    expect(check?.outcome).toBe("completed");
  });

  it.each(["sim-small", "gemini-sim", "claude-sim"])("runs a tool with execute over two steps on %s", async (model) => {
    const t = tag();
    const result = await generateText({
      model: openai(model),
      tools: { get_weather: weather(t) },
      stopWhen: stepCountIs(2),
      prompt: `Weather in Oslo? ${sim({ tag: t, tool_calls: [{ name: "get_weather", arguments: { city: "Oslo" } }] })}`,
      maxRetries: 0,
    });
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]!.toolCalls).toMatchObject([{ toolName: "get_weather", input: { city: "Oslo" } }]);
    expect(result.text).toBe("It is 18C in Oslo.");
    const sent = await recorded(t);
    expect(sent).toHaveLength(2);
    expect(JSON.stringify(sent[1]!.body)).toContain("18C in Oslo");
  });

  it("streams a tool loop too", async () => {
    const t = tag();
    const result = streamText({
      model: openai("gemini-sim"),
      tools: { get_weather: weather(t) },
      stopWhen: stepCountIs(2),
      prompt: `Weather in Rome? ${sim({ tag: t, tool_calls: [{ name: "get_weather", arguments: { city: "Rome" } }] })}`,
      maxRetries: 0,
    });
    expect(await result.text).toBe("It is 18C in Rome.");
    expect((await result.steps).map((s) => s.finishReason)).toEqual(["tool-calls", "stop"]);
    const checks = await checked();
    expect(checks.map((c) => c.outcome)).toEqual(["completed", "completed"]);
  });

  it("raises when the stream fails after content", async () => {
    const result = streamText({ model: openai("res-openai"), prompt: sim({ reply: "One two three four five six.", stream_error: "openai", error_after: 2 }), maxRetries: 0, onError: () => undefined });
    const errors: unknown[] = [];
    let streamed = "";
    for await (const part of result.fullStream) {
      if (part.type === "text-delta") streamed += part.text;
      if (part.type === "error") errors.push(part.error);
    }
    expect(streamed).toBe("One two");
    expect(errors.length).toBeGreaterThan(0);
    expect(await result.finishReason).toBe("error");
  });
});
