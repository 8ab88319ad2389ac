/**
 * The golden Claude Code request (test/fixtures/claude-code/request.json: what Claude Code
 * 2.1.197 sends, long texts elided) served by each kind of target. An Anthropic target gets
 * it as sent; for the others, fields they do not take (adaptive thinking,
 * context_management, output_config, cache_control, betas) are translated or dropped,
 * never a 400; the answer streams in Anthropic's grammar.
 */
import { describe, expect, it } from "vitest";
import fixture from "../fixtures/claude-code/request.json";
import { checkMessagesStream } from "./anthropic-grammar";
import { postJson, recorded, sim } from "./helpers";

type Json = Record<string, unknown>;
const tag = () => `cc-${crypto.randomUUID()}`;

/** The recorded body with a simulator directive in its last text block, and optionally another model. */
function claudeCodeBody(directive: Json, model?: string): Json {
  const body = structuredClone(fixture.body) as Json & { messages: Array<{ role: string; content: Array<Json> }> };
  const last = body.messages.at(-1)!.content.at(-1)!;
  last.text = `${String(last.text)} ${sim(directive)}`;
  return model ? { ...body, model } : body;
}

async function send(body: Json): Promise<{ status: number; text: string; headers: Headers }> {
  const headers = { ...fixture.headers, "x-api-key": "test-key-1" };
  const res = await postJson(fixture.url, body, { key: null, headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function pong(model?: string): Promise<{ sent: Json; headers: Headers }> {
  const t = tag();
  const { status, text, headers } = await send(claudeCodeBody({ tag: t, reply: "pong" }, model));
  expect(status, text).toBe(200);
  const checked = checkMessagesStream(text);
  expect(checked.outcome).toBe("completed");
  expect(checked.message.content.filter((b) => b.type === "text")).toEqual([{ type: "text", text: "pong" }]);
  const [sent] = await recorded(t);
  return { sent: sent!.body, headers };
}

const TOOL_COUNT = fixture.body.tools.length;
const SYSTEM_TEXTS = fixture.body.system.map((b) => b.text);

describe("the Claude Code request", () => {
  it("is served by Gemini under its own model name (an alias), thinking translated, new fields dropped", async () => {
    const { sent, headers } = await pong();
    expect(headers.get("x-proxy-model")).toBe("gemini-sim");
    expect(Object.keys(sent).sort()).toEqual(["contents", "generationConfig", "systemInstruction", "tools"]);
    expect((sent.systemInstruction as { parts: Json[] }).parts).toEqual(SYSTEM_TEXTS.map((text) => ({ text })));
    const declarations = (sent.tools as Array<{ functionDeclarations: Json[] }>)[0]!.functionDeclarations;
    expect(declarations).toHaveLength(TOOL_COUNT);
    expect(declarations.every((d) => typeof d.parametersJsonSchema === "object" && !("$schema" in (d.parametersJsonSchema as Json)))).toBe(true);
    expect(sent.generationConfig).toEqual({ maxOutputTokens: 64000, thinkingConfig: { thinkingBudget: 24576, includeThoughts: true } });
  });

  it("is served by an OpenAI-compatible model as plain Chat Completions", async () => {
    const { sent, headers } = await pong("gpt-4o");
    expect(headers.get("x-proxy-model")).toBe("sim-small");
    expect(Object.keys(sent).sort()).toEqual(["max_tokens", "messages", "model", "reasoning_effort", "stream", "stream_options", "tools"]);
    expect(sent).toMatchObject({ model: "sim/small-1", max_tokens: 64000, reasoning_effort: "high", stream: true, stream_options: { include_usage: true } });
    const text = JSON.stringify(sent);
    for (const dropped of ["cache_control", "context_management", "output_config", "$schema", "adaptive", "user_id"]) expect(text).not.toContain(dropped);
    expect(sent.tools).toHaveLength(TOOL_COUNT);
    expect((sent.messages as Json[])[0]).toEqual({ role: "system", content: SYSTEM_TEXTS.map((t) => ({ type: "text", text: t })) });
  });

  it("is passed through to Anthropic unchanged but for the model (messages-passthrough.test.ts checks the bytes)", async () => {
    const { sent } = await pong("claude-sim");
    const { model: _, ...rest } = claudeCodeBody({}, "claude-sim");
    expect(sent).toMatchObject({ model: "claude-haiku-4-5", max_tokens: 64000, thinking: { type: "adaptive" }, stream: true });
    expect(sent.context_management).toEqual(fixture.body.context_management);
    expect(sent.output_config).toEqual(fixture.body.output_config);
    expect(sent.system).toEqual(rest.system);
    expect(sent.metadata).toEqual(fixture.body.metadata);
    expect(sent.tools).toEqual(fixture.body.tools);
  });

  it.each(["claude-opus-4-8", "gpt-4o", "claude-sim"])("runs the Write tool round trip on %s, with cache_control on the tool result", async (model) => {
    const t = tag();
    const first = await send(claudeCodeBody({ tag: t, tool_calls: [{ name: "Write", arguments: { file_path: "/tmp/x", content: "value" } }] }, model));
    expect(first.status, first.text).toBe(200);
    const turn = checkMessagesStream(first.text);
    expect(turn.message.stop_reason).toBe("tool_use");
    const call = turn.message.content.find((b) => b.type === "tool_use")!;
    expect(call).toMatchObject({ name: "Write", input: { file_path: "/tmp/x", content: "value" } });
    const body = claudeCodeBody({}, model) as Json & { messages: Json[] };
    body.messages.push(
      { role: "assistant", content: turn.message.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: `File created ${sim({ tag: t, reply: "Done." })}`, cache_control: { type: "ephemeral" } }] },
    );
    const second = await send(body);
    expect(second.status, second.text).toBe(200);
    expect(checkMessagesStream(second.text).message.content.filter((b) => b.type === "text")).toEqual([{ type: "text", text: "Done." }]);
    expect(JSON.stringify((await recorded(t))[1]!.body)).toContain("File created");
  });

  it.each(["claude-opus-4-8", "gpt-4o", "claude-sim"])("takes the first request's system message inside messages on %s", async (model) => {
    const body = claudeCodeBody({ reply: "pong" }, model) as Json & { messages: Json[] };
    body.messages.unshift({ role: "system", content: "Mid-conversation system text." });
    const { status, text } = await send(body);
    expect(status, text).toBe(200);
    expect(checkMessagesStream(text).outcome).toBe("completed");
  });
});
