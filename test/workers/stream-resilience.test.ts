/**
 * The streaming contract, for each adapter, through the whole Worker and the `openai` SDK:
 * a failure before the first content is retried invisibly (the client gets the fallback's
 * answer, exactly, once); a failure after it ends the stream with an error event and no
 * [DONE], so the SDK raises; a client that leaves closes the upstream connection.
 */
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { openaiClient } from "./clients";
import { awayFromMinuteEdge, call, postJson, recorded, sim } from "./helpers";

const client = openaiClient();
const FALLBACK_TEXT = "Hello from sim/res-fallback.";
const REPLY = "one two three four five six";

interface Adapter {
  model: string;
  upstream: string;
  /** Frames the simulator sends before the first content piece. */
  preamble: number;
  errorEvent: Record<string, unknown>;
}

const adapters: Adapter[] = [
  { model: "res-openai", upstream: "sim/res-openai", preamble: 1, errorEvent: { stream_error: "openai" } },
  { model: "res-gemini", upstream: "gemini-res", preamble: 0, errorEvent: { error_body: { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } } } },
  { model: "res-claude", upstream: "claude-res", preamble: 3, errorEvent: { stream_error: "overloaded_error" } },
];

async function consume(model: string, directive: Record<string, unknown>) {
  const { data: stream, response } = await client.chat.completions
    .create({ model, stream: true, messages: [{ role: "user", content: sim(directive) }] })
    .withResponse();
  let text = "";
  let roles = 0;
  const error = await (async () => {
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.role) roles++;
      text += chunk.choices[0]?.delta.content ?? "";
    }
  })().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { text, roles, error, servedBy: response.headers.get("x-proxy-model") };
}

describe.each(adapters)("$model: failures before the first content are invisible", (a) => {
  const only = [a.upstream];
  const cases: Array<[string, Record<string, unknown>]> = [
    ["before headers", { drop: true }],
    ["after headers, before any event", { drop_after: 0 }],
    ["after the preamble (role chunk)", { drop_after: a.preamble }],
    ["a first-token timeout", { stall_ms: 2000 }],
    ["an error event before content", { ...a.errorEvent, error_after: 0 }],
    ["an upstream 503", { status: 503 }],
  ];
  it.each(cases)("%s: the client gets the fallback's answer, exactly once", async (_, fault) => {
    const t = `t-${crypto.randomUUID()}`;
    const result = await consume(a.model, { tag: t, reply: undefined, ...fault, only });
    expect(result.error).toBeUndefined();
    expect(result.servedBy).toBe("res-fallback");
    expect(result.text).toBe(FALLBACK_TEXT);
    expect(result.roles).toBe(1);
    expect((await recorded(t)).map((r) => r.path.includes("res-fallback") || r.body.model === "sim/res-fallback")).toEqual([false, true]);
  });
});

describe.each(adapters)("$model: failures after content are honest", (a) => {
  const firstTwo = "one two";
  const cases: Array<[string, Record<string, unknown>]> = [
    ["a dropped connection", { drop_after: a.preamble + 2, chunk_delay_ms: 30 }],
    ["an idle timeout", { pause_after: a.preamble + 2, pause_ms: 2000 }],
    ["an error event", { ...a.errorEvent, error_after: 2, chunk_delay_ms: 30 }],
  ];
  it.each(cases)("%s: the SDK raises, after the text that did arrive", async (_, fault) => {
    const result = await consume(a.model, { reply: REPLY, ...fault });
    expect(result.servedBy).toBe(a.model);
    expect(result.text).toBe(firstTwo);
    expect(result.error).toBeInstanceOf(OpenAI.APIError);
  });

  it("ends the raw stream with an OpenAI error event and no [DONE]", async () => {
    const res = await postJson("/v1/chat/completions", { model: a.model, stream: true, messages: [{ role: "user", content: sim({ reply: REPLY, drop_after: a.preamble + 2, chunk_delay_ms: 30 }) }] });
    const body = await res.text();
    expect(body).not.toContain("[DONE]");
    const last = JSON.parse(body.trim().split(/\n\n/).at(-1)!.replace(/^data: /, "")) as { error: { type: string; code: string; message: string } };
    expect(last.error).toMatchObject({ type: "upstream_error", code: "upstream_unreachable" });
    expect(last.error.message).not.toMatch(/127\.0\.0\.1|sim-.*-secret/);
  });

  it("streams keep-alives and split lines through to the exact text", async () => {
    const result = await consume(a.model, { reply: REPLY, keepalive: true, split_writes: true });
    expect(result.error).toBeUndefined();
    expect(result.text).toBe(REPLY);
  });
});

describe("cancellation and accounting", () => {
  it.each(adapters)("closes $model's upstream connection when the client leaves", async (a) => {
    const t = `t-${crypto.randomUUID()}`;
    const res = await postJson("/v1/chat/completions", { model: a.model, stream: true, messages: [{ role: "user", content: sim({ tag: t, reply: "a b c d e f g h i j", chunk_delay_ms: 150 }) }] });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await expect.poll(async () => (await recorded(t))[0]?.closedAt, { timeout: 5000 }).toBeDefined();
    // Closed by us, long before the simulator would have finished its 1.5 s answer.
    expect((await recorded(t))[0]?.finished).toBe(false);
  });

  it("keeps an abandoned stream's request counted, and counts estimated tokens when none are reported", async () => {
    // Both requests must count in the same calendar minute.
    await awayFromMinuteEdge();
    const res = await postJson("/v1/chat/completions", { model: "res-counted", stream: true, messages: [{ role: "user", content: sim({ reply: "a b c d e f", chunk_delay_ms: 100 }) }] });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    const full = await postJson("/v1/chat/completions", { model: "res-counted", stream: true, messages: [{ role: "user", content: "count my tokens please" }] });
    await full.text();
    const usage = async () => {
      const status = (await (await call("/v1/status")).json()) as { models: Array<{ name: string; usage: Record<string, { used: number }> }> };
      return status.models.find((m) => m.name === "res-counted")!.usage;
    };
    // Leased slots count as used until the lease ends (at most 2 s) and the unused ones return.
    await expect.poll(async () => (await usage()).rpm?.used, { timeout: 5000 }).toBe(2);
    await expect.poll(async () => (await usage()).tpm?.used ?? 0).toBeGreaterThan(5);
  });

  it("feeds failures after content to the breaker", async () => {
    for (let i = 0; i < 2; i++) await consume("res-breaker", { reply: REPLY, drop_after: 3, chunk_delay_ms: 20 });
    const breaker = async () => {
      const status = (await (await call("/v1/status")).json()) as { models: Array<{ name: string; breaker: string }> };
      return status.models.find((m) => m.name === "res-breaker")!.breaker;
    };
    await expect.poll(breaker).toBe("open");
  });
});
