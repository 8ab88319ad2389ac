import { describe, expect, it } from "vitest";
import { type SseEvent, SseParser, sseEventStream } from "./sse-parser";

function parseAll(chunks: string[]): SseEvent[] {
  const out: SseEvent[] = [];
  const parser = new SseParser();
  for (const c of chunks) parser.push(c, (e) => out.push(e));
  parser.end((e) => out.push(e));
  return out;
}

const body = 'event: a\ndata: {"x":1}\n\n: keep-alive\n\ndata: line1\ndata: line2\n\ndata:nospace\n\n';
const expected: SseEvent[] = [
  { event: "a", data: '{"x":1}' },
  { event: undefined, data: "line1\nline2" },
  { event: undefined, data: "nospace" },
];

describe("SseParser", () => {
  it("parses whole events, drops comments, joins multi-line data", () => {
    expect(parseAll([body])).toEqual(expected);
  });

  it("gives the same events however the bytes are split", () => {
    for (let size = 1; size < body.length; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < body.length; i += size) chunks.push(body.slice(i, i + size));
      expect(parseAll(chunks), `chunk size ${size}`).toEqual(expected);
    }
  });

  it("handles \\r\\n and \\r line endings, including \\r\\n split across chunks", () => {
    const crlf = body.replaceAll("\n", "\r\n");
    expect(parseAll([crlf])).toEqual(expected);
    for (let cut = 0; cut <= crlf.length; cut++) expect(parseAll([crlf.slice(0, cut), crlf.slice(cut)])).toEqual(expected);
    expect(parseAll([body.replaceAll("\n", "\r")])).toEqual(expected);
  });

  it("emits a last event that lacks its blank line, and ignores OpenRouter processing comments", () => {
    expect(parseAll([": OPENROUTER PROCESSING\n\n", "data: [DONE]"])).toEqual([{ event: undefined, data: "[DONE]" }]);
  });

  it.each([
    ["a line without a newline", ["data: ", ...Array.from({ length: 40 }, () => "x".repeat(1000))]],
    ["an event of data lines without the blank line", Array.from({ length: 40 }, () => `data: ${"x".repeat(1000)}\n`)],
  ])("refuses %s past its cap, with the error it is given", (_, chunks) => {
    const parser = new SseParser(() => new Error("too large"), 16_000);
    expect(() => {
      for (const c of chunks) parser.push(c, () => undefined);
    }).toThrow("too large");
  });

  it("counts each event afresh: many events below the cap are fine", () => {
    const parser = new SseParser(() => new Error("too large"), 16_000);
    const events: SseEvent[] = [];
    for (let i = 0; i < 100; i++) parser.push(`data: ${"x".repeat(1000)}\n\n`, (e) => events.push(e));
    expect(events).toHaveLength(100);
  });

  it("decodes UTF-8 split inside a character", async () => {
    const bytes = new TextEncoder().encode('data: {"t":"héllo ✓"}\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const b of bytes) c.enqueue(new Uint8Array([b]));
        c.close();
      },
    }).pipeThrough(sseEventStream());
    const events: SseEvent[] = [];
    for await (const e of stream) events.push(e);
    expect(events).toEqual([{ event: undefined, data: '{"t":"héllo ✓"}' }]);
  });
});
