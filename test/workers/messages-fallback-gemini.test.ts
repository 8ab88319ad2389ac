/**
 * /v1/messages falling back from an Anthropic model to a Gemini one: MSGFB
 * (test/models.test.yaml) puts mfb-claude (an `anthropic` provider) before mfb-gemini.
 * When the Anthropic target fails before any content (an error status, or an error event
 * that opens its stream), the same request is translated for Gemini and served from
 * there; the Anthropic SDK gets a valid Message or event stream and never sees the
 * failure. Faults are aimed at the Anthropic model alone (the directive's `only`).
 */
import type Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { anthropicClient } from "./clients";
import { recorded, sim } from "./helpers";

const { client, checked } = anthropicClient();
afterEach(async () => {
  await checked();
});

const tag = () => `mfb-${crypto.randomUUID()}`;
const CLAUDE = "claude-mfb";
const GEMINI_PATH = "/gemini/v1beta/models/gemini-mfb:";

/** The upstream requests a test caused: every Anthropic try first, then the one Gemini request that served. */
async function triedThenServed(t: string, stream: boolean) {
  const asked = await recorded(t);
  expect(asked.length).toBeGreaterThanOrEqual(2);
  for (const r of asked.slice(0, -1)) expect(r).toMatchObject({ path: "/anthropic/v1/messages", body: { model: CLAUDE } });
  const served = asked.at(-1)!;
  expect(served.path).toBe(`${GEMINI_PATH}${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`);
  return { tries: asked.length, served: served.body as { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }>; tools?: unknown; systemInstruction?: unknown } };
}

const text = (m: Anthropic.Message) => m.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("");

describe("/v1/messages falls back from an Anthropic model to a Gemini one", () => {
  it.each([
    ["answers 500", { status: 500 }],
    ["is overloaded (529)", { status: 529 }],
  ])("plain: when the Anthropic target %s, Gemini serves a valid Message", async (_, fault) => {
    const t = tag();
    const reply = "Gemini answered instead.";
    const { data, response } = await client.messages
      .create({ model: "MSGFB", max_tokens: 64, system: "Be brief.", messages: [{ role: "user", content: `Hi ${sim({ tag: t, reply, only: [CLAUDE], ...fault })}` }] })
      .withResponse();
    expect(data).toMatchObject({ type: "message", role: "assistant", model: "gemini-mfb", stop_reason: "end_turn", content: [{ type: "text", text: reply }] });
    expect(data.id).toMatch(/^msg_/);
    expect(data.usage.output_tokens).toBe(3);
    expect(response.headers.get("x-proxy-model")).toBe("mfb-gemini");
    const { tries, served } = await triedThenServed(t, false);
    expect(response.headers.get("x-proxy-attempts")).toBe(String(tries));
    expect(JSON.stringify(served.systemInstruction)).toContain("Be brief.");
  });

  it.each([
    ["answers 529", { status: 529 }],
    ["opens its stream with an overloaded_error event", { stream_error: "overloaded_error", error_after: 0 }],
  ])("streamed: when the Anthropic target %s, the SDK gets Gemini's answer as a valid event stream", async (_, fault) => {
    const t = tag();
    const reply = "Streamed from Gemini, one word at a time.";
    const stream = client.messages.stream({ model: "MSGFB", max_tokens: 64, messages: [{ role: "user", content: sim({ tag: t, reply, only: [CLAUDE], ...fault }) }] });
    let streamed = "";
    stream.on("text", (delta) => (streamed += delta));
    const { response } = await stream.withResponse();
    const message = await stream.finalMessage();
    expect(streamed).toBe(reply);
    expect(message).toMatchObject({ model: "gemini-mfb", stop_reason: "end_turn", content: [{ type: "text", text: reply }] });
    expect(message.usage.output_tokens).toBe(8);
    expect(response.headers.get("x-proxy-model")).toBe("mfb-gemini");
    const [check] = await checked();
    expect(check?.outcome).toBe("completed");
    expect(check?.events[0]).toBe("message_start");
    expect(check?.events).not.toContain("error");
    const { tries } = await triedThenServed(t, true);
    expect(response.headers.get("x-proxy-attempts")).toBe(String(tries));
  });

  it("translates tools for Gemini on the way, and the tool call comes back as tool_use", async () => {
    const t = tag();
    const weather: Anthropic.Tool = { name: "get_weather", description: "Weather now", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
    const message = await client.messages
      .stream({
        model: "MSGFB",
        max_tokens: 64,
        tools: [weather],
        messages: [{ role: "user", content: `Weather in Paris? ${sim({ tag: t, status: 500, only: [CLAUDE], tool_calls: [{ name: "get_weather", arguments: { city: "Paris" } }] })}` }],
      })
      .finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toContainEqual(expect.objectContaining({ type: "tool_use", name: "get_weather", input: { city: "Paris" } }));
    const { served } = await triedThenServed(t, true);
    expect(JSON.stringify(served.tools)).toContain('"get_weather"');
  });
});
