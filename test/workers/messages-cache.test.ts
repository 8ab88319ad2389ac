/**
 * The response cache (src/cache) on POST /v1/messages, through the real @anthropic-ai/sdk,
 * against each target type: a repeated request is answered from the cache with the same
 * Message (as chat completions repeat theirs), streamed or not, in either direction; an
 * entry belongs to the client key that made it; a hit spends no model quota. Requests go
 * through a fetch that keeps each request's waitUntil work (settled-fetch.ts), so a test
 * waits for the entry to be stored rather than for a while.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { anthropicClient } from "./clients";
import { awayFromMinuteEdge, call, recorded, sim } from "./helpers";
import { settledFetch } from "./settled-fetch";

const { fetch, settled } = settledFetch();
const { client, checked } = anthropicClient({ via: fetch });
const other = anthropicClient({ key: "test-key-2", via: fetch });
afterEach(async () => {
  await Promise.all([checked(), other.checked()]);
});

const tag = () => `mc-${crypto.randomUUID()}`;
const ask = (content: string, model: string) => ({ model, max_tokens: 64, messages: [{ role: "user" as const, content }] });

const TARGETS = [
  { kind: "an OpenAI-compatible provider", model: "cache-openai", upstream: "sim/cache-openai" },
  { kind: "Gemini", model: "cache-gemini", upstream: "gemini-cache" },
  { kind: "Anthropic", model: "cache-claude", upstream: "claude-cache" },
];

/** Streams a request, as Claude Code does: the text as it came, the assembled Message, and the answer's cache header. */
async function streamed(params: Anthropic.MessageCreateParamsNonStreaming, sdk = client) {
  const stream = sdk.messages.stream(params);
  let text = "";
  stream.on("text", (delta) => (text += delta));
  const { response } = await stream.withResponse();
  const message = await stream.finalMessage();
  return { text, message, cache: response.headers.get("x-proxy-cache") };
}

describe.each(TARGETS)("the response cache on /v1/messages, $kind", ({ model, upstream }) => {
  it("answers a repeated request from the cache with the same Message, without asking the upstream", async () => {
    const t = tag();
    const params = ask(`Hi ${sim({ tag: t, reply: "Cached answer." })}`, model);
    const first = await client.messages.create(params).withResponse();
    expect(first.response.headers.get("x-proxy-cache")).toBe("MISS");
    expect(first.data).toMatchObject({ type: "message", role: "assistant", model: upstream, content: [{ type: "text", text: "Cached answer." }], stop_reason: "end_turn" });
    await settled();
    const second = await client.messages.create(params).withResponse();
    expect(second.response.headers.get("x-proxy-cache")).toBe("HIT");
    expect(second.response.headers.get("x-proxy-model")).toBe(model);
    expect(second.response.headers.get("x-proxy-attempts")).toBe("0");
    expect(second.data).toEqual(first.data);
    expect(await recorded(t)).toHaveLength(1);
  });

  it("replays a streamed answer as a stream of Anthropic's grammar, and serves it to a plain request", async () => {
    const t = tag();
    const reply = "Streamed once, replayed later.";
    const params = ask(sim({ tag: t, reply }), model);
    const live = await streamed(params);
    expect(live.cache).toBe("MISS");
    expect(live.text).toBe(reply);
    await settled();
    const replayed = await streamed(params);
    expect(replayed.cache).toBe("HIT");
    expect(replayed.text).toBe(reply);
    expect(replayed.message).toEqual(live.message);
    expect(replayed.message).toMatchObject({ model: upstream, stop_reason: "end_turn", content: [{ type: "text", text: reply }] });
    expect(replayed.message.usage.output_tokens).toBe(live.message.usage.output_tokens);
    const plain = await client.messages.create(params).withResponse();
    expect(plain.response.headers.get("x-proxy-cache")).toBe("HIT");
    expect(plain.data).toMatchObject({ id: live.message.id, model: upstream, content: [{ type: "text", text: reply }], stop_reason: "end_turn" });
    const checks = await checked();
    expect(checks.map((c) => c.outcome)).toEqual(["completed", "completed"]);
    expect(await recorded(t)).toHaveLength(1);
  });

  it("streams a plain answer from the cache", async () => {
    const t = tag();
    const params = ask(sim({ tag: t, reply: "Plain first, streamed next." }), model);
    const first = await client.messages.create(params);
    await settled();
    const replayed = await streamed(params);
    expect(replayed.cache).toBe("HIT");
    expect(replayed.text).toBe("Plain first, streamed next.");
    expect(replayed.message).toMatchObject({ id: first.id, content: first.content, stop_reason: "end_turn" });
    expect(await recorded(t)).toHaveLength(1);
  });

  it("keeps thinking, signatures included, in an entry made from a stream", async () => {
    const t = tag();
    const params = { ...ask(`Think first. ${sim({ tag: t, reply: "Thought through." })}`, model), max_tokens: 4096, thinking: { type: "enabled" as const, budget_tokens: 2048 } };
    const live = await streamed(params);
    expect(live.message.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    await settled();
    const replayed = await streamed(params);
    expect(replayed.cache).toBe("HIT");
    expect(replayed.message.content).toEqual(live.message.content);
    const plain = await client.messages.create(params);
    expect(plain.content).toEqual(live.message.content);
    expect(await recorded(t)).toHaveLength(1);
  });

  it("keeps each client key's entries to itself", async () => {
    const t = tag();
    const params = ask(sim({ tag: t, reply: "Only mine." }), model);
    await client.messages.create(params);
    await settled();
    const { response } = await other.client.messages.create(params).withResponse();
    expect(response.headers.get("x-proxy-cache")).toBe("MISS");
    await settled();
    expect((await other.client.messages.create(params).withResponse()).response.headers.get("x-proxy-cache")).toBe("HIT");
    expect(await recorded(t)).toHaveLength(2);
  });
});

describe("the response cache on /v1/messages", () => {
  it("keeps end users apart: a different metadata.user_id is a different entry", async () => {
    const t = tag();
    const base = ask(sim({ tag: t, reply: "Per user." }), "cache-openai");
    const cacheOf = async (user: string) => {
      const { response } = await client.messages.create({ ...base, metadata: { user_id: user } }).withResponse();
      await settled();
      return response.headers.get("x-proxy-cache");
    };
    expect(await cacheOf("ada")).toBe("MISS");
    expect(await cacheOf("ada")).toBe("HIT");
    expect(await cacheOf("bob")).toBe("MISS");
    expect(await recorded(t)).toHaveLength(2);
  });

  it("caches only when the model, its category or the request opts in", async () => {
    const t = tag();
    const params = ask(sim({ tag: t }), "claude-sim");
    const cacheOf = async (headers: Record<string, string> = {}) => (await client.messages.create(params, { headers }).withResponse()).response.headers.get("x-proxy-cache");
    expect(await cacheOf()).toBe("BYPASS");
    expect(await cacheOf({ "x-proxy-cache-ttl": "30" })).toBe("MISS");
    await settled();
    expect(await cacheOf({ "x-proxy-cache-ttl": "30" })).toBe("HIT");
    expect(await cacheOf({ "x-proxy-cache-ttl": "0" })).toBe("BYPASS");
    expect(await recorded(t)).toHaveLength(3);
  });

  it("spends no quota on hits", async () => {
    // The count is per calendar minute: keep the whole test inside one.
    await awayFromMinuteEdge();
    const t = tag();
    const params = ask(sim({ tag: t }), "cache-quota-claude");
    await client.messages.create(params);
    await settled();
    for (let i = 0; i < 6; i++) expect((await client.messages.create(params).withResponse()).response.headers.get("x-proxy-cache")).toBe("HIT");
    expect(await recorded(t)).toHaveLength(1);
    const used = async () => {
      const status = (await (await call("/v1/status")).json()) as { models: Array<{ name: string; usage: { rpm?: { used: number } } }> };
      return status.models.find((m) => m.name === "cache-quota-claude")?.usage.rpm?.used;
    };
    // Once this isolate's leased slots go back, only the one miss counts.
    await expect.poll(used, { timeout: 5000 }).toBe(1);
  });
});
