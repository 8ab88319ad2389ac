/**
 * Hostile upstreams against the proxy's memory, inside workerd, for each adapter, plain
 * and streamed: answer bodies, error bodies and SSE lines far larger than an isolate's
 * 128 MB, and a gzip bomb. The simulator generates them lazily, as fast as the proxy
 * reads. Each attempt stops at its cap: it is closed long before the upstream is done,
 * fails as too large (retried or fallen back from before any content, an error event
 * after it), other clients are served meanwhile, and the Worker is still there after.
 */
import { describe, expect, it } from "vitest";
import { appPost, captureLogs } from "./app-fetch";
import { call, chat, postJson, recorded, sim } from "./helpers";

const logs = captureLogs();
const GB = 1024 ** 3;
const MB = 1024 ** 2;

interface Adapter {
  model: string;
  upstream: string;
  /** Frames the simulator sends before the first content piece. */
  preamble: number;
}

const adapters: Adapter[] = [
  { model: "hx-openai", upstream: "sim/hx-openai", preamble: 1 },
  { model: "hx-gemini", upstream: "gemini-hx", preamble: 0 },
  { model: "hx-claude", upstream: "claude-hx", preamble: 3 },
];

const FALLBACK = "Hello from sim/hx-fallback.";

/** Runs `hostile` while five other clients use the same Worker; all of them must be served. */
async function amidOthers<T>(hostile: () => Promise<T>): Promise<T> {
  const other = async (i: number) => {
    const stream = i % 2 === 1;
    const res = await chat("sim-small", sim({ reply: `bystander ${i}` }), stream ? { stream: true } : {});
    const text = await res.text();
    const content = stream
      ? [...text.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join("")
      : (JSON.parse(text) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content;
    return { status: res.status, content };
  };
  const [result, ...others] = await Promise.all([hostile(), ...Array.from({ length: 5 }, (_, i) => other(i))]);
  others.forEach((o, i) => expect(o).toEqual({ status: 200, content: `bystander ${i}` }));
  // The isolate survived: it still answers.
  expect((await call("/ping")).status).toBe(200);
  return result;
}

/** What the simulator saw of the hostile attempts: each was cut off by the proxy, having sent less than `maxSent`. */
async function expectCutOff(tag: string, upstream: string, maxSent: number) {
  const hostile = async () => (await recorded(tag)).filter((r) => r.path.includes(upstream) || r.body.model === upstream);
  expect((await hostile()).length).toBeGreaterThan(0);
  await expect.poll(async () => (await hostile()).every((r) => r.closedAt !== undefined), { timeout: 5000 }).toBe(true);
  for (const r of await hostile()) {
    expect(r.finished).toBe(false);
    expect(r.sent).toBeLessThan(maxSent);
  }
}

const ask = (model: string, directive: Record<string, unknown>, stream = false) =>
  appPost("/v1/chat/completions", { model, ...(stream ? { stream: true } : {}), messages: [{ role: "user", content: sim(directive) }] });

describe.each(adapters)("$model: oversized answers before any content fall back invisibly", (a) => {
  const only = [a.upstream];
  const cases: Array<[string, Record<string, unknown>, boolean, number]> = [
    ["a 1 GB answer body", { body_bytes: GB }, false, 64 * MB],
    ["a gzip bomb (1 GB inflated, about 1 MB on the wire)", { body_bytes: GB, gzip: true }, false, 4 * MB],
    ["a 1 GB error body", { status: 503, body_bytes: GB }, false, 16 * MB],
    ["a 1 GB error body, streamed", { status: 503, body_bytes: GB }, true, 16 * MB],
    ["a 512 MB SSE line without a newline", { sse_line_bytes: 512 * MB, line_after: a.preamble }, true, 16 * MB],
    ["a gzip-encoded 512 MB SSE line", { sse_line_bytes: 512 * MB, line_after: a.preamble, gzip: true }, true, 4 * MB],
    ["an SSE event of 512 MB of data lines that never ends", { sse_event_bytes: 512 * MB, line_after: a.preamble }, true, 16 * MB],
  ];
  it.each(cases)("%s: stops reading at the cap, serves the fallback, keeps serving others", async (name, fault, stream, maxSent) => {
    const tag = `t-${crypto.randomUUID()}`;
    const res = await amidOthers(() => ask(a.model, { tag, ...fault, only }, stream));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("hx-fallback");
    const text = await res.text();
    if (stream) expect(text.match(/"content":"([^"]*)"/g)?.join("")).toContain("Hello");
    else expect(JSON.parse(text).choices[0].message.content).toBe(FALLBACK);
    const line = logs.lineFor(res);
    const kind = name.includes("error body") ? "server_error" : "too_large";
    expect(line.attempts[0]).toEqual({ model: a.model, provider: expect.any(String), error: kind });
    expect(line.attempts.at(-1)).toMatchObject({ model: "hx-fallback", error: null });
    await expectCutOff(tag, a.upstream, maxSent);
  });
});

describe.each(adapters)("$model: oversized data after content ends the stream honestly", (a) => {
  it.each([
    ["a 512 MB line without a newline", { sse_line_bytes: 512 * MB }],
    ["a 512 MB event of data lines", { sse_event_bytes: 512 * MB }],
  ])("%s: the text so far, then an error event, no [DONE]", async (_, fault) => {
    const tag = `t-${crypto.randomUUID()}`;
    const res = await amidOthers(() => ask(a.model, { tag, reply: "one two three four", line_after: a.preamble + 2, ...fault }, true));
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).not.toContain("[DONE]");
    const last = JSON.parse(body.trim().split(/\n\n/).at(-1)!.replace(/^data: /, "")) as { error: { code: string } };
    expect(last.error.code).toBe("upstream_response_too_large");
    expect(body.match(/"content":"([^"]+)"/g)?.map((m) => m.slice(11, -1)).join("")).toBe("one two");
    expect(logs.lineFor(res)).toMatchObject({ stream_outcome: "failed" });
    await expectCutOff(tag, a.upstream, 16 * MB);
  });
});

describe("oversized answers with nothing to fall back to", () => {
  it("answers 502 upstream_response_too_large when every attempt is too large", async () => {
    const tag = `t-${crypto.randomUUID()}`;
    const res = await amidOthers(() => ask("hx-gemini", { tag, body_bytes: GB }));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("upstream_response_too_large");
  });

  it("caps image bodies the same way, on both image endpoints", async () => {
    for (const path of ["/v1/images/generations", "/v1/image"]) {
      const tag = `t-${crypto.randomUUID()}`;
      const res = await amidOthers(() => postJson(path, { model: "hx-image", prompt: sim({ tag, body_bytes: GB }) }));
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("upstream_response_too_large");
      await expectCutOff(tag, "/images/generations", 64 * MB);
    }
  });
});
