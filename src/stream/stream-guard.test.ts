import { describe, expect, it } from "vitest";
import { DeadlineExceededError, ProxyError, UpstreamBadResponseError, UpstreamNetworkError, UpstreamServerError, UpstreamTimeoutError, UpstreamTooLargeError } from "../errors";
import { type GuardOptions, guardStream } from "./stream-guard";

const encoder = new TextEncoder();
const ev = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
const role = ev({ choices: [{ index: 0, delta: { role: "assistant", content: "" } }] });
const text = (t: string) => ev({ choices: [{ index: 0, delta: { content: t } }] });
const finish = ev({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
const DONE = "data: [DONE]\n\n";

type Step = string | { wait: number } | { fail: true };

/** An upstream body that plays steps on demand, and tells whether it was cancelled. */
function upstream(steps: Step[]) {
  let i = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      for (;;) {
        const step = steps[i++];
        if (step === undefined) return c.close();
        if (typeof step === "string") return c.enqueue(encoder.encode(step));
        if ("wait" in step) await new Promise((r) => setTimeout(r, step.wait));
        else return c.error(new Error("connection reset"));
      }
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, cancelled: () => cancelled };
}

function options(over: Partial<GuardOptions> = {}): GuardOptions & { aborted: () => boolean } {
  let aborted = false;
  return {
    provider: "p",
    startedAt: Date.now(),
    ttftMs: 1000,
    idleMs: 1000,
    totalMs: 10_000,
    promptTokens: 5,
    classifyErrorEvent: () => new UpstreamServerError("p", 502, "an error event inside its stream"),
    abortUpstream: () => {
      aborted = true;
    },
    aborted: () => aborted,
    ...over,
  };
}

const readAll = async (s: ReadableStream<Uint8Array>) => new TextDecoder().decode(await new Response(s).arrayBuffer());

describe("guardStream before the first content", () => {
  it("holds back role chunks and comments, then forwards events byte for byte", async () => {
    const u = upstream([": OPENROUTER PROCESSING\n\n", role, { wait: 5 }, text("Hi"), text(" there"), finish, DONE]);
    const g = await guardStream(u.body, options());
    expect(await readAll(g.body)).toBe(role + text("Hi") + text(" there") + finish + DONE);
    expect(await g.done).toMatchObject({ completed: true, cancelled: false, estimated: true, usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } });
  });

  it.each<[string, Step[], new (...args: never[]) => ProxyError]>([
    ["a broken connection", [role, { fail: true }], UpstreamNetworkError],
    ["an error event", [role, ev({ error: { message: "overloaded" } })], UpstreamServerError],
    ["a stream that ends empty", [role], UpstreamBadResponseError],
  ])("throws on %s, so the caller can retry, and closes the upstream", async (_, steps, errorClass) => {
    const u = upstream(steps);
    const o = options();
    await expect(guardStream(u.body, o)).rejects.toBeInstanceOf(errorClass);
    expect(o.aborted()).toBe(true);
  });

  it("throws a first-token timeout when only preamble arrives in time", async () => {
    const u = upstream([role, { wait: 200 }, text("late")]);
    const err = await guardStream(u.body, options({ ttftMs: 50 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect((err as Error).message).toContain("first token within 50 ms");
    expect(u.cancelled()).toBe(true);
  });

  it("commits an empty but finished answer", async () => {
    const g = await guardStream(upstream([role, finish, DONE]).body, options());
    expect(await readAll(g.body)).toBe(role + finish + DONE);
  });
});

describe("guardStream after content", () => {
  it.each<[string, Step[], Partial<GuardOptions>, string]>([
    ["a broken connection", [role, text("Half"), { fail: true }], {}, "upstream_unreachable"],
    ["an error event", [role, text("Half"), ev({ error: { message: "boom", code: 502 } })], {}, "upstream_error"],
    ["an idle timeout", [role, text("Half"), { wait: 200 }, text(" more")], { idleMs: 50 }, "upstream_timeout"],
    ["a stream that just stops", [role, text("Half")], {}, "upstream_bad_response"],
  ])("ends %s with an error event and no [DONE]", async (_, steps, over, code) => {
    const u = upstream(steps);
    const g = await guardStream(u.body, options(over));
    const out = await readAll(g.body);
    expect(out.startsWith(role + text("Half"))).toBe(true);
    expect(out).not.toContain("[DONE]");
    const last = JSON.parse(out.trim().split("\n\n").at(-1)!.slice("data: ".length)) as { error: { code: string; message: string } };
    expect(last.error.code).toBe(code);
    expect(last.error.message).not.toContain("boom");
    const outcome = await g.done;
    expect(outcome.completed).toBe(false);
    expect(outcome.error).toBeInstanceOf(ProxyError);
  });

  it("adds [DONE] for a finished answer whose upstream forgot it", async () => {
    const g = await guardStream(upstream([role, text("Hi"), finish]).body, options());
    expect(await readAll(g.body)).toBe(role + text("Hi") + finish + DONE);
    expect((await g.done).completed).toBe(true);
  });

  it("never splits an event across a failure", async () => {
    const whole = text("whole");
    const u = upstream([role, whole, whole.slice(0, 10), { fail: true }]);
    const out = await readAll((await guardStream(u.body, options())).body);
    expect(out).not.toContain(whole.slice(0, 10) + "data:");
    expect(out.split("\n\n").filter(Boolean).every((e) => e.startsWith("data: {"))).toBe(true);
  });

  it("cancels the upstream when the client goes away, and reports it", async () => {
    const u = upstream([role, text("a"), { wait: 50 }, text("b"), DONE]);
    const o = options();
    const g = await guardStream(u.body, o);
    const reader = g.body.getReader();
    await reader.read();
    await reader.cancel("client left");
    expect(u.cancelled()).toBe(true);
    expect(o.aborted()).toBe(true);
    expect(await g.done).toMatchObject({ cancelled: true, completed: false });
  });

  it("reads reported usage instead of estimating", async () => {
    const usage = { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 };
    const g = await guardStream(upstream([role, text("x"), finish, ev({ choices: [], usage }), DONE]).body, options());
    await readAll(g.body);
    expect(await g.done).toMatchObject({ completed: true, estimated: false, usage });
  });
});

describe("guardStream against a hostile upstream", () => {
  const MiB = 1024 * 1024;
  /** An upstream that sends `bytes` of one line, in 64 KiB pieces, without a newline. */
  const endlessLine = (before: Step[], bytes: number): Step[] => {
    const piece = "a".repeat(64 * 1024);
    return [...before, 'data: {"choices":[{"delta":{"content":"', ...Array.from({ length: Math.ceil(bytes / piece.length) }, () => piece)];
  };

  it.each<[string, Step[], new (...args: never[]) => ProxyError]>([
    ["a stream that is only [DONE]", [DONE], UpstreamBadResponseError],
    ["a role chunk, then [DONE]", [role, DONE, text("after")], UpstreamBadResponseError],
    ["an HTML page as the first event", ["data: <html><body>Bad Gateway</body></html>\n\n", text("Hi"), DONE], UpstreamBadResponseError],
    ["a line of 4 MiB without a newline", endlessLine([role], 4 * MiB), UpstreamTooLargeError],
  ])("throws on %s before any content, and closes the upstream", async (_, steps, errorClass) => {
    const u = upstream(steps);
    const o = options();
    await expect(guardStream(u.body, o)).rejects.toBeInstanceOf(errorClass);
    expect(o.aborted()).toBe(true);
    expect(u.cancelled()).toBe(true);
  });

  it("ends a stream with an error event when a line after content passes the cap", async () => {
    const u = upstream(endlessLine([role, text("Half")], 4 * MiB));
    const g = await guardStream(u.body, options());
    const out = await readAll(g.body);
    expect(out.startsWith(role + text("Half"))).toBe(true);
    expect(out.length).toBeLessThan(MiB);
    expect(JSON.parse(out.trim().split("\n\n").at(-1)!.slice("data: ".length)).error.code).toBe("upstream_response_too_large");
    expect(u.cancelled()).toBe(true);
  });

  it("forwards nothing after [DONE], and lets the upstream go", async () => {
    const u = upstream([role, text("Hi"), finish, DONE + text(" smuggled"), text(" more")]);
    const g = await guardStream(u.body, options());
    expect(await readAll(g.body)).toBe(role + text("Hi") + finish + DONE);
    expect(await g.done).toMatchObject({ completed: true });
    expect(u.cancelled()).toBe(true);
  });

  it("waits for the first content no longer than the request's deadline, and says so", async () => {
    const u = upstream([role, { wait: 300 }, text("late")]);
    const deadline = { at: Date.now() + 30, error: () => new DeadlineExceededError(30) };
    await expect(guardStream(u.body, options({ ttftMs: 10_000, deadline }))).rejects.toBeInstanceOf(DeadlineExceededError);
  });
});
