/**
 * Named client keys (PROXY_API_KEYS `name:key`, models.yaml `clients`): each client's own
 * limits, exact and global in its ClientLimiter, refused before any model quota is spent;
 * allow-lists that refuse or narrow before routing; what a client and an admin see of
 * /v1/status, /v1/usage and /v1/models; the client named in the log, its key nowhere.
 */
import { describe, expect, it, vi } from "vitest";
import type { UsageBody } from "../../src/clients/usage-body";
import type { StatusBody } from "../../src/routes/status-body";
import { appPost, captureLogs } from "./app-fetch";
import { awayFromDayEdge, awayFromMinuteEdge, call, chat, postJson, recorded, sim, simStats } from "./helpers";

const KEYS = { one: "sk-cl-one-0123456789", two: "sk-cl-two-0123456789", burst: "sk-cl-burst-0123456789", narrow: "sk-cl-narrow-0123456789", admin: "sk-cl-admin-0123456789", conc: "sk-cl-conc-0123456789", tokens: "sk-cl-tokens-0123456789" };
const logs = captureLogs();

const ask = (key: string, model: string, content = "hi") => postJson("/v1/chat/completions", { model, messages: [{ role: "user", content }] }, { key });
/** The client's own usage, once its limiter has recorded `requests` finished requests (usage is written behind). */
async function usageAfter(key: string, requests: number): Promise<UsageBody["clients"][number]> {
  let mine: UsageBody["clients"][number] | undefined;
  await expect
    .poll(async () => {
      mine = ((await (await call("/v1/usage", { key })).json()) as UsageBody).clients[0];
      return mine?.day.requests;
    }, { timeout: 10_000, interval: 50 })
    .toBe(requests);
  return mine!;
}
const getJson = async <T>(path: string, key: string): Promise<T> => (await call(path, { key })).json() as Promise<T>;

describe("named clients", () => {
  it("gives two clients with rpd 5 exactly 5 each of a model with rpd 100, then 429s that spend no model quota", async () => {
    await awayFromDayEdge();
    const answers = await Promise.all([KEYS.one, KEYS.two].flatMap((key) => Array.from({ length: 7 }, () => ask(key, "cl-rpd100"))));
    for (const half of [answers.slice(0, 7), answers.slice(7)]) {
      expect(half.filter((r) => r.status === 200)).toHaveLength(5);
      const refused = half.filter((r) => r.status === 429);
      expect(refused).toHaveLength(2);
      expect(Number(refused[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      const body = (await refused[0]!.json()) as { error: { code: string; type: string } };
      expect(body.error).toMatchObject({ type: "rate_limit_error", code: "client_rate_limit_exceeded" });
    }
    expect(answers.filter((r) => r.headers.get("x-proxy-model") === "cl-rpd100")).toHaveLength(10);
    expect(await simStats("route/cl-rpd100")).toEqual({ requests: 10, rate_limited: 0 });
  });

  it("sends exactly 20 of 200 concurrent requests from a client with rpm 20 upstream", async () => {
    await awayFromMinuteEdge();
    const answers = await Promise.all(Array.from({ length: 200 }, () => ask(KEYS.burst, "cl-burst")));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(20);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(180);
    expect(await simStats("route/cl-burst")).toEqual({ requests: 20, rate_limited: 0 });
  });

  it("refuses a model outside the allow-list with a 403 naming it, in the route's shape, calling no upstream", async () => {
    const t = `cl-${crypto.randomUUID()}`;
    const refused = await ask(KEYS.narrow, "claude-opus-4-8", sim({ tag: t }));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: { message: expect.stringContaining("'claude-opus-4-8'"), type: "permission_error", param: "model", code: "model_not_allowed" } });
    const messages = await postJson("/v1/messages", { model: "sim-big", max_tokens: 16, messages: [{ role: "user", content: sim({ tag: t }) }] }, { key: KEYS.narrow });
    expect(messages.status).toBe(403);
    expect(await messages.json()).toEqual({ type: "error", error: { type: "permission_error", message: expect.stringContaining("'sim-big'") } });
    // The token counters answer without an upstream, but name no model the client may not use either.
    const counted = await postJson("/v1/responses/input_tokens", { model: "claude-opus-4-8", input: "hi" }, { key: KEYS.narrow });
    expect(counted.status).toBe(403);
    expect(((await counted.json()) as { error: { code: string } }).error.code).toBe("model_not_allowed");
    const allowed = await postJson("/v1/responses/input_tokens", { model: "gpt-4o", input: "hi" }, { key: KEYS.narrow });
    expect(allowed.status).toBe(200);
    expect(await recorded(t)).toEqual([]);
    // An alias on the list stands for its model, which may then be named directly too.
    expect((await ask(KEYS.narrow, "gpt-4o")).headers.get("x-proxy-model")).toBe("sim-small");
    expect((await ask(KEYS.narrow, "sim-small")).status).toBe(200);
  });

  it("narrows a category to the members the client may use", async () => {
    const before = (await simStats("route/cl-cat-a")).requests;
    const answers = await Promise.all(Array.from({ length: 3 }, () => ask(KEYS.narrow, "CLCAT")));
    expect(answers.map((r) => r.headers.get("x-proxy-model"))).toEqual(["cl-cat-b", "cl-cat-b", "cl-cat-b"]);
    expect((await simStats("route/cl-cat-a")).requests).toBe(before);
    // A client with no allow-list gets the category's first choice.
    expect((await chat("CLCAT")).headers.get("x-proxy-model")).toBe("cl-cat-a");
  });

  it("shows a client only the models it may use in /v1/models and /v1/status; an admin and a client without rules see all", async () => {
    const listed = (await getJson<{ data: Array<{ id: string }> }>("/v1/models", KEYS.narrow)).data.map((m) => m.id);
    expect(listed).toEqual(expect.arrayContaining(["sim-small", "cl-cat-b", "CLCAT", "SMALL", "gpt-4o", "claude-haiku*"]));
    for (const hidden of ["cl-cat-a", "sim-big", "BIG", "claude-*", "claude-opus-4-8"]) expect(listed).not.toContain(hidden);
    expect((await call("/v1/models/sim-big", { key: KEYS.narrow })).status).toBe(404);
    expect((await call("/v1/models/claude-haiku-9", { key: KEYS.narrow })).status).toBe(200);

    const mine = await getJson<StatusBody>("/v1/status", KEYS.narrow);
    expect(mine.models.map((m) => m.name).sort()).toEqual(["cl-cat-b", "sim-small"]);
    expect(mine.categories.find((c) => c.name === "CLCAT")?.order).toEqual(["cl-cat-b"]);
    expect(mine.categories.map((c) => c.name)).not.toContain("BIG");
    expect(mine.providers.map((p) => p.id).sort()).toEqual(["sim", "simroute"]);
    for (const key of [KEYS.admin, "test-key-1"]) {
      const all = await getJson<StatusBody>("/v1/status", key);
      expect(all.models.map((m) => m.name)).toEqual(expect.arrayContaining(["cl-cat-a", "sim-big", "emb-openai"]));
    }
  });

  it("reports usage by model to the client itself and every client's to an admin, with no key in either", async () => {
    await awayFromDayEdge();
    await ask(KEYS.narrow, "cl-cat-b");
    await ask(KEYS.narrow, "cl-cat-b", sim({ status: 500 }));
    // Usage is written behind the answers: it arrives shortly after them. cl-narrow's earlier requests were 3 of CLCAT.
    const mine = await vi.waitFor(async () => {
      const body = await getJson<UsageBody>("/v1/usage", KEYS.narrow);
      expect(body.clients[0]?.day.models["cl-cat-b"]).toMatchObject({ requests: 5, errors: 1 });
      return body;
    }, { timeout: 10_000, interval: 100 });
    expect(mine.clients.map((c) => c.client)).toEqual(["cl-narrow"]);
    const usage = mine.clients[0]!;
    expect(usage).toMatchObject({ role: "client", limits: {}, max_concurrent: null });
    expect(usage.day.models["cl-cat-b"]!.tokens_out).toBeGreaterThan(0);
    expect(usage.day.models["sim-small"]?.requests).toBe(2);
    expect(usage.day.requests).toBeGreaterThanOrEqual(usage.hour.requests);

    const res = await call("/v1/usage", { key: KEYS.admin });
    const text = await res.text();
    const all = JSON.parse(text) as UsageBody;
    const names = all.clients.map((c) => c.client);
    expect(names).toEqual(expect.arrayContaining(["cl-one", "cl-two", "cl-burst", "cl-narrow", "cl-admin"]));
    expect(names.filter((n) => /^key-[0-9a-f]{8}$/.test(n))).toHaveLength(2);
    const burst = all.clients.find((c) => c.client === "cl-burst")!;
    expect(burst.limits.rpm).toMatchObject({ limit: 20 });
    for (const key of [...Object.values(KEYS), "test-key-1", "test-key-2"]) expect(text).not.toContain(key);
  });

  it("names the client in the request log line, never its key", async () => {
    const named = await appPost("/v1/chat/completions", { model: "sim-small", messages: [{ role: "user", content: "hi" }] }, { key: KEYS.narrow });
    expect(named.status).toBe(200);
    expect(logs.lineFor(named).client).toBe("cl-narrow");
    const bare = await appPost("/v1/chat/completions", { model: "sim-small", messages: [{ role: "user", content: "hi" }] });
    expect(logs.lineFor(bare).client).toMatch(/^key-[0-9a-f]{8}$/);
    const refused = await appPost("/v1/chat/completions", { model: "sim-big", messages: [{ role: "user", content: "hi" }] }, { key: KEYS.narrow });
    expect(logs.lineFor(refused)).toMatchObject({ client: "cl-narrow", status: 403, error: "model_not_allowed" });
    for (const line of logs.written()) for (const key of [...Object.values(KEYS), "test-key-1"]) expect(line).not.toContain(key);
  });
  it("holds a client to max_concurrent: 2 of 6 at once go upstream, the rest 429, and a finished request frees its place", async () => {
    const t = `cl-${crypto.randomUUID()}`;
    const slow = sim({ tag: t, delay_ms: 600 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => ask(KEYS.conc, "cl-open", slow)));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(2);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused).toHaveLength(4);
    for (const r of refused) expect(((await r.json()) as { error: { code: string } }).error.code).toBe("client_rate_limit_exceeded");
    expect(await recorded(t)).toHaveLength(2);
    // The places come back with the finished requests' reports, written behind.
    expect((await usageAfter(KEYS.conc, 2)).in_flight).toBe(0);
    const again = await Promise.all(Array.from({ length: 2 }, () => ask(KEYS.conc, "cl-open", slow)));
    expect(again.map((r) => r.status)).toEqual([200, 200]);
  });

  it("holds a client's tpd 120 against 59-token answers: 2 of 5 served, the rest refused before any upstream call", async () => {
    await awayFromDayEdge();
    const t = `cl-${crypto.randomUUID()}`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      // 2 input tokens (the directive's words, as the simulator counts them) and 57 output tokens.
      const r = await ask(KEYS.tokens, "cl-open", sim({ tag: t, reply_words: 57 }));
      statuses.push(r.status);
      if (r.status === 200) await usageAfter(KEYS.tokens, i + 1);
    }
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    expect(await recorded(t)).toHaveLength(2);
    expect((await usageAfter(KEYS.tokens, 2)).limits.tpd).toMatchObject({ used: 118, limit: 120 });
  });
});
