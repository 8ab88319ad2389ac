/** The opt-in response cache: misses, hits, streamed replays, scoping, and what never gets cached. */
import { describe, expect, it } from "vitest";
import { openaiClient } from "./clients";
import { awayFromMinuteEdge, call, postJson, recorded, sim } from "./helpers";

const unique = () => `t-${crypto.randomUUID()}`;
/** Reads the whole body, as every client does: an entry is stored from a copy of the response as it is read. */
async function ask(model: string, content: string, extra: Record<string, unknown> = {}, init: { key?: string; headers?: Record<string, string> } = {}) {
  const res = await postJson("/v1/chat/completions", { model, messages: [{ role: "user", content }], ...extra }, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}
const settle = () => new Promise((r) => setTimeout(r, 300));

describe("response cache", () => {
  it("answers an identical request from the cache without calling the upstream", async () => {
    const t = unique();
    const first = await ask("cache-a", sim({ tag: t, reply: "Cached answer." }));
    expect(first.headers.get("x-proxy-cache")).toBe("MISS");
    const firstBody = first.json();
    await settle();
    const second = await ask("cache-a", sim({ tag: t, reply: "Cached answer." }));
    expect(second.headers.get("x-proxy-cache")).toBe("HIT");
    expect(second.headers.get("x-proxy-model")).toBe("cache-a");
    expect(second.json()).toEqual(firstBody);
    expect(await recorded(t)).toHaveLength(1);
  });

  it("replays a cached answer as a proper stream, and serves a streamed answer to plain requests", async () => {
    const t = unique();
    const content = sim({ tag: t, reply: "Streamed once, replayed later." });
    const client = openaiClient();
    const collect = async () => {
      const stream = await client.chat.completions.create({ model: "cache-a", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content }] });
      let text = "";
      let usage: unknown;
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      return { text, usage, finish };
    };
    const live = await collect();
    await settle();
    expect((await ask("cache-a", content)).headers.get("x-proxy-cache")).toBe("HIT");
    const replayed = await collect();
    expect(replayed).toEqual(live);
    expect(replayed.text).toBe("Streamed once, replayed later.");
    expect(await recorded(t)).toHaveLength(1);
  });

  it("replays tool calls", async () => {
    const t = unique();
    const tools = [{ type: "function" as const, function: { name: "lookup", parameters: { type: "object" } } }];
    const content = sim({ tag: t, tool_calls: [{ name: "lookup", arguments: { q: "x" } }] });
    const client = openaiClient();
    const first = await client.chat.completions.stream({ model: "cache-a", stream: true, tools, messages: [{ role: "user", content }] }).finalChatCompletion();
    await settle();
    expect((await ask("cache-a", content, { tools })).headers.get("x-proxy-cache")).toBe("HIT");
    const second = await client.chat.completions.stream({ model: "cache-a", stream: true, tools, messages: [{ role: "user", content }] }).finalChatCompletion();
    expect(second.choices[0]?.message.tool_calls).toEqual(first.choices[0]?.message.tool_calls);
    expect(second.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("keeps reasoning_content in an entry made from a stream, and replays it", async () => {
    const t = unique();
    const content = sim({ tag: t, reply: "Done.", reasoning: "First this, then that." });
    const client = openaiClient();
    const collect = async () => {
      const stream = await client.chat.completions.create({ model: "cache-a", stream: true, messages: [{ role: "user", content }] });
      let reasoning = "";
      for await (const chunk of stream) reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? "";
      return reasoning;
    };
    expect(await collect()).toBe("First this, then that.");
    await settle();
    const plain = await ask("cache-a", content);
    expect(plain.headers.get("x-proxy-cache")).toBe("HIT");
    expect((plain.json() as { choices: Array<{ message: { reasoning_content?: string; content: string } }> }).choices[0]?.message).toMatchObject({ content: "Done.", reasoning_content: "First this, then that." });
    expect(await collect()).toBe("First this, then that.");
    expect(await recorded(t)).toHaveLength(1);
  });

  it("bypasses the cache unless the model, its category or the request opts in", async () => {
    const t = unique();
    expect((await ask("sim-small", sim({ tag: t }))).headers.get("x-proxy-cache")).toBe("BYPASS");
    expect((await ask("cache-a", sim({ tag: t }), {}, { headers: { "x-proxy-cache-ttl": "0" } })).headers.get("x-proxy-cache")).toBe("BYPASS");
    expect((await ask("sim-small", sim({ tag: t }), {}, { headers: { "x-proxy-cache-ttl": "30" } })).headers.get("x-proxy-cache")).toBe("MISS");
    await settle();
    expect((await ask("sim-small", sim({ tag: t }), {}, { headers: { "x-proxy-cache-ttl": "30" } })).headers.get("x-proxy-cache")).toBe("HIT");
    const category = unique();
    expect((await ask("CACHED", sim({ tag: category }))).headers.get("x-proxy-cache")).toBe("MISS");
    await settle();
    expect((await ask("CACHED", sim({ tag: category }))).headers.get("x-proxy-cache")).toBe("HIT");
  });

  it("keeps each client key's entries to itself", async () => {
    const t = unique();
    await ask("cache-a", sim({ tag: t }));
    await settle();
    expect((await ask("cache-a", sim({ tag: t }))).headers.get("x-proxy-cache")).toBe("HIT");
    expect((await ask("cache-a", sim({ tag: t }), {}, { key: "test-key-2" })).headers.get("x-proxy-cache")).toBe("MISS");
  });

  it("spends no quota on hits", async () => {
    // The count is per calendar minute: keep the whole test inside one.
    await awayFromMinuteEdge();
    const t = unique();
    await ask("cache-quota", sim({ tag: t }));
    await settle();
    for (let i = 0; i < 6; i++) expect((await ask("cache-quota", sim({ tag: t }))).headers.get("x-proxy-cache")).toBe("HIT");
    expect(await recorded(t)).toHaveLength(1);
    const used = async () => {
      const status = (await (await call("/v1/status")).json()) as { models: Array<{ name: string; usage: { rpm?: { used: number } } }> };
      return status.models.find((m) => m.name === "cache-quota")?.usage.rpm?.used;
    };
    // Once this isolate's leased slots go back, only the one miss counts.
    await expect.poll(used, { timeout: 5000 }).toBe(1);
  });

  it("never caches a stream that failed", async () => {
    const t = unique();
    const content = sim({ tag: t, reply: "a b c d e f", drop_after: 3, chunk_delay_ms: 20 });
    expect((await ask("cache-a", content, { stream: true })).text).toContain('"error"');
    await settle();
    expect((await ask("cache-a", content, { stream: true })).headers.get("x-proxy-cache")).toBe("MISS");
  });

  it("keys entries on every field that can change the answer, user and metadata included", async () => {
    const t = unique();
    const content = sim({ tag: t, reply: "Per user." });
    const as = (extra: Record<string, unknown>) => ask("cache-a", content, extra);
    expect((await as({ user: "alice", metadata: { team: "a" } })).headers.get("x-proxy-cache")).toBe("MISS");
    await settle();
    expect((await as({ user: "alice", metadata: { team: "a" } })).headers.get("x-proxy-cache")).toBe("HIT");
    expect((await as({ user: "bob", metadata: { team: "a" } })).headers.get("x-proxy-cache")).toBe("MISS");
    expect((await as({ user: "alice", metadata: { team: "b" } })).headers.get("x-proxy-cache")).toBe("MISS");
    expect((await as({ user: "alice", metadata: { team: "a" }, temperature: 0.5 })).headers.get("x-proxy-cache")).toBe("MISS");
    expect(await recorded(t)).toHaveLength(4);
  });

  it("answers an absurdly deep body with a 400, cache or not", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const body = `{"model":"cache-a","messages":[{"role":"user","content":"hi"}],"extra":${deep}}`;
    for (const headers of [{}, { "x-proxy-cache-ttl": "60" }] as Array<Record<string, string>>) {
      const res = await postJson("/v1/chat/completions", body, { headers });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
    }
  });

  it("keeps backpressure: five clients that never read hold their upstreams back, and leaving closes them", async () => {
    const t = unique();
    const open = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        postJson("/v1/chat/completions", { model: "sim-small", stream: true, messages: [{ role: "user", content: sim({ tag: t, reply: `endless ${i} word`, endless_from: 1 }) }] }, { headers: { "x-proxy-cache-ttl": "60" } }),
      ),
    );
    for (const res of open) expect(res.headers.get("x-proxy-cache")).toBe("MISS");
    const upstreams = async () => recorded(t);
    // Each upstream fills what the connection buffers, then waits for a reader that never comes:
    // all five end up blocked, sending nothing more (with a tee, a copy would read them dry).
    let previous = "";
    const settled = async () => {
      const now = await upstreams();
      const sample = JSON.stringify(now.map((r) => r.sent));
      const still = sample === previous && now.length === 5 && now.every((r) => r.blocked);
      previous = sample;
      return still;
    };
    await expect.poll(settled, { timeout: 20_000, interval: 400 }).toBe(true);
    for (const r of await upstreams()) expect(r.sent).toBeLessThan(16 * 1024 * 1024);
    for (const res of open) await res.body!.cancel();
    await expect.poll(async () => (await upstreams()).every((r) => r.closedAt !== undefined && r.finished === false), { timeout: 5000 }).toBe(true);
  });

  it.each([false, true])("serves but does not cache an answer over 1 MiB (stream: %s)", async (stream) => {
    const t = unique();
    // Over 1 MiB in 25,000 words (as many stream events), not 250,000: the size is what
    // counts, and a quarter of a million events took most of the test's time limit.
    const reply = `${"w".repeat(49)} `.repeat(25_000).trim();
    const content = sim({ tag: t, reply });
    const first = await ask("cache-a", content, stream ? { stream: true } : {});
    expect(first.status).toBe(200);
    expect(first.text.length).toBeGreaterThan(reply.length);
    await settle();
    expect((await ask("cache-a", content, stream ? { stream: true } : {})).headers.get("x-proxy-cache")).toBe("MISS");
    expect(await recorded(t)).toHaveLength(2);
  });

  it("rejects a malformed x-proxy-cache-ttl with a 400 naming it", async () => {
    const res = await ask("cache-a", "hi", {}, { headers: { "x-proxy-cache-ttl": "soon" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("x-proxy-cache-ttl");
  });
});
