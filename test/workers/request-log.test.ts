/** The request log: one JSON line per request, the attempts, the stream's outcome, trace context, and nothing secret. */
import { describe, expect, it } from "vitest";
import { appPost, captureLogs } from "./app-fetch";
import { recorded, sim } from "./helpers";

const logs = captureLogs();
const postJson = appPost;
const chat = (model: string, content: string, headers: Record<string, string> = {}) =>
  appPost("/v1/chat/completions", { model, messages: [{ role: "user", content }] }, { headers });
const lineFor = async (res: Response) => logs.lineFor(res);
const written = { join: (sep: string) => logs.written().join(sep) };
/** A delay the simulator adds to an answer: a lower bound for the times the log measures. */
const UPSTREAM_DELAY_MS = 40;

describe("request log", () => {
  it("writes one line for a request, with the attempts and their errors", async () => {
    // The failing first attempt takes at least UPSTREAM_DELAY_MS: the request's latency cannot be less.
    const res = await chat("fb-first", sim({ status: 500, delay_ms: UPSTREAM_DELAY_MS, only: ["route/fb-first"] }));
    expect(res.status).toBe(200);
    const line = await lineFor(res);
    expect(line).toMatchObject({
      level: "info",
      method: "POST",
      route: "/v1/chat/completions",
      status: 200,
      requested_model: "fb-first",
      model: "fb-second",
      provider: "simroute",
      stream: false,
      attempts: [
        { model: "fb-first", provider: "simroute", error: "server_error" },
        { model: "fb-second", provider: "simroute", error: null },
      ],
      cache: "BYPASS",
      error: null,
    });
    expect(line.latency_ms).toBeGreaterThanOrEqual(UPSTREAM_DELAY_MS);
    expect(line.tokens_in).toBeGreaterThan(0);
    expect(logs.lines().filter((l) => l.request_id === line.request_id)).toHaveLength(1);
  });

  it("writes a stream's line when it ends, with time to first token, tokens and outcome", async () => {
    // The first frame comes at least UPSTREAM_DELAY_MS after the headers.
    const res = await postJson("/v1/chat/completions", { model: "res-openai", stream: true, messages: [{ role: "user", content: sim({ reply: "a b c", stall_ms: UPSTREAM_DELAY_MS }) }] });
    const line = await lineFor(res);
    expect(line).toMatchObject({ stream: true, stream_outcome: "completed", model: "res-openai" });
    expect(line.ttft_ms).toBeGreaterThanOrEqual(UPSTREAM_DELAY_MS);
    expect(line.latency_ms).toBeGreaterThanOrEqual(Number(line.ttft_ms));
    // No usage reported: estimated from "a b c", five characters at four a token.
    expect(line.tokens_out).toBe(2);
    expect(line.tokens_estimated).toBe(true);
  });

  it("estimates a whole answer's output tokens from its text when the upstream reports no usage", async () => {
    const res = await postJson("/v1/chat/completions", { model: "sim-small", messages: [{ role: "user", content: sim({ reply: "a b c d e f g h", no_usage: true }) }] });
    const line = await lineFor(res);
    // "a b c d e f g h": fifteen characters at four a token.
    expect(line).toMatchObject({ tokens_out: 4, tokens_estimated: true });
  });

  it("marks a stream that failed after content", async () => {
    const res = await postJson("/v1/chat/completions", { model: "res-openai", stream: true, messages: [{ role: "user", content: sim({ reply: "a b c d", drop_after: 3, chunk_delay_ms: 20 }) }] });
    const line = await lineFor(res);
    expect(line).toMatchObject({ level: "error", stream_outcome: "failed", error: "upstream_unreachable" });
  });

  it("logs errors with their code, and never a prompt, a completion or a key", async () => {
    const secretPrompt = "my-secret-prompt-text-42";
    const ok = await chat("sim-small", `${secretPrompt} ${sim({ reply: "completion-text-99" })}`);
    const denied = await postJson("/v1/chat/completions", { messages: [{ role: "user", content: "x" }] }, { key: "not-a-key" });
    expect((await lineFor(denied)).error).toBe("invalid_api_key");
    await lineFor(ok);
    const all = written.join("\n");
    for (const secret of [secretPrompt, "completion-text-99", "test-key-1", "not-a-key", "sk-sim-openai-secret"]) expect(all).not.toContain(secret);
  });

  it("passes the client's trace upstream under a new span, and logs it", async () => {
    const t = `t-${crypto.randomUUID()}`;
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await chat("sim-small", sim({ tag: t }));
    const withTrace = await postJson(
      "/v1/chat/completions",
      { model: "sim-small", messages: [{ role: "user", content: sim({ tag: t }) }] },
      { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } },
    );
    const [first, second] = await recorded(t);
    expect(first?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(second?.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(second?.headers.traceparent).not.toContain("00f067aa0ba902b7");
    expect((await lineFor(withTrace)).trace_id).toBe(traceId);
    expect((await lineFor(res)).trace_id).toBe(first?.headers.traceparent?.split("-")[1]);
  });

  it("writes one Analytics Engine data point per request when the binding is configured", async () => {
    const points: Array<{ indexes?: string[]; blobs?: string[]; doubles?: number[] }> = [];
    const ANALYTICS = { writeDataPoint: (p: (typeof points)[number]) => void points.push(p) };
    const res = await postJson(
      "/v1/chat/completions",
      { model: "fb-first", messages: [{ role: "user", content: sim({ status: 500, delay_ms: UPSTREAM_DELAY_MS, only: ["route/fb-first"] }) }] },
      { env: { ANALYTICS } },
    );
    expect(points).toHaveLength(1);
    const [point] = points;
    expect(point?.indexes).toEqual(["fb-second"]);
    expect(point?.blobs?.slice(0, 5)).toEqual(["/v1/chat/completions", "fb-first", "fb-second", "simroute", "200"]);
    const [latency, ttft, tokensIn, tokensOut, attempts] = point!.doubles!;
    // The same measurement as the log line's, which the delayed first attempt bounds from below.
    const line = await lineFor(res);
    expect(latency).toBe(line.latency_ms);
    expect(latency).toBeGreaterThanOrEqual(UPSTREAM_DELAY_MS);
    expect(ttft).toBe(0);
    expect(tokensIn).toBeGreaterThan(0);
    expect(tokensOut).toBeGreaterThan(0);
    expect(attempts).toBe(2);
  });
});
