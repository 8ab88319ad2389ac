/**
 * Same protocol in and out: a Responses request to an `openai` provider that declares
 * `responses: true` arrives at `{base_url}/responses` as the client wrote it (only `model`,
 * and `max_output_tokens` above the model's cap, change), hosted tools and OpenAI's own
 * `encrypted_content` included, and the Response comes back as the provider wrote it. It
 * is stored under the provider's id unless `store: false`. A request continuing a
 * conversation this proxy stored is translated. Routing is the same as for any attempt:
 * fallback before content goes both ways between passed-through and translated targets, a
 * failure after content ends the stream with `error` and `response.failed`, usage is
 * counted, and a request that opts in to the cache is translated instead.
 */
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import codex from "../fixtures/codex/request.json";
import { appPost, captureLogs } from "./app-fetch";
import { openaiClient, responsesClient } from "./clients";
import { awayFromMinuteEdge, call, KEY, postJson, prettySent, recorded, sim } from "./helpers";
import { checkResponsesStream } from "./responses-grammar";
import { settledFetch } from "./settled-fetch";

// Streams with a hosted tool carry its events, which the grammar checker does not know: unchecked.
const plain = openaiClient();
const { client, checked } = responsesClient();
afterEach(async () => {
  await checked();
});
const logs = captureLogs();

type Json = Record<string, unknown>;
const tag = () => `rp-${crypto.randomUUID()}`;
const SECRET = "sk-sim-openai-secret";

/** What the translation cannot carry: a hosted tool, OpenAI's reasoning blob, new fields. */
function richBody(directive: Json, extra: Json = {}): Json {
  return {
    model: "rp-open",
    input: [
      { role: "developer", content: "Be brief." },
      { role: "user", content: [{ type: "input_text", text: "Earlier question" }] },
      { type: "reasoning", id: "rs_upstream1", summary: [], encrypted_content: "gAAAAABopaque-upstream-blob==" },
      { role: "assistant", content: [{ type: "output_text", text: "Earlier answer" }] },
      { role: "user", content: [{ type: "input_text", text: `Search ${sim(directive)}` }] },
    ],
    tools: [{ type: "web_search" }, { type: "function", name: "lookup", parameters: { type: "object", properties: {} }, strict: false }],
    include: ["reasoning.encrypted_content"],
    reasoning: { effort: "low", summary: "auto" },
    store: false,
    a_field_from_next_year: { nested: [1, 2.5, "three"] },
    ...extra,
  };
}

/** The body the upstream must have received: the client's bytes, with the configured upstream id. */
const asSent = (body: Json, model: string) => JSON.stringify({ ...body, model });
const outputText = (r: Json) => ((r.output as Json[]).find((i) => i.type === "message")?.content as Json[] | undefined)?.[0]?.text;

describe("a Responses request to a provider that serves the Responses API", () => {
  it("arrives unchanged but for the model, with the provider's key; the Response is the provider's own", async () => {
    const t = tag();
    const body = richBody({ tag: t, reply: "Passed.", reasoning: "Looked it up." });
    const { data, response } = await plain.responses.create(body as never).withResponse();
    const [sent] = await recorded(t);
    expect(sent!.path).toBe("/openai/v1/responses");
    expect(sent!.raw).toBe(asSent(body, "gpt-rp"));
    expect(sent!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.stringify(sent!.headers)).not.toContain(KEY);
    // Only the provider ran the hosted search and wrote an encrypted reasoning blob.
    expect(data.id).toMatch(/^resp_sim/);
    expect(data.output.map((i) => i.type)).toEqual(["web_search_call", "reasoning", "message"]);
    expect(data.output_text).toBe("Passed.");
    expect(data.usage).toMatchObject({ output_tokens_details: { reasoning_tokens: 3 } });
    expect(response.headers.get("x-proxy-passthrough")).toBe("true");
    expect(response.headers.get("x-proxy-model")).toBe("rp-open");
  });

  it("sends a pretty-printed body as the client wrote it, member by member, but the model", async () => {
    const t = tag();
    const body = richBody({ tag: t, reply: "Pretty." });
    const res = await postJson("/v1/responses", JSON.stringify(body, null, 2));
    expect(res.status).toBe(200);
    const [sent] = await recorded(t);
    expect(sent!.raw).toBe(prettySent(body, "gpt-rp"));
  });

  it("streams the same way: the body unchanged, the provider's events forwarded as they came", async () => {
    const t = tag();
    const body = richBody({ tag: t, reply: "Streamed through." }, { stream: true });
    const res = await postJson("/v1/responses", body);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get("x-proxy-passthrough")).toBe("true");
    const [sent] = await recorded(t);
    expect(sent!.raw).toBe(asSent(body, "gpt-rp"));
    expect(text.startsWith("event: response.created\n")).toBe(true);
    expect(text).toContain("event: response.web_search_call.searching\n");
    expect(text).not.toContain("[DONE]");
    // The SDK reads it too, and a stream without hosted tools keeps the documented grammar.
    const final = await plain.responses.stream(richBody({ reply: "Again." }, { stream: true }) as never).finalResponse();
    expect(final.output_text).toBe("Again.");
    const plainBody = { model: "rp-open", input: `Hi ${sim({ reply: "Checked.", reasoning: "Thought." })}`, stream: true as const };
    const checkedFinal = await client.responses.stream(plainBody).finalResponse();
    expect(checkedFinal.output_text).toBe("Checked.");
  });

  it("passes the Codex request through byte for byte apart from the model, its namespace and hosted tools intact", async () => {
    const t = tag();
    const body = structuredClone(codex.main.body) as Json & { input: Array<{ content?: Array<{ text?: string }> }> };
    const last = body.input.at(-1)!.content!.at(-1)!;
    last.text = `${String(last.text)} ${sim({ tag: t, reply: "pong" })}`;
    body.model = "rp-open";
    const headers: Record<string, string> = { ...codex.main.headers, authorization: `Bearer ${KEY}` };
    for (const drop of ["host", "content-length", "accept-encoding"]) delete headers[drop];
    const res = await postJson("/v1/responses", body, { key: null, headers });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get("x-proxy-passthrough")).toBe("true");
    const [sent] = await recorded(t);
    expect(sent!.raw).toBe(asSent(body, "gpt-rp"));
    expect((sent!.body.tools as Json[]).map((x) => x.type)).toEqual(codex.main.body.tools.map((x) => x.type));
    // The provider ran the search Codex asked for, and its events reach Codex as they came.
    expect(text).toContain("event: response.web_search_call.completed\n");
    expect(text).toContain('"delta":"pong"');
  });

  it("lowers max_output_tokens to the model's cap", async () => {
    const t = tag();
    const body = { model: "rp-capped", input: `Hi ${sim({ tag: t })}`, max_output_tokens: 4096 };
    await client.responses.create(body);
    const [sent] = await recorded(t);
    expect(sent!.raw).toBe(JSON.stringify({ ...body, model: "gpt-rp-capped", max_output_tokens: 100 }));
  });

  it("stores the provider's Response under its id, whole and streamed, unless store is false", async () => {
    const whole = await client.responses.create({ model: "rp-open", input: `Hi ${sim({ reply: "Kept." })}` });
    const stream = await client.responses.stream({ model: "rp-open", input: `Hi ${sim({ reply: "Kept too." })}`, stream: true }).finalResponse();
    for (const [id, text] of [[whole.id, "Kept."], [stream.id, "Kept too."]] as const) {
      const got = await call(`/v1/responses/${id}`);
      expect(got.status).toBe(200);
      const stored = (await got.json()) as Json;
      expect(stored.id).toBe(id);
      expect(outputText(stored)).toBe(text);
    }
    const t = tag();
    const unstored = await client.responses.create({ model: "rp-open", input: `Hi ${sim({ tag: t })}`, store: false });
    expect((await recorded(t))[0]!.body.store).toBe(false);
    expect((await call(`/v1/responses/${unstored.id}`)).status).toBe(404);
  });

  it("translates a follow-up naming a response this proxy stored, which the provider does not know", async () => {
    const first = await client.responses.create({ model: "rp-open", input: `First ${sim({ reply: "One." })}` });
    const t = tag();
    const { data, response } = await client.responses.create({ model: "rp-open", previous_response_id: first.id, input: `Second ${sim({ tag: t, reply: "Two." })}` }).withResponse();
    expect(data.output_text).toBe("Two.");
    expect(response.headers.get("x-proxy-passthrough")).toBeNull();
    const [sent] = await recorded(t);
    expect(sent!.path).toBe("/openai/v1/chat/completions");
    const messages = sent!.body.messages as Json[];
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(messages[1]!.content).toBe("One.");
  });

  it("resolves an item_reference to an item of a stored Response passed through, named by the provider's id", async () => {
    const t = tag();
    const first = await client.responses.create({ model: "rp-open", input: `Weather? ${sim({ tag: t, tool_calls: [{ name: "get_weather", arguments: { city: "Oslo" } }] })}` });
    const call_ = first.output.find((o) => o.type === "function_call");
    expect(call_?.id).toBeDefined();
    // The provider's own id, not of the form this proxy's ids take (they name their response).
    expect(call_!.id).not.toMatch(/^[a-z]+_[0-9a-f]{32}_\d+$/);
    const { data } = await client.responses.create({
      model: "rp-open",
      input: [
        { role: "user", content: "Weather?" },
        { type: "item_reference", id: call_!.id! },
        { type: "function_call_output", call_id: (call_ as { call_id: string }).call_id, output: `18C ${sim({ tag: t, reply: "It is 18C." })}` },
      ],
    }).withResponse();
    expect(data.output_text).toBe("It is 18C.");
    const sent = await recorded(t);
    expect(sent).toHaveLength(2);
    // Translated (an item_reference names this proxy's store): the call went up as the assistant's tool call.
    const messages = sent[1]!.body.messages as Array<{ role: string; tool_calls?: Array<{ function: { name: string } }> }>;
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
    expect(messages[1]!.tool_calls?.[0]?.function.name).toBe("get_weather");
    // Another key does not find it.
    const other = responsesClient({ key: "test-key-2" }).client;
    await expect(other.responses.create({ model: "rp-open", input: [{ type: "item_reference", id: call_!.id! }] })).rejects.toMatchObject({ status: 404 });
  });

  it("translates a request that opts in to the cache, so its answer can be stored and replayed", async () => {
    const t = tag();
    const body = richBody({ tag: t, reply: "Fresh." });
    const { fetch, settled } = settledFetch();
    const served = [];
    for (let i = 0; i < 2; i++) {
      const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json", "x-proxy-cache-ttl": "60" };
      const res = await fetch(new Request("http://proxy/v1/responses", { method: "POST", headers, body: JSON.stringify(body) }));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-proxy-passthrough")).toBeNull();
      served.push({ cache: res.headers.get("x-proxy-cache"), text: outputText((await res.json()) as Json) });
      await settled();
    }
    expect(served).toEqual([
      { cache: "MISS", text: "Fresh." },
      { cache: "HIT", text: "Fresh." },
    ]);
    const seen = await recorded(t);
    expect(seen.map((r) => r.path)).toEqual(["/openai/v1/chat/completions"]);
  });
});

describe("routing around a Responses request passed through", () => {
  it("falls back before content from a failing pass-through stream to a translated model, invisibly", async () => {
    const t = tag();
    const directive = { tag: t, reply: "From the fallback.", stream_error: "server_error", error_after: 0, only: ["gpt-rp-pass-first"] };
    const res = await postJson("/v1/responses", { model: "RPFIRST", input: `Hi ${sim(directive)}`, stream: true });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("rp-chat-second");
    expect(res.headers.get("x-proxy-passthrough")).toBeNull();
    const stream = checkResponsesStream(text);
    expect(stream.outcome).toBe("completed");
    expect(outputText(stream.response)).toBe("From the fallback.");
    expect((await recorded(t)).map((r) => r.path)).toEqual(["/openai/v1/responses", "/openai/v1/chat/completions"]);
  });

  it("falls back from a pass-through model that fails, or answers what is no Response, for a whole answer", async () => {
    for (const fault of [{ status: 500 }, { body: { id: "chatcmpl-1", object: "chat.completion", choices: [] } }]) {
      const t = tag();
      const answer = await client.responses.create({ model: "RPFIRST", input: `Hi ${sim({ tag: t, reply: "Fallback.", only: ["gpt-rp-pass-first"], ...fault })}` });
      expect(answer.output_text).toBe("Fallback.");
      expect((await recorded(t)).map((r) => r.path)).toEqual(["/openai/v1/responses", "/openai/v1/chat/completions"]);
    }
  });

  it("falls back from a translated target to one passed through", async () => {
    const t = tag();
    const body = richBody({ tag: t, reply: "Raw at last.", status: 500, only: ["sim/rp-chat-first"] }, { model: "RPLAST", stream: true });
    const res = await postJson("/v1/responses", body);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get("x-proxy-passthrough")).toBe("true");
    expect(res.headers.get("x-proxy-model")).toBe("rp-pass-last");
    expect(text).toContain('"text":"Raw at last."');
    const seen = await recorded(t);
    expect(seen.map((r) => r.path)).toEqual(["/openai/v1/chat/completions", "/openai/v1/responses"]);
    expect(seen[1]!.raw).toBe(asSent(body, "gpt-rp-pass-last"));
  });

  it("ends a stream that fails after content with an error event and response.failed, and the SDK raises", async () => {
    for (const streamError of ["server_error", "response.failed"]) {
      const t = tag();
      const input = `Hi ${sim({ tag: t, reply: "one two three four five six", stream_error: streamError, error_after: 2 })}`;
      const res = await postJson("/v1/responses", { model: "rp-open", input, stream: true });
      const text = await res.text();
      expect(res.status).toBe(200);
      const stream = checkResponsesStream(text);
      expect(stream.outcome).toBe("failed");
      expect(stream.events.slice(-2)).toEqual(["error", "response.failed"]);
      // The proxy's own code for a provider's failure, as on the translated path.
      expect(stream.error).toMatchObject({ code: "upstream_error" });
      expect(await recorded(t)).toHaveLength(1);
    }
    const err = await client.responses
      .stream({ model: "rp-open", input: `Hi ${sim({ reply: "one two three four", stream_error: "server_error", error_after: 1 })}`, stream: true })
      .finalResponse()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });

  it("counts the provider's usage, whole and streamed", async () => {
    for (const stream of [false, true]) {
      const res = await appPost("/v1/responses", { model: "rp-open", input: `one two three four five ${sim({ reply: "one two three" })}`, stream });
      expect(res.status).toBe(200);
      const line = logs.lineFor(res);
      // The simulator counts the input's words (the directive's four too) as input, one token per reply piece as output.
      expect(line).toMatchObject({ model: "rp-open", tokens_estimated: false, tokens_in: 9, tokens_out: 3 });
      expect(line.stream_outcome).toBe(stream ? "completed" : null);
    }
  });

  it("counts the provider's usage against the model's token limit", async () => {
    await awayFromMinuteEdge();
    const t = tag();
    // max_output_tokens keeps each reservation small; the answer's 90 tokens fill the minute's 100.
    const ask = () => postJson("/v1/responses", { model: "rp-tpm", max_output_tokens: 10, input: `Hi ${sim({ tag: t, reply_words: 90 })}` });
    const first = await ask();
    expect(first.status).toBe(200);
    await first.text();
    expect((await ask()).status).toBe(429);
    expect(await recorded(t)).toHaveLength(1);
  });

  it("never echoes the provider's key, in an error answer or in an error event after content", async () => {
    const quoted = `Invalid request for key ${SECRET}`;
    const refused = await postJson("/v1/responses", { model: "rp-open", input: `Hi ${sim({ status: 400, message: quoted })}` });
    expect(refused.status).toBe(400);
    const body = await refused.text();
    expect(JSON.parse(body)).toMatchObject({ error: { type: "invalid_request_error" } });
    const failed = await postJson("/v1/responses", { model: "rp-open", stream: true, input: `Hi ${sim({ reply: "one two three four", stream_error: "server_error", error_after: 2, message: quoted })}` });
    const events = await failed.text();
    expect(checkResponsesStream(events).outcome).toBe("failed");
    for (const text of [body, events, JSON.stringify([...refused.headers, ...failed.headers])]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(KEY);
    }
  });
});
