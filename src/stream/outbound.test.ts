/**
 * An inbound encoder adopting the guard's loop (outbound.ts) must say exactly what the
 * same encoder says as a stream of its own: whole answers, failures after content, the
 * hook that runs before the last frames, and a client that leaves.
 */
import { describe, expect, it } from "vitest";
import { UpstreamServerError } from "../errors";
import { messagesStream } from "../inbound/messages/stream";
import { responsesProtocol } from "../inbound/responses";
import { type GuardOptions, guardStream } from "./stream-guard";

const bytes = new TextEncoder();
const ev = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ev({ id: "c1", model: "up-1", choices: [{ index: 0, delta, finish_reason: finish }] });
const ANSWER = [chunk({ role: "assistant", content: "" }), chunk({ content: "Hello" }), chunk({ content: " there" }), chunk({}, "stop"), "data: [DONE]\n\n"];

/** An upstream that sends `events` one read each, then fails if `breakAfter` is set, and tells whether it was cancelled. */
function upstream(events: string[], breakAfter?: number) {
  let i = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (breakAfter !== undefined && i === breakAfter) return c.error(new Error("connection reset"));
      const e = events[i++];
      if (e === undefined) return c.close();
      c.enqueue(bytes.encode(e));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, cancelled: () => cancelled };
}

const options = (): GuardOptions => ({
  provider: "p",
  startedAt: Date.now(),
  ttftMs: 5000,
  idleMs: 5000,
  totalMs: 10_000,
  promptTokens: 5,
  classifyErrorEvent: () => new UpstreamServerError("p", 502, "an error event inside its stream"),
  abortUpstream: () => undefined,
});

/** The guard's body as it reaches a route: inside a Response. */
async function guardedBody(events: string[], breakAfter?: number) {
  const u = upstream(events, breakAfter);
  const g = await guardStream(u.body, options());
  return { body: new Response(g.body).body!, done: g.done, cancelled: u.cancelled };
}

/** The same encoder over the same upstream, as a stream of its own (the guard's output copied into a plain stream first). */
async function separately(events: string[], encode: (s: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>, breakAfter?: number): Promise<string> {
  const { body } = await guardedBody(events, breakAfter);
  const internal = await new Response(body).text();
  return new Response(encode(new Response(internal).body!)).text();
}

const messages = (s: ReadableStream<Uint8Array>) => messagesStream(s, { model: "configured", inputTokens: 7 });

describe("an inbound encoder in the guard's loop", () => {
  it("is the guard's own body, and says what the encoder says as a stream of its own", async () => {
    const { body, done } = await guardedBody(ANSWER);
    const encoded = messages(body);
    expect(encoded).toBe(body);
    const text = await new Response(encoded).text();
    expect(text).toBe(await separately(ANSWER, messages));
    expect(text).toContain('"text":"Hello"');
    expect(text.trimEnd().endsWith('data: {"type":"message_stop"}')).toBe(true);
    expect(await done).toMatchObject({ completed: true, cancelled: false });
  });

  it("ends a stream that breaks after content with the protocol's error, as before", async () => {
    const { body, done } = await guardedBody(ANSWER, 3);
    const text = await new Response(messages(body)).text();
    expect(text).toBe(await separately(ANSWER, messages, 3));
    expect(text).toContain("event: error");
    expect(text).not.toContain("message_stop");
    expect(await done).toMatchObject({ completed: false });
  });

  it("runs the hook before the client gets the last frames", async () => {
    const { body } = await guardedBody(ANSWER);
    let stored = false;
    const ctx = { id: "resp_test", createdAt: 1, names: new Map(), echo: { previous_response_id: null, store: true, metadata: {} }, model: "m", inputTokens: 7 };
    const encoded = responsesProtocol.fromStream(body, {
      ...ctx,
      onComplete: async () => {
        await new Promise((r) => setTimeout(r, 5));
        stored = true;
      },
    });
    expect(encoded).toBe(body);
    const reader = encoded.getReader();
    const decoder = new TextDecoder();
    let text = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      const part = decoder.decode(r.value);
      if (part.includes("response.completed")) expect(stored).toBe(true);
      text += part;
    }
    expect(text).toContain("response.completed");
    expect(stored).toBe(true);
  });

  it("is not adopted once read, and then encodes as a stream of its own", async () => {
    const { body } = await guardedBody(ANSWER);
    const reader = body.getReader();
    const first = await reader.read();
    reader.releaseLock();
    const encoded = messages(body);
    expect(encoded).not.toBe(body);
    expect(new TextDecoder().decode(first.value)).toContain("Hello");
  });

  it("lets the upstream go when the client leaves", async () => {
    const { body, done, cancelled } = await guardedBody([...ANSWER.slice(0, 3), ...Array.from({ length: 50 }, () => chunk({ content: "x" })), ...ANSWER.slice(3)]);
    const reader = messages(body).getReader();
    await reader.read();
    await reader.cancel("gone");
    expect(await done).toMatchObject({ cancelled: true });
    expect(cancelled()).toBe(true);
  });
});
