/**
 * Time bounds on the attempt in flight: the request's deadline (REQUEST_DEADLINE_MS) ends
 * an attempt that started just before it, on every route, rather than letting it run its
 * whole timeout; and a stream whose upstream never sends its headers falls back after the
 * header timeout (`headers_ms`, per provider or model), long before the first-token one.
 */
import { describe, expect, it } from "vitest";
import { appPost, captureLogs } from "./app-fetch";
import { recorded, sim } from "./helpers";

const logs = captureLogs();
const DEADLINE = { REQUEST_DEADLINE_MS: "1000" };

async function expectClosedEarly(tag: string) {
  await expect.poll(async () => (await recorded(tag))[0]?.closedAt, { timeout: 5000 }).toBeDefined();
  expect((await recorded(tag))[0]?.finished).toBe(false);
}

describe("the request deadline bounds the attempt in flight", () => {
  it.each([
    ["a plain request whose upstream is slow to answer", false, { delay_ms: 5000 }],
    ["a stream whose upstream is slow to send headers", true, { delay_ms: 5000 }],
    ["a stream whose upstream is slow to send its first token", true, { stall_ms: 5000 }],
  ])("%s: 504 request_deadline_exceeded, and the upstream is let go", async (_, stream, fault) => {
    const tag = `t-${crypto.randomUUID()}`;
    const res = await appPost(
      "/v1/chat/completions",
      { model: "sim-small", ...(stream ? { stream: true } : {}), messages: [{ role: "user", content: sim({ tag, ...fault }) }] },
      { env: DEADLINE },
    );
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("request_deadline_exceeded");
    // Not the model's fault: neither retried elsewhere nor held against it.
    expect(logs.lineFor(res).attempts).toEqual([{ model: "sim-small", provider: "sim", error: "request_deadline_exceeded" }]);
    await expectClosedEarly(tag);
  });

  it("bounds image calls too", async () => {
    const tag = `t-${crypto.randomUUID()}`;
    const res = await appPost("/v1/images/generations", { model: "img-gpt", prompt: sim({ tag, delay_ms: 5000 }) }, { env: DEADLINE });
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("request_deadline_exceeded");
    await expectClosedEarly(tag);
  });
});

describe("the stream header timeout", () => {
  it.each([
    ["the provider's headers_ms", "hdr-slow", "route/hdr-slow"],
    ["a model's own headers_ms", "hdr-model", "route/hdr-model"],
  ])("%s: a stream without headers falls back as soon as it passes", async (_, model, upstream) => {
    const tag = `t-${crypto.randomUUID()}`;
    const res = await appPost("/v1/chat/completions", { model, stream: true, messages: [{ role: "user", content: sim({ tag, delay_ms: 5000, only: [upstream] }) }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("hx-fallback");
    expect(await res.text()).toContain("[DONE]");
    expect(logs.lineFor(res).attempts[0]).toEqual({ model, provider: expect.any(String), error: "timeout" });
  });

  it("does not apply to plain requests, whose headers come with the whole answer", async () => {
    const res = await appPost("/v1/chat/completions", { model: "hdr-slow", messages: [{ role: "user", content: sim({ delay_ms: 800, only: ["route/hdr-slow"] }) }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("hdr-slow");
  });
});
