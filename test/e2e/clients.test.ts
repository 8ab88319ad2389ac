/**
 * End to end: the Worker under `wrangler dev` as a separate process, driven from Node by
 * the official openai and Anthropic clients and the Vercel AI SDK, against the upstream
 * simulator.
 */
import Anthropic from "@anthropic-ai/sdk";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, streamText } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E_KEY, type RunningProxy, startProxy } from "./wrangler-dev";

let proxy: RunningProxy;

beforeAll(async () => {
  proxy = await startProxy();
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
});

const directive = (d: Record<string, unknown>) => `<<sim ${JSON.stringify(d)}>>`;

describe("openai client against wrangler dev", () => {
  const client = () => new OpenAI({ apiKey: E2E_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });

  it.each(["sim-small", "gemini-sim", "claude-sim"])("answers %s, streamed and not", async (model) => {
    const reply = `End to end through ${model}, streamed.`;
    const plain = await client().chat.completions.create({ model, messages: [{ role: "user", content: directive({ reply }) }] });
    expect(plain.choices[0]?.message.content).toBe(reply);
    const stream = await client().chat.completions.create({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: directive({ reply }) }],
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(reply);
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });

  it("refuses a wrong key with 401", async () => {
    const err = await new OpenAI({ apiKey: "nope", baseURL: `${proxy.url}/v1`, maxRetries: 0 }).models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("lists models with categories", async () => {
    const ids = [];
    for await (const m of client().models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(["sim-small", "gemini-sim", "claude-sim", "SMALL", "BIG"]));
  });
});

describe("Vercel AI SDK against wrangler dev", () => {
  const provider = () => createOpenAICompatible({ name: "ai-proxy", baseURL: `${proxy.url}/v1`, apiKey: E2E_KEY, includeUsage: true });

  it("streamText assembles the exact text and reports usage", async () => {
    const reply = "The AI SDK streams through ai-proxy.";
    const result = streamText({ model: provider()("SMALL"), prompt: directive({ reply }), maxRetries: 0 });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe(reply);
    expect((await result.usage).totalTokens).toBeGreaterThan(0);
    expect(await result.finishReason).toBe("stop");
  });

  it("generateText works through a native adapter", async () => {
    const { text } = await generateText({ model: provider()("claude-sim"), prompt: directive({ reply: "Claude via the AI SDK." }), maxRetries: 0 });
    expect(text).toBe("Claude via the AI SDK.");
  });
});

describe("Anthropic SDK against wrangler dev", () => {
  it("streams from a Gemini model under Claude Code's default model name, the key as x-api-key", async () => {
    const client = new Anthropic({ apiKey: E2E_KEY, baseURL: proxy.url, maxRetries: 0 });
    const reply = "Messages through ai-proxy, from Gemini.";
    const stream = client.messages.stream({ model: "claude-opus-4-8", max_tokens: 256, messages: [{ role: "user", content: directive({ reply }) }] });
    let text = "";
    stream.on("text", (delta) => (text += delta));
    const message = await stream.finalMessage();
    expect(text).toBe(reply);
    expect(message.model).toBe("gemini-2.5-flash");
    expect((await stream.withResponse()).response.headers.get("x-proxy-provider")).toBe("simgemini");
  });
});
