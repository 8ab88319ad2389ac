/** The grammar checker must catch what it exists to catch, or every stream test that relies on it proves nothing. */
import { describe, expect, it } from "vitest";
import { checkMessagesStream } from "./anthropic-grammar";

const ev = (type: string, data: Record<string, unknown> = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const start = ev("message_start", { message: { id: "msg_1", type: "message", role: "assistant", model: "m", content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 0 } } });
const block = (index: number, content_block: Record<string, unknown>) => ev("content_block_start", { index, content_block });
const delta = (index: number, d: Record<string, unknown>) => ev("content_block_delta", { index, delta: d });
const stop = (index: number) => ev("content_block_stop", { index });
const end = ev("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 1 } }) + ev("message_stop");
const text = (index: number, t = "x") => block(index, { type: "text", text: "" }) + delta(index, { type: "text_delta", text: t }) + stop(index);

describe("checkMessagesStream", () => {
  it("accepts a documented stream with pings and rebuilds its message", () => {
    const ok = start + ev("ping") + text(0, "Hi") + block(1, { type: "tool_use", id: "t", name: "f", input: {} }) + delta(1, { type: "input_json_delta", partial_json: '{"a":1}' }) + stop(1) + end;
    const checked = checkMessagesStream(ok);
    expect(checked.outcome).toBe("completed");
    expect(checked.message.content).toEqual([{ type: "text", text: "Hi" }, { type: "tool_use", id: "t", name: "f", input: { a: 1 } }]);
  });

  it.each([
    ["no message_start", text(0) + end, "before message_start"],
    ["a gap in block indexes", start + text(1) + end, "where 0 was next"],
    ["two blocks open at once", start + block(0, { type: "text", text: "" }) + text(1) + end, "while a block is open"],
    ["a delta of the wrong kind", start + block(0, { type: "text", text: "" }) + delta(0, { type: "input_json_delta", partial_json: "{}" }) + stop(0) + end, "input_json_delta in a text block"],
    ["a block without a delta", start + block(0, { type: "text", text: "" }) + stop(0) + end, "without a delta"],
    ["tool input that is not an object", start + block(0, { type: "tool_use", id: "t", name: "f", input: {} }) + delta(0, { type: "input_json_delta", partial_json: "[1]" }) + stop(0) + end, "not a JSON object"],
    ["no message_stop", start + text(0) + ev("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 1 } }), "without message_stop"],
    ["events after the end", start + text(0) + end + ev("ping"), "after the stream ended"],
    ["an unknown stop reason", start + ev("message_delta", { delta: { stop_reason: "done" }, usage: { output_tokens: 1 } }) + ev("message_stop"), "stop_reason done"],
    ["mismatched names", `event: ping\ndata: {"type":"message_stop"}\n\n`, "carries type"],
  ])("rejects %s", (_, stream, why) => {
    expect(() => checkMessagesStream(stream)).toThrow(why);
  });

  it("accepts an error event as the end, wherever it comes", () => {
    const checked = checkMessagesStream(start + block(0, { type: "text", text: "" }) + delta(0, { type: "text_delta", text: "a" }) + ev("error", { error: { type: "api_error", message: "x" } }));
    expect(checked.outcome).toBe("error");
    expect(checked.error).toEqual({ type: "api_error", message: "x" });
  });
});
