/** Failures through the whole Worker: fallback order, retries, cooldowns, the breaker, concurrency. */
import { describe, expect, it } from "vitest";
import { call, chat, recorded, sim } from "./helpers";

const tag = () => `t-${crypto.randomUUID()}`;
const models = async (t: string) => (await recorded(t)).map((r) => r.body.model);

interface StatusModel {
  name: string;
  breaker: string;
  cooldown_until: string | null;
  in_flight: number;
}
async function statusOf(name: string): Promise<StatusModel> {
  const body = (await (await call("/v1/status")).json()) as { models: StatusModel[] };
  return body.models.find((m) => m.name === name)!;
}

describe("fallback and retries", () => {
  it("falls back through a named model's fallbacks in order", async () => {
    const t = tag();
    const res = await chat("fb-first", sim({ tag: t, status: 500, only: ["route/fb-first", "route/fb-second"] }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("fb-third");
    expect(res.headers.get("x-proxy-attempts")).toBe("3");
    expect(await models(t)).toEqual(["route/fb-first", "route/fb-second", "route/fb-third"]);
  });

  it("does not fall back when the upstream rejects the request itself", async () => {
    const t = tag();
    const res = await chat("bad-first", sim({ tag: t, status: 400, message: "messages[0] is malformed" }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("messages[0] is malformed");
    expect(await models(t)).toEqual(["route/bad-first"]);
  });

  it("cools a model that OpenRouter says is rate-limited upstream, fails over, and skips it next time without a call", async () => {
    const t = tag();
    const body = { error: { message: "qwen/qwen3-coder:free is temporarily rate-limited upstream. Please retry shortly.", code: 429, metadata: { retry_after_seconds: 30, provider_name: "Chutes" } } };
    const first = await chat("temp-a", sim({ tag: t, status: 429, error_body: body, only: ["route/temp-a"] }));
    expect(first.status).toBe(200);
    expect(first.headers.get("x-proxy-model")).toBe("temp-b");
    const second = await chat("temp-a", sim({ tag: t }));
    expect(second.headers.get("x-proxy-model")).toBe("temp-b");
    expect(second.headers.get("x-proxy-attempts")).toBe("1");
    expect(await models(t)).toEqual(["route/temp-a", "route/temp-b", "route/temp-b"]);
    expect((await statusOf("temp-a")).cooldown_until).not.toBeNull();
  });

  it("retries the same model when the wait it asked for fits the retry budget", async () => {
    const t = tag();
    const res = await chat("retry-a", sim({ tag: t, status: 429, headers: { "retry-after": "1" }, times: 1 }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-attempts")).toBe("2");
    const calls = await recorded(t);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it("retries a transient failure after a backoff", async () => {
    const t = tag();
    const res = await chat("flaky-a", sim({ tag: t, status: 503, times: 1 }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-attempts")).toBe("2");
    expect(await models(t)).toEqual(["route/flaky-a", "route/flaky-a"]);
  });

  it("moves traffic away from a model whose provider reports it has no requests left", async () => {
    const t = tag();
    const first = await chat("hdr-a", sim({ tag: t, headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "45s" }, only: ["route/hdr-a"] }));
    expect(first.headers.get("x-proxy-model")).toBe("hdr-a");
    const second = await chat("hdr-a", sim({ tag: t }));
    expect(second.headers.get("x-proxy-model")).toBe("hdr-b");
    expect(await models(t)).toEqual(["route/hdr-a", "route/hdr-b"]);
  });
});

describe("circuit breaker through the Worker", () => {
  it("opens after consecutive failures, answers 503 without calling, then recovers through one probe", async () => {
    const t = tag();
    // simbrk opens after 2 failures for 2 s. One request makes up to 3 attempts.
    const failing = await chat("brk-a", sim({ tag: t, status: 500 }));
    expect(failing.status).toBe(502);
    const calls = (await recorded(t)).length;
    expect(calls).toBeGreaterThanOrEqual(2);
    await expect.poll(async () => (await statusOf("brk-a")).breaker).toBe("open");

    const refused = await chat("brk-a", sim({ tag: t }));
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("model_unavailable");
    expect(await recorded(t)).toHaveLength(calls);

    await expect.poll(async () => (await statusOf("brk-a")).breaker, { timeout: 5000 }).toBe("half_open");
    await new Promise((r) => setTimeout(r, 50));
    const probe = await chat("brk-a", sim({ tag: t }));
    expect(probe.status).toBe(200);
    await expect.poll(async () => (await statusOf("brk-a")).breaker).toBe("closed");
  });
});

describe("concurrency caps", () => {
  it("refuses a second concurrent request without a wait budget, and frees the slot after success and error", async () => {
    const t = tag();
    const [a, b] = await Promise.all([chat("conc-nowait", sim({ tag: t, delay_ms: 400 })), new Promise((r) => setTimeout(r, 100)).then(() => chat("conc-nowait", sim({ tag: t })))]);
    expect([a.status, b.status]).toEqual([200, 429]);
    await expect.poll(async () => (await statusOf("conc-nowait")).in_flight).toBe(0);
    expect((await chat("conc-nowait", sim({ tag: t, status: 400 }))).status).toBe(400);
    await expect.poll(async () => (await statusOf("conc-nowait")).in_flight).toBe(0);
    expect((await chat("conc-nowait", sim({ tag: t }))).status).toBe(200);
  });

  it("frees the slot when the client abandons a stream", async () => {
    const t = tag();
    const res = await chat("conc-nowait", sim({ tag: t, chunk_delay_ms: 200, reply: "one two three four five six" }), { stream: true });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await expect.poll(async () => (await statusOf("conc-nowait")).in_flight, { timeout: 5000 }).toBe(0);
    expect((await chat("conc-nowait", sim({ tag: t }))).status).toBe(200);
  });

  it("waits for a slot within the category's max_wait_ms, so requests take turns", async () => {
    const t = tag();
    const [a, b] = await Promise.all([chat("CONCWAIT", sim({ tag: t, delay_ms: 300 })), new Promise((r) => setTimeout(r, 50)).then(() => chat("CONCWAIT", sim({ tag: t })))]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [first, second] = await recorded(t);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(280);
  });

  it("waits for a slot as long as max_wait_ms allows, not a fixed number of tries", async () => {
    const t = tag();
    // conc-long: 2 at a time, max_wait_ms 20000. Six answers of 1.5 s each take three turns.
    const answers = await Promise.all(Array.from({ length: 6 }, () => chat("conc-long", sim({ tag: t, delay_ms: 1500 }))));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const calls = await recorded(t);
    expect(calls).toHaveLength(6);
    // Never more than two at the upstream at once.
    const most = Math.max(...calls.map((c) => calls.filter((o) => o.at <= c.at && (o.closedAt ?? Number.POSITIVE_INFINITY) > c.at).length));
    expect(most).toBeLessThanOrEqual(2);
  });
});
