/**
 * POST /v1/responses through the official openai SDK (`client.responses.*`), against each
 * kind of target: an OpenAI-compatible provider, Gemini and Anthropic, all through the
 * internal form; stored responses, previous_response_id and their 404s; fallback before
 * content and the raised error after it. Every stream the SDK receives is also checked
 * against the documented event sequence.
 */
import type OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { responsesClient } from "./clients";
import { call, recorded, sim } from "./helpers";

const { client, checked } = responsesClient();
const other = responsesClient({ key: "test-key-2" }).client;
afterEach(async () => {
  await checked();
});

const tag = () => `r-${crypto.randomUUID()}`;
type Body = Record<string, unknown> & { messages: Array<Record<string, unknown>>; contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> };

async function upstreamBody(t: string, n = 1): Promise<Body> {
  const list = await recorded(t);
  expect(list).toHaveLength(n);
  return list[n - 1]!.body as Body;
}

const weather: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: "get_weather",
  description: "Weather now",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: false,
};

const TARGETS = [
  {
    kind: "an OpenAI-compatible provider",
    model: "sim-small",
    upstream: "sim/small-1",
    thought: "Reasoning at low effort.",
    toolResult: (b: Body, id: string) => b.messages.find((m) => m.role === "tool" && m.tool_call_id === id)?.content,
    reasoningSentBack: (b: Body) => b.messages.find((m) => m.role === "assistant")?.reasoning_content,
  },
  {
    kind: "Gemini",
    model: "gemini-sim",
    upstream: "gemini-2.5-flash",
    thought: "Thinking within 1024 tokens.",
    toolResult: (b: Body) => b.contents.flatMap((c) => c.parts).find((p) => p.functionResponse)?.functionResponse,
    reasoningSentBack: (b: Body) => b.contents.find((c) => c.role === "model")?.parts[0]?.thoughtSignature,
  },
  {
    kind: "Anthropic",
    model: "claude-sim",
    upstream: "claude-haiku-4-5",
    thought: "Thinking within 1024 tokens.",
    toolResult: (b: Body, id: string) =>
      b.messages.flatMap((m) => m.content as Array<Record<string, unknown>>).find((x) => x.type === "tool_result" && x.tool_use_id === id)?.content,
    reasoningSentBack: (b: Body) => (b.messages.find((m) => m.role === "assistant")?.content as Array<Record<string, unknown>>)[0],
  },
];

describe.each(TARGETS)("Responses API served by $kind", (target) => {
  const model = target.model;

  it("responses.create answers with a Response and its output_text", async () => {
    const { data, response } = await client.responses.create({ model, input: `Hi ${sim({ reply: "Hello from the proxy." })}` }).withResponse();
    expect(data).toMatchObject({ object: "response", status: "completed", model: target.upstream, output_text: "Hello from the proxy.", store: true });
    expect(data.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(data.usage).toMatchObject({ output_tokens: 4, output_tokens_details: { reasoning_tokens: 0 } });
    expect(data.usage!.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-proxy-model")).toBe(model);
  });

  it("responses.stream(...).finalResponse() assembles the streamed answer", async () => {
    const reply = "Streaming works, one word at a time.";
    const stream = client.responses.stream({ model, input: sim({ reply, split_writes: true }), store: false });
    let streamed = "";
    stream.on("response.output_text.delta", (e) => (streamed += e.delta));
    const response = await stream.finalResponse();
    expect(streamed).toBe(reply);
    expect(response.output_text).toBe(reply);
    expect(response.usage?.output_tokens).toBe(7);
    const [check] = await checked();
    expect(check?.outcome).toBe("completed");
    expect(check?.events.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
  });

  it("runs a function-call round trip, streamed, with function_call_output", async () => {
    const t = tag();
    const first = await client.responses
      .stream({ model, tools: [weather], store: false, input: `Weather in Paris? ${sim({ tag: t, tool_calls: [{ name: "get_weather", arguments: { city: "Paris" } }] })}` })
      .finalResponse();
    const fc = first.output.find((o) => o.type === "function_call") as OpenAI.Responses.ResponseFunctionToolCall | undefined;
    expect(fc).toMatchObject({ name: "get_weather", status: "completed" });
    expect(JSON.parse(fc!.arguments)).toEqual({ city: "Paris" });
    const second = await client.responses.create({
      model,
      tools: [weather],
      store: false,
      input: [
        { role: "user", content: "Weather in Paris?" },
        ...first.output,
        { type: "function_call_output", call_id: fc!.call_id, output: `18C and sunny ${sim({ tag: t, reply: "It is sunny." })}` },
      ] as OpenAI.Responses.ResponseInput,
    });
    expect(second.output_text).toBe("It is sunny.");
    expect(JSON.stringify(target.toolResult(await upstreamBody(t, 2), fc!.call_id))).toContain("18C and sunny");
  });

  it("continues a stored conversation with previous_response_id over three turns", async () => {
    const t = tag();
    const one = await client.responses.create({ model, instructions: "Be brief.", input: `My name is Ada. ${sim({ reply: "Hello Ada." })}` });
    const two = await client.responses.create({ model, previous_response_id: one.id, input: `What is my name? ${sim({ reply: "You are Ada." })}` });
    expect(two.previous_response_id).toBe(one.id);
    const three = await client.responses.stream({ model, previous_response_id: two.id, input: `Again? ${sim({ tag: t, reply: "Ada, still." })}` }).finalResponse();
    expect(three.output_text).toBe("Ada, still.");
    const sent = JSON.stringify(await upstreamBody(t));
    for (const text of ["My name is Ada.", "Hello Ada.", "What is my name?", "You are Ada.", "Again?"]) expect(sent).toContain(text);
    // Instructions belong to the request that sent them, as OpenAI does it.
    expect(sent).not.toContain("Be brief.");
    expect((await client.responses.retrieve(three.id)).output_text).toBe("Ada, still.");
  });

  it("returns reasoning when it is requested, and takes it back in the next turn", async () => {
    const t = tag();
    const reasoning = { effort: "low" as const, summary: "auto" as const };
    const first = await client.responses.create({ model, reasoning, input: `Think. ${sim({ reply: "Done." })}` });
    const item = first.output.find((o): o is OpenAI.Responses.ResponseReasoningItem => o.type === "reasoning");
    expect(item?.summary).toEqual([{ type: "summary_text", text: target.thought }]);
    expect(first.output_text).toBe("Done.");
    expect(first.usage?.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    await client.responses.create({ model, reasoning, previous_response_id: first.id, input: `And now? ${sim({ tag: t })}` });
    const back = target.reasoningSentBack(await upstreamBody(t));
    // Each provider gets its own reasoning state back: Anthropic the signed block, Gemini
    // its thought signature, OpenAI-compatible ones the text.
    if (target.kind === "Anthropic") expect(back).toMatchObject({ type: "thinking", thinking: target.thought, signature: expect.any(String) });
    else if (target.kind === "Gemini") expect(back).toEqual(expect.any(String));
    else expect(back).toBe(target.thought);
  });
});

describe("stored responses", () => {
  it("GET returns a stored response, DELETE removes it, and both then answer 404", async () => {
    const created = await client.responses.create({ model: "sim-small", input: sim({ reply: "Keep me." }), metadata: { run: "1" } });
    const got = await client.responses.retrieve(created.id);
    expect(got).toMatchObject({ id: created.id, output_text: "Keep me.", metadata: { run: "1" } });
    await client.responses.delete(created.id);
    await expect(client.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    const again = await call(`/v1/responses/${created.id}`, { method: "DELETE" });
    expect(again.status).toBe(404);
  });

  it("stores nothing for store: false", async () => {
    const created = await client.responses.create({ model: "sim-small", input: "Forget me.", store: false });
    expect((created as { store?: unknown }).store).toBe(false);
    await expect(client.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    const err = await client.responses.create({ model: "sim-small", previous_response_id: created.id, input: "And?" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404, param: "previous_response_id", code: "previous_response_not_found" });
  });

  it("shows a response to the key that created it only", async () => {
    const created = await client.responses.create({ model: "sim-small", input: "Mine." });
    await expect(other.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    const err = await other.responses.create({ model: "sim-small", previous_response_id: created.id, input: "Theirs?" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404, param: "previous_response_id" });
    await expect(other.responses.delete(created.id)).rejects.toMatchObject({ status: 404 });
    expect((await client.responses.retrieve(created.id)).id).toBe(created.id);
  });

  it("answers 404 for unknown and malformed ids, in OpenAI's shape", async () => {
    for (const id of ["resp_00000000000000000000000000000000", "nope"]) {
      const res = await call(`/v1/responses/${id}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { message: `Response with id '${id}' not found.`, type: "not_found_error", param: null, code: "response_not_found" } });
    }
  });

  it("resolves item_reference items from stored responses", async () => {
    const t = tag();
    const first = await client.responses.create({ model: "sim-small", input: `Say a word. ${sim({ reply: "Banana." })}` });
    await client.responses.create({
      model: "sim-small",
      input: [{ role: "user", content: "Say a word." }, { type: "item_reference", id: first.output[0]!.id! }, { role: "user", content: `Again ${sim({ tag: t })}` }],
    });
    expect((await upstreamBody(t)).messages).toContainEqual({ role: "assistant", content: "Banana." });
    const missing = await client.responses.create({ model: "sim-small", input: [{ type: "item_reference", id: "msg_00000000000000000000000000000000_0" }] }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, param: "input[0].id" });
  });
});

/** One model per adapter, each falling back to res-fallback (test/models.test.yaml). */
const RESILIENT = [
  { kind: "an OpenAI-compatible provider", model: "res-openai", upstream: "sim/res-openai", midStream: { stream_error: "openai", error_after: 2 } },
  { kind: "Gemini", model: "res-gemini", upstream: "gemini-res", midStream: { error_body: { error: { code: 500, message: "boom", status: "INTERNAL" } }, error_after: 2 } },
  { kind: "Anthropic", model: "res-claude", upstream: "claude-res", midStream: { stream_error: "overloaded_error", error_after: 2 } },
];

describe.each(RESILIENT)("Responses streams from $kind when something fails", ({ model, upstream, midStream }) => {
  it("falls back invisibly before the first content", async () => {
    const reply = "The fallback answered.";
    const { data: stream, response } = await client.responses.create({ model, stream: true, store: false, input: sim({ reply, status: 503, only: [upstream] }) }).withResponse();
    let streamed = "";
    for await (const event of stream) if (event.type === "response.output_text.delta") streamed += event.delta;
    expect(streamed).toBe(reply);
    expect(response.headers.get("x-proxy-model")).toBe("res-fallback");
    expect(response.headers.get("x-proxy-attempts")).toBe("2");
    const [check] = await checked();
    expect(check?.outcome).toBe("completed");
  });

  it("raises after content: the stream ends with error and response.failed, and the SDK throws", async () => {
    const stream = client.responses.stream({ model, store: false, input: sim({ reply: "One two three four five six.", ...midStream }) });
    let streamed = "";
    stream.on("response.output_text.delta", (e) => (streamed += e.delta));
    const error = await stream.finalResponse().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(streamed).toBe("One two");
    const [check] = await checked();
    expect(check?.outcome).toBe("failed");
    expect(check?.events.slice(-2)).toEqual(["error", "response.failed"]);
  });
});
