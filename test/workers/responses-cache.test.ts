/**
 * The response cache (src/cache) on POST /v1/responses, through the openai SDK's
 * `responses.create` and `responses.stream`, against each target type. A repeated request
 * is answered from the cache, streamed or not, without asking the upstream; the answer is
 * still a Response of its own: a fresh `resp_` id, stored like any other (GET returns it,
 * `previous_response_id` continues from it), and nothing stored for `store: false`. An
 * entry belongs to the client key that made it, and a hit spends no model quota. Requests
 * go through a fetch that keeps each request's waitUntil work (settled-fetch.ts), so a
 * test waits for the entry to be stored rather than for a while.
 */
import type OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { responsesClient } from "./clients";
import { awayFromMinuteEdge, call, recorded, sim } from "./helpers";
import { settledFetch } from "./settled-fetch";

const { fetch, settled } = settledFetch();
const { client, checked } = responsesClient({ via: fetch });
const other = responsesClient({ key: "test-key-2", via: fetch });
afterEach(async () => {
  await Promise.all([checked(), other.checked()]);
});

const tag = () => `rc-${crypto.randomUUID()}`;

const TARGETS = [
  { kind: "an OpenAI-compatible provider", model: "cache-openai", upstream: "sim/cache-openai" },
  { kind: "Gemini", model: "cache-gemini", upstream: "gemini-cache" },
  { kind: "Anthropic", model: "cache-claude", upstream: "claude-cache" },
];

/** The parts of a Response a cached answer repeats: everything but its id, its items' ids and its time. */
const said = (r: OpenAI.Responses.Response) => ({
  model: r.model,
  status: r.status,
  output_text: r.output_text,
  output: r.output.map((o) => ({ ...o, id: undefined })),
  usage: r.usage,
});

/** Streams a request: the text as it came, the Response of `response.completed`, and the answer's cache header. */
async function streamed(params: OpenAI.Responses.ResponseCreateParamsNonStreaming, sdk = client) {
  const { data: stream, response } = await sdk.responses.create({ ...params, stream: true }).withResponse();
  let text = "";
  let done: OpenAI.Responses.Response | undefined;
  for await (const event of stream) {
    if (event.type === "response.output_text.delta") text += event.delta;
    if (event.type === "response.completed") done = event.response;
  }
  expect(done).toBeDefined();
  return { text, response: done!, cache: response.headers.get("x-proxy-cache") };
}

describe.each(TARGETS)("the response cache on /v1/responses, $kind", ({ model, upstream }) => {
  it("answers a repeated request from the cache as a new, stored Response", async () => {
    const t = tag();
    const params = { model, input: `Hi ${sim({ tag: t, reply: "Cached answer." })}` };
    const first = await client.responses.create(params).withResponse();
    expect(first.response.headers.get("x-proxy-cache")).toBe("MISS");
    expect(first.data).toMatchObject({ object: "response", status: "completed", model: upstream, output_text: "Cached answer." });
    await settled();
    const second = await client.responses.create(params).withResponse();
    expect(second.response.headers.get("x-proxy-cache")).toBe("HIT");
    expect(second.response.headers.get("x-proxy-model")).toBe(model);
    expect(second.data.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(second.data.id).not.toBe(first.data.id);
    expect(said(second.data)).toEqual(said(first.data));
    // Its items are its own too: their ids name the response they belong to.
    for (const item of second.data.output) expect(item.id).toContain(second.data.id.slice(5));
    expect(await recorded(t)).toHaveLength(1);
    const got = await client.responses.retrieve(second.data.id);
    expect(got).toMatchObject({ id: second.data.id, output_text: "Cached answer." });
  });

  it("continues a conversation from a cached Response with previous_response_id", async () => {
    const t = tag();
    const params = { model, input: `My name is Ada. ${sim({ tag: t, reply: "Hello Ada." })}` };
    await client.responses.create(params);
    await settled();
    const cached = await client.responses.create(params).withResponse();
    expect(cached.response.headers.get("x-proxy-cache")).toBe("HIT");
    const next = await client.responses.create({ model, previous_response_id: cached.data.id, input: `What is my name? ${sim({ tag: t, reply: "You are Ada." })}` });
    expect(next.output_text).toBe("You are Ada.");
    expect(next.previous_response_id).toBe(cached.data.id);
    const asked = await recorded(t);
    expect(asked).toHaveLength(2);
    const sent = JSON.stringify(asked[1]!.body);
    for (const text of ["My name is Ada.", "Hello Ada.", "What is my name?"]) expect(sent).toContain(text);
  });

  it("replays a streamed answer as a documented event stream, stored under a fresh id, and serves it to a plain request", async () => {
    const t = tag();
    const reply = "Streamed once, replayed later.";
    const params = { model, input: sim({ tag: t, reply }) };
    const live = await streamed(params);
    expect(live.cache).toBe("MISS");
    expect(live.text).toBe(reply);
    await settled();
    const replayed = await streamed(params);
    expect(replayed.cache).toBe("HIT");
    expect(replayed.text).toBe(reply);
    expect(replayed.response.id).not.toBe(live.response.id);
    expect(said(replayed.response)).toEqual(said(live.response));
    expect((await client.responses.retrieve(replayed.response.id)).output_text).toBe(reply);
    const plain = await client.responses.create(params).withResponse();
    expect(plain.response.headers.get("x-proxy-cache")).toBe("HIT");
    expect(plain.data.output_text).toBe(reply);
    const checks = await checked();
    expect(checks.map((c) => c.outcome)).toEqual(["completed", "completed"]);
    expect(await recorded(t)).toHaveLength(1);
  });

  it("keeps reasoning items, their encrypted state included, in an entry made from a stream", async () => {
    const t = tag();
    const params = { model, store: false, reasoning: { effort: "low" as const, summary: "auto" as const }, input: `Think first. ${sim({ tag: t, reply: "Thought through." })}` };
    const live = await streamed(params);
    expect(live.response.output.map((o) => o.type)).toEqual(["reasoning", "message"]);
    await settled();
    const replayed = await streamed(params);
    expect(replayed.cache).toBe("HIT");
    expect(said(replayed.response)).toEqual(said(live.response));
    const plain = await client.responses.create(params);
    expect(said(plain).output).toEqual(said(live.response).output);
    expect(await recorded(t)).toHaveLength(1);
  });

  it("stores nothing for a cached answer to store: false", async () => {
    const t = tag();
    const params = { model, store: false, input: sim({ tag: t, reply: "Forget me." }) };
    await client.responses.create(params);
    await settled();
    const plain = await client.responses.create(params).withResponse();
    expect(plain.response.headers.get("x-proxy-cache")).toBe("HIT");
    const live = await streamed(params);
    expect(live.cache).toBe("HIT");
    for (const id of [plain.data.id, live.response.id]) await expect(client.responses.retrieve(id)).rejects.toMatchObject({ status: 404 });
    expect(await recorded(t)).toHaveLength(1);
  });

  it("keeps each client key's entries and stored responses to itself", async () => {
    const t = tag();
    const params = { model, input: sim({ tag: t, reply: "Only mine." }) };
    await client.responses.create(params);
    await settled();
    const theirs = await other.client.responses.create(params).withResponse();
    expect(theirs.response.headers.get("x-proxy-cache")).toBe("MISS");
    await settled();
    const again = await other.client.responses.create(params).withResponse();
    expect(again.response.headers.get("x-proxy-cache")).toBe("HIT");
    await expect(client.responses.retrieve(again.data.id)).rejects.toMatchObject({ status: 404 });
    expect(await recorded(t)).toHaveLength(2);
  });
});

describe("the response cache on /v1/responses", () => {
  it("keeps end users apart: a different user or metadata is a different entry", async () => {
    const t = tag();
    const base = { model: "cache-openai", store: false, input: sim({ tag: t, reply: "Per user." }) };
    const cacheOf = async (extra: Record<string, unknown>) => {
      const { response } = await client.responses.create({ ...base, ...extra }).withResponse();
      await settled();
      return response.headers.get("x-proxy-cache");
    };
    expect(await cacheOf({ user: "ada" })).toBe("MISS");
    expect(await cacheOf({ user: "ada" })).toBe("HIT");
    expect(await cacheOf({ user: "bob" })).toBe("MISS");
    expect(await cacheOf({ user: "ada", metadata: { team: "red" } })).toBe("MISS");
    expect(await cacheOf({ user: "ada", metadata: { team: "red" } })).toBe("HIT");
    expect(await recorded(t)).toHaveLength(3);
  });

  it("caches only when the model, its category or the request opts in", async () => {
    const t = tag();
    const params = { model: "gemini-sim", store: false, input: sim({ tag: t }) };
    const cacheOf = async (headers: Record<string, string> = {}) => (await client.responses.create(params, { headers }).withResponse()).response.headers.get("x-proxy-cache");
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
    const params = { model: "cache-quota-gemini", store: false, input: sim({ tag: t }) };
    await client.responses.create(params);
    await settled();
    for (let i = 0; i < 6; i++) expect((await client.responses.create(params).withResponse()).response.headers.get("x-proxy-cache")).toBe("HIT");
    expect(await recorded(t)).toHaveLength(1);
    const used = async () => {
      const status = (await (await call("/v1/status")).json()) as { models: Array<{ name: string; usage: { rpm?: { used: number } } }> };
      return status.models.find((m) => m.name === "cache-quota-gemini")?.usage.rpm?.used;
    };
    // Once this isolate's leased slots go back, only the one miss counts.
    await expect.poll(used, { timeout: 5000 }).toBe(1);
  });
});
