/**
 * Same protocol in and out: a Messages request to an `anthropic` provider arrives upstream
 * as the client wrote it (only `model`, and `max_tokens` above the model's cap, change),
 * with the client's `anthropic-beta` flags, and the answer comes back as the provider wrote
 * it. Routing is the same as for any attempt: fallback before content goes both ways
 * between passed-through and translated targets, a failure after content ends the stream
 * with Anthropic's `event: error`, usage is counted, and a request that opts in to the cache is translated instead.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import fixture from "../fixtures/claude-code/request.json";
import { checkMessagesStream } from "./anthropic-grammar";
import { appPost, captureLogs } from "./app-fetch";
import { anthropicClient } from "./clients";
import { awayFromMinuteEdge, KEY, postJson, prettySent, recorded, sim } from "./helpers";
import { settledFetch } from "./settled-fetch";

const { client, checked } = anthropicClient();
afterEach(async () => {
  await checked();
});
const logs = captureLogs();

type Json = Record<string, unknown>;
const tag = () => `pt-${crypto.randomUUID()}`;
const BETA = "context-management-2025-06-27,interleaved-thinking-2025-05-14";

/** What the translation cannot carry: adaptive thinking, new fields, metadata extras, a server tool. */
function richBody(directive: Json, extra: Json = {}): Json {
  return {
    model: "pt-claude",
    max_tokens: 2048,
    messages: [{ role: "user", content: [{ type: "text", text: `Hello ${sim(directive)}`, cache_control: { type: "ephemeral" } }] }],
    thinking: { type: "adaptive" },
    context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
    output_config: { effort: "medium" },
    metadata: { user_id: "user-1", session_hint: "kept" },
    tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 2 }],
    a_field_from_next_year: { nested: [1, 2.5, "three"] },
    ...extra,
  };
}

/** The body the upstream must have received: the client's bytes, with the configured upstream id. */
const asSent = (body: Json, model: string) => JSON.stringify({ ...body, model });

describe("a Messages request to an Anthropic provider", () => {
  it("arrives unchanged but for the model, with the client's beta flags; the answer is the provider's own", async () => {
    const t = tag();
    const body = richBody({ tag: t, reply: "Passed." });
    const { data, response } = await client.messages.create(body as never, { headers: { "anthropic-beta": BETA } }).withResponse();
    const [sent] = await recorded(t);
    expect(sent!.raw).toBe(asSent(body, "claude-pt"));
    expect(sent!.headers).toMatchObject({ "anthropic-beta": BETA, "anthropic-version": "2023-06-01", "x-api-key": "sim-anthropic-secret" });
    expect(JSON.stringify(sent!.headers)).not.toContain(KEY);
    // Fields only the provider's own answer has: its message id, model id and service tier.
    expect(data).toMatchObject({ type: "message", model: "claude-pt", content: [{ type: "text", text: "Passed." }], usage: { service_tier: "standard" } });
    expect(data.id).toMatch(/^msg_sim/);
    expect(response.headers.get("x-proxy-passthrough")).toBe("true");
    expect(response.headers.get("x-proxy-model")).toBe("pt-claude");
  });

  it("sends a pretty-printed body as the client wrote it, member by member, but the model", async () => {
    const t = tag();
    const body = richBody({ tag: t, reply: "Pretty." });
    const res = await postJson("/v1/messages", JSON.stringify(body, null, 2));
    expect(res.status).toBe(200);
    const [sent] = await recorded(t);
    expect(sent!.raw).toBe(prettySent(body, "claude-pt"));
  });

  it("streams the same way: the body unchanged, the provider's events forwarded as they came", async () => {
    const t = tag();
    const body = richBody({ tag: t, reply: "Streamed through." }, { stream: true });
    const res = await postJson("/v1/messages", body, { headers: { "anthropic-beta": BETA } });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get("x-proxy-passthrough")).toBe("true");
    const [sent] = await recorded(t);
    expect(sent!.raw).toBe(asSent(body, "claude-pt"));
    expect(sent!.headers["anthropic-beta"]).toBe(BETA);
    const stream = checkMessagesStream(text);
    expect(stream.outcome).toBe("completed");
    expect(stream.message.content).toEqual([{ type: "text", text: "Streamed through." }]);
    // The provider's message_start, whole (a translated one has no service tier), and no OpenAI [DONE].
    expect(text.startsWith("event: message_start\n")).toBe(true);
    expect(text).toContain('"service_tier":"standard"');
    expect(text).not.toContain("[DONE]");
    // The SDK reads it too.
    const final = await client.messages.stream(richBody({ reply: "Again." }, { stream: true }) as never).finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "Again." }]);
  });

  it("passes the Claude Code request through byte for byte apart from the model", async () => {
    const t = tag();
    const body = structuredClone(fixture.body) as Json & { messages: Array<{ content: Json[] }> };
    const last = body.messages.at(-1)!.content.at(-1)!;
    last.text = `${String(last.text)} ${sim({ tag: t, reply: "pong" })}`;
    body.model = "pt-claude";
    const res = await postJson(fixture.url, body, { key: null, headers: { ...fixture.headers, "x-api-key": KEY } });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(checkMessagesStream(text).message.content.filter((b) => b.type === "text")).toEqual([{ type: "text", text: "pong" }]);
    const [sent] = await recorded(t);
    expect(sent!.raw).toBe(asSent(body, "claude-pt"));
    expect(sent!.headers["anthropic-beta"]).toBe(fixture.headers["anthropic-beta"]);
  });

  it("lowers max_tokens to the model's cap, and merges configured beta flags with the client's", async () => {
    const t = tag();
    const body = { model: "pt-capped", max_tokens: 4096, messages: [{ role: "user" as const, content: `Hi ${sim({ tag: t })}` }] };
    await client.messages.create(body, { headers: { "anthropic-beta": "client-beta-1, configured-beta-2025-01-01" } });
    const [sent] = await recorded(t);
    expect(sent!.raw).toBe(JSON.stringify({ ...body, model: "claude-pt-capped", max_tokens: 100 }));
    expect(sent!.headers["anthropic-beta"]).toBe("configured-beta-2025-01-01,client-beta-1");
  });

  it("translates a request with a system message inside messages, which Anthropic would refuse", async () => {
    const t = tag();
    const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: `Hi ${sim({ tag: t, reply: "Brief." })}` }];
    const res = await postJson("/v1/messages", { model: "pt-claude", max_tokens: 64, messages });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-passthrough")).toBeNull();
    const [sent] = await recorded(t);
    expect(sent!.body.system).toBe("Be brief.");
  });
});

describe("routing around a request passed through", () => {
  it("falls back before content from a failing Anthropic stream to an OpenAI-compatible model, invisibly", async () => {
    const t = tag();
    const directive = { tag: t, reply: "From the fallback.", stream_error: "overloaded_error", error_after: 0, only: ["claude-pt"] };
    const res = await postJson("/v1/messages", richBody(directive, { stream: true }));
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("pt-open");
    expect(res.headers.get("x-proxy-passthrough")).toBeNull();
    const stream = checkMessagesStream(text);
    expect(stream.outcome).toBe("completed");
    // Translated for its target: adaptive thinking became an effort, and the answer's reasoning a thinking block.
    expect(stream.message.content.filter((b) => b.type === "text")).toEqual([{ type: "text", text: "From the fallback." }]);
    expect((await recorded(t)).map((r) => r.path)).toEqual(["/anthropic/v1/messages", "/openai/v1/chat/completions"]);
  });

  it("falls back from an overloaded Anthropic model to an OpenAI-compatible one for a whole answer", async () => {
    const t = tag();
    const message = await client.messages.create(richBody({ tag: t, reply: "Fallback.", status: 529, only: ["claude-pt"] }) as never);
    expect(message.content.filter((b) => b.type === "text")).toEqual([{ type: "text", text: "Fallback." }]);
    expect((await recorded(t)).map((r) => r.path)).toEqual(["/anthropic/v1/messages", "/openai/v1/chat/completions"]);
  });

  it("falls back from a translated target to one passed through", async () => {
    const t = tag();
    const body = richBody({ tag: t, reply: "Raw at last.", status: 500, only: ["sim/pt-open-first"] }, { model: "pt-open-first", stream: true });
    const res = await postJson("/v1/messages", body);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get("x-proxy-passthrough")).toBe("true");
    expect(checkMessagesStream(text).message.content).toEqual([{ type: "text", text: "Raw at last." }]);
    const seen = await recorded(t);
    expect(seen.map((r) => r.path)).toEqual(["/openai/v1/chat/completions", "/anthropic/v1/messages"]);
    expect(seen[1]!.raw).toBe(asSent(body, "claude-pt-last"));
  });

  it("ends a stream that fails after content with Anthropic's error event, and the SDK raises", async () => {
    const t = tag();
    const body = richBody({ tag: t, reply: "one two three four five six", stream_error: "overloaded_error", error_after: 2 }, { stream: true });
    const res = await postJson("/v1/messages", body);
    const text = await res.text();
    expect(res.status).toBe(200);
    const stream = checkMessagesStream(text);
    expect(stream.outcome).toBe("error");
    expect(text.trimEnd().split("\n\n").at(-1)).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error","message":/);
    expect(text).not.toContain("sim-anthropic-secret");
    expect(await recorded(t)).toHaveLength(1);
    const err = await client.messages.stream(richBody({ reply: "one two three four", stream_error: "api_error", error_after: 1 }, { stream: true }) as never).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
  });

  it("counts the provider's usage, whole and streamed", async () => {
    for (const stream of [false, true]) {
      const res = await appPost("/v1/messages", richBody({ reply: "one two three", cache_write: 40, cache_read: 2 }, { stream }));
      expect(res.status).toBe(200);
      const line = logs.lineFor(res);
      // The simulator counts the prompt's words as input and one token per reply piece as output.
      expect(line).toMatchObject({ model: "pt-claude", tokens_estimated: false, tokens_out: 3 });
      expect(line.tokens_in).toBeGreaterThan(42);
      expect(line.stream_outcome).toBe(stream ? "completed" : null);
    }
  });

  it("counts the provider's usage against the model's token limit", async () => {
    await awayFromMinuteEdge();
    for (const [model, stream] of [["pt-tpm", false], ["pt-tpm-stream", true]] as const) {
      const t = tag();
      // max_tokens keeps each reservation small; the answer's 90 tokens are what fills the minute's 100.
      const ask = () => postJson("/v1/messages", { model, max_tokens: 10, stream, messages: [{ role: "user", content: `Hi ${sim({ tag: t, reply_words: 90 })}` }] });
      const first = await ask();
      expect(first.status).toBe(200);
      await first.text();
      const second = await ask();
      expect(second.status).toBe(429);
      expect(((await second.json()) as { error: { type: string } }).error.type).toBe("rate_limit_error");
      expect(await recorded(t)).toHaveLength(1);
    }
  });

  it("never echoes the provider's key, in an error answer or in an error event after content", async () => {
    const quoted = "Invalid request for key sim-anthropic-secret";
    const refused = await postJson("/v1/messages", richBody({ status: 400, message: quoted }));
    expect(refused.status).toBe(400);
    const body = await refused.text();
    expect(JSON.parse(body)).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(body).toContain("Invalid request for key");
    const failed = await postJson("/v1/messages", richBody({ reply: "one two three four", stream_error: "api_error", error_after: 2, message: quoted }, { stream: true }));
    const events = await failed.text();
    expect(checkMessagesStream(events).outcome).toBe("error");
    for (const text of [body, events, JSON.stringify([...refused.headers, ...failed.headers])]) {
      expect(text).not.toContain("sim-anthropic-secret");
      expect(text).not.toContain(KEY);
    }
  });

  it("translates a request that opts in to the cache, so its answer can be stored and replayed", async () => {
    const t = tag();
    const body = richBody({ tag: t, reply: "Fresh." });
    const { fetch, settled } = settledFetch();
    const served = [];
    for (let i = 0; i < 2; i++) {
      const headers = { authorization: `Bearer ${KEY}`, "content-type": "application/json", "x-proxy-cache-ttl": "60" };
      const res = await fetch(new Request("http://proxy/v1/messages", { method: "POST", headers, body: JSON.stringify(body) }));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-proxy-passthrough")).toBeNull();
      served.push({ cache: res.headers.get("x-proxy-cache"), body: (await res.json()) as Json });
      await settled();
    }
    expect(served.map((s) => s.cache)).toEqual(["MISS", "HIT"]);
    expect(served[1]!.body).toEqual(served[0]!.body);
    // Translated: the upstream got the internal form's body, not the client's unknown field.
    const [sent] = await recorded(t);
    expect(sent!.body).not.toHaveProperty("a_field_from_next_year");
    expect(await recorded(t)).toHaveLength(1);
  });
});
