import { describe, expect, it } from "vitest";
import { eventData, inspectEvent, splitEvents } from "./sse-events";

const ev = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;

describe("splitEvents", () => {
  it("keeps each event's exact bytes and leaves an incomplete one for later", () => {
    const text = 'data: {"a":1}\n\n: keep-alive\r\n\r\ndata: {"b"';
    expect(splitEvents(text)).toEqual({ events: ['data: {"a":1}\n\n', ": keep-alive\r\n\r\n"], rest: 'data: {"b"' });
  });
});

describe("eventData", () => {
  it("joins data lines and ignores other fields", () => {
    expect(eventData("event: x\ndata: one\ndata:two\nid: 3\n\n")).toBe("one\ntwo");
    expect(eventData(": OPENROUTER PROCESSING\n\n")).toBeUndefined();
    expect(eventData("database: nope\n\n")).toBeUndefined();
  });
});

describe("inspectEvent", () => {
  it.each([
    [ev({ choices: [{ index: 0, delta: { role: "assistant", content: "" } }] }), "preamble"],
    [ev({ choices: [{ index: 0, delta: {} }] }), "preamble"],
    [ev({ choices: [{ index: 0, delta: { content: "Hi" } }] }), "content"],
    [ev({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: "f", arguments: "" } }] } }] }), "content"],
    [ev({ choices: [{ index: 0, delta: { refusal: "No." } }] }), "content"],
    [ev({ choices: [{ index: 0, delta: { reasoning: "thinking..." } }] }), "content"],
    [ev({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }), "content"],
    [ev({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }), "content"],
    [ev({ error: { message: "boom" } }), "error"],
    [ev({ error: { code: 502 }, choices: [{ delta: { content: "" }, finish_reason: "error" }] }), "error"],
    ["data: [DONE]\n\n", "done"],
    [": keep-alive\n\n", "comment"],
  ])("%s is %s", (raw, kind) => {
    expect(inspectEvent(raw).kind).toBe(kind);
  });

  it("counts generated characters and reads usage", () => {
    expect(inspectEvent(ev({ choices: [{ delta: { content: "four" } }] })).chars).toBe(4);
    expect(inspectEvent(ev({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })).usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
  });
});
