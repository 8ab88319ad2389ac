/**
 * A 200 must be a real completion, for each adapter, plain and streamed: a body without a
 * message (`{"choices":[]}`, with or without an `error`), a stream that is only
 * `data: [DONE]`, an HTML page streamed as `data:`, a stream with no answer in it. Each
 * is an upstream failure: the fallback answers, the client cannot tell, and the model is
 * charged with a failure, not a success. Nothing after `[DONE]` reaches the client or
 * the cache.
 */
import { describe, expect, it } from "vitest";
import { appPost, captureLogs } from "./app-fetch";
import { call, postJson, sim } from "./helpers";

const logs = captureLogs();
const FALLBACK = "Hello from sim/hx-fallback.";

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}`;
const HTML = "data: <html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";

interface Case {
  name: string;
  fault: Record<string, unknown>;
  stream: boolean;
  kind: string;
}

const cases: Record<string, Case[]> = {
  "hx-openai": [
    { name: '{"choices":[]}', fault: { body: { id: "x", object: "chat.completion", choices: [] } }, stream: false, kind: "bad_response" },
    { name: '{"choices":[]} with an error', fault: { body: { choices: [], error: { message: "upstream overloaded", code: 503 } } }, stream: false, kind: "server_error" },
    { name: "a choice without a message", fault: { body: { choices: [{ index: 0, finish_reason: "stop" }] } }, stream: false, kind: "bad_response" },
    { name: "a stream that is only data: [DONE]", fault: { frames: ["data: [DONE]"] }, stream: true, kind: "bad_response" },
    { name: "a role chunk, then [DONE]", fault: { frames: [chunk({ role: "assistant", content: "" }), "data: [DONE]"] }, stream: true, kind: "bad_response" },
    { name: "HTML before any content", fault: { frames: [HTML, chunk({ content: "late" }), "data: [DONE]"] }, stream: true, kind: "bad_response" },
  ],
  "hx-gemini": [
    { name: "no candidates", fault: { body: { candidates: [], modelVersion: "gemini-hx" } }, stream: false, kind: "bad_response" },
    { name: "an error object in the 200", fault: { body: { error: { code: 503, message: "overloaded", status: "UNAVAILABLE" } } }, stream: false, kind: "server_error" },
    { name: "HTML before any content", fault: { frames: [HTML] }, stream: true, kind: "bad_response" },
    { name: "an empty stream", fault: { frames: [] }, stream: true, kind: "bad_response" },
  ],
  "hx-claude": [
    { name: "a message without content", fault: { body: { type: "message", role: "assistant", content: "nothing" } }, stream: false, kind: "bad_response" },
    { name: "HTML before any content", fault: { frames: [HTML] }, stream: true, kind: "bad_response" },
    { name: "a stream with only a ping", fault: { frames: ['event: ping\ndata: {"type":"ping"}'] }, stream: true, kind: "bad_response" },
  ],
};

async function recentErrors(model: string): Promise<number> {
  const s = (await (await call("/v1/status")).json()) as { models: Array<{ name: string; recent: { error: number; success: number } }> };
  return s.models.find((m) => m.name === model)!.recent.error;
}

const upstreamOf: Record<string, string> = { "hx-openai": "sim/hx-openai", "hx-gemini": "gemini-hx", "hx-claude": "claude-hx" };

describe.each(Object.keys(cases))("%s: a 200 that is no answer", (model) => {
  it.each(cases[model]!)("$name: falls back invisibly and counts as a failure", async ({ fault, stream, kind }) => {
    const before = await recentErrors(model);
    const res = await appPost("/v1/chat/completions", {
      model,
      ...(stream ? { stream: true } : {}),
      messages: [{ role: "user", content: sim({ ...fault, only: [upstreamOf[model]] }) }],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("hx-fallback");
    const text = await res.text();
    if (stream) {
      expect(text.match(/"content":"([^"]*)"/g)?.map((m) => m.slice(11, -1)).join("")).toBe(FALLBACK);
      expect(text.match(/\[DONE\]/g)).toHaveLength(1);
    } else expect(JSON.parse(text).choices[0].message.content).toBe(FALLBACK);
    expect(logs.lineFor(res).attempts[0]).toMatchObject({ model, error: kind });
    await expect.poll(() => recentErrors(model)).toBe(before + 1);
  });
});

describe("nothing after [DONE]", () => {
  const frames = [chunk({ role: "assistant", content: "" }), chunk({ content: "Kept." }), chunk({}, "stop"), "data: [DONE]", chunk({ content: " Smuggled." }), HTML];

  it("is forwarded: the stream ends at [DONE], once", async () => {
    const res = await appPost("/v1/chat/completions", { model: "hx-openai", stream: true, messages: [{ role: "user", content: sim({ frames }) }] });
    const text = await res.text();
    expect(text).toContain("Kept.");
    expect(text).not.toContain("Smuggled");
    expect(text).not.toContain("html");
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(logs.lineFor(res)).toMatchObject({ stream_outcome: "completed" });
  });

  it("is cached: a replay holds only what came before [DONE]", async () => {
    const content = sim({ frames, tag: `t-${crypto.randomUUID()}` });
    const headers = { "x-proxy-cache-ttl": "60" };
    const first = await postJson("/v1/chat/completions", { model: "hx-openai", stream: true, messages: [{ role: "user", content }] }, { headers });
    expect(first.headers.get("x-proxy-cache")).toBe("MISS");
    await first.text();
    const hit = async () => {
      const res = await postJson("/v1/chat/completions", { model: "hx-openai", messages: [{ role: "user", content }] }, { headers });
      return { cache: res.headers.get("x-proxy-cache"), body: (await res.json()) as { choices: Array<{ message: { content: string } }> } };
    };
    await expect.poll(async () => (await hit()).cache).toBe("HIT");
    expect((await hit()).body.choices[0]!.message.content).toBe("Kept.");
  });
});
