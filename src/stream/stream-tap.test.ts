import { describe, expect, it } from "vitest";
import { tapStream } from "./stream-tap";

const encoder = new TextEncoder();
const chunk = (delta: object, extra: object = {}) => `data: ${JSON.stringify({ choices: [{ index: 0, delta }], ...extra })}\n\n`;

function source(parts: string[], opts: { fail?: boolean } = {}) {
  let i = 0;
  let cancelled: unknown = "not cancelled";
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < parts.length) c.enqueue(encoder.encode(parts[i++]));
      else if (opts.fail) c.error(new Error("reset"));
      else c.close();
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  return { stream, cancelled: () => cancelled };
}

const read = async (s: ReadableStream<Uint8Array>) => new TextDecoder().decode(await new Response(s).arrayBuffer());

describe("tapStream", () => {
  it("passes bytes through unchanged and reads reported usage", async () => {
    const parts = [chunk({ role: "assistant", content: "" }), chunk({ content: "Hel" }), "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,", "\"completion_tokens\":2,\"total_tokens\":5}}\n\n", "data: [DONE]\n\n"];
    const tap = tapStream(source(parts).stream, 99);
    expect(await read(tap.body)).toBe(parts.join(""));
    expect(await tap.done).toEqual({ completed: true, cancelled: false, estimated: false, usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
  });

  it("estimates usage when the upstream reports none", async () => {
    const parts = [chunk({ content: "x".repeat(40) }), chunk({ tool_calls: [{ index: 0, function: { arguments: "y".repeat(8) } }] }), "data: [DONE]\n\n"];
    const tap = tapStream(source(parts).stream, 12);
    await read(tap.body);
    expect(await tap.done).toEqual({ completed: true, cancelled: false, estimated: true, usage: { prompt_tokens: 12, completion_tokens: 12, total_tokens: 24 } });
  });

  it("reports a stream without [DONE] as not completed, and a failed one with its error", async () => {
    const cut = tapStream(source([chunk({ content: "a" })]).stream, 1);
    await read(cut.body);
    expect((await cut.done).completed).toBe(false);
    const failed = tapStream(source([chunk({ content: "a" })], { fail: true }).stream, 1);
    await expect(read(failed.body)).rejects.toThrow("reset");
    expect((await failed.done).error).toBeInstanceOf(Error);
  });

  it("cancels the upstream when the client goes away", async () => {
    const src = source([chunk({ content: "a" }), chunk({ content: "b" })]);
    const tap = tapStream(src.stream, 1);
    const reader = tap.body.getReader();
    await reader.read();
    await reader.cancel("client gone");
    expect(src.cancelled()).toBe("client gone");
    expect((await tap.done).cancelled).toBe(true);
  });
});
