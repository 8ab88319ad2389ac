/** The Responses stream checker must catch what it exists to catch, or every stream test that relies on it proves nothing. */
import { describe, expect, it } from "vitest";
import { checkResponsesStream } from "./responses-grammar";

type Json = Record<string, unknown>;
/** Events without their sequence numbers, numbered in order by `stream`. */
const ev = (type: string, data: Json = {}) => ({ type, ...data });
const stream = (events: Json[], numbers = events.map((_, i) => i)) =>
  events.map((e, i) => `event: ${String(e.type)}\ndata: ${JSON.stringify({ ...e, sequence_number: numbers[i] })}\n\n`).join("");

const shell = (status: string, output: Json[] = [], extra: Json = {}) => ({ id: "resp_1", object: "response", status, output, ...extra });
const usage = { input_tokens: 1, output_tokens: 1, total_tokens: 2, output_tokens_details: { reasoning_tokens: 0 } };
const at = { item_id: "msg_1", output_index: 0 };
const message = (text: string) => ({ id: "msg_1", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] });
const head = [ev("response.created", { response: shell("in_progress") }), ev("response.in_progress", { response: shell("in_progress") })];
const text = (t: string) => [
  ev("response.output_item.added", { output_index: 0, item: { id: "msg_1", type: "message", status: "in_progress", role: "assistant", content: [] } }),
  ev("response.content_part.added", { ...at, content_index: 0, part: { type: "output_text", text: "" } }),
  ev("response.output_text.delta", { ...at, content_index: 0, delta: t }),
  ev("response.output_text.done", { ...at, content_index: 0, text: t }),
  ev("response.content_part.done", { ...at, content_index: 0, part: { type: "output_text", text: t } }),
  ev("response.output_item.done", { output_index: 0, item: message(t) }),
];
const completed = (output: Json[]) => ev("response.completed", { response: shell("completed", output, { usage }) });
const call = (args: string[], done = args.join("")) => {
  const item = { id: "fc_1", type: "function_call", call_id: "c", name: "f", arguments: "" };
  const where = { item_id: "fc_1", output_index: 0 };
  return [
    ev("response.output_item.added", { output_index: 0, item }),
    ...args.map((delta) => ev("response.function_call_arguments.delta", { ...where, delta })),
    ev("response.function_call_arguments.done", { ...where, arguments: done }),
    ev("response.output_item.done", { output_index: 0, item: { ...item, arguments: done, status: "completed" } }),
  ];
};

describe("checkResponsesStream", () => {
  it("accepts a documented stream and returns its final Response", () => {
    const checked = checkResponsesStream(stream([...head, ...text("Hi"), completed([message("Hi")])]));
    expect(checked.outcome).toBe("completed");
    expect(checked.response.output).toEqual([message("Hi")]);
  });

  it("accepts a function call whose arguments add up to JSON", () => {
    const item = { id: "fc_1", type: "function_call", call_id: "c", name: "f", arguments: '{"a":1}', status: "completed" };
    expect(checkResponsesStream(stream([...head, ...call(['{"a"', ":1}"]), completed([item])])).outcome).toBe("completed");
  });

  it.each([
    ["a gap in sequence numbers", stream([...head, ...text("x"), completed([message("x")])], [0, 1, 2, 3, 5, 6, 7, 8, 9]), "where 4 was next"],
    ["no response.created", stream([...text("x"), completed([message("x")])]), "before response.created"],
    ["a delta before its part", stream([...head, text("x")[0]!, text("x")[2]!]), "outside its part"],
    ["done text that is not the deltas'", stream([...head, ...text("x").slice(0, 3), ev("response.output_text.done", { ...at, content_index: 0, text: "y" })]), "not its deltas'"],
    ["an event for another item", stream([...head, text("x")[0]!, ev("response.content_part.added", { item_id: "msg_2", output_index: 0, content_index: 0, part: {} })]), "not the open one"],
    ["a second item while one is open", stream([...head, text("x")[0]!, text("x")[0]!]), "another item is open"],
    ["arguments that are not JSON", stream([...head, ...call(["{"])]), "JSON"],
    ["completed while an item is open", stream([...head, text("x")[0]!, completed([])]), "while an item is open"],
    ["completed with other output", stream([...head, ...text("x"), completed([])]), "not the items streamed"],
    ["completed without reasoning tokens", stream([...head, ev("response.completed", { response: shell("completed", [], { usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } }) })]), "without usage"],
    ["no terminal event", stream([...head, ...text("x")]), "without a terminal event"],
    ["events after the end", stream([...head, completed([]), ev("response.in_progress", { response: shell("in_progress") })]), "after the terminal event"],
    ["an unknown event", stream([...head, ev("response.thinking")]), "unknown event"],
    ["mismatched names", `event: response.created\ndata: {"type":"response.completed","sequence_number":0}\n\n`, "carries type"],
  ])("rejects %s", (_, text, why) => {
    expect(() => checkResponsesStream(text)).toThrow(why);
  });

  it("accepts an error event followed by response.failed, and nothing else after it", () => {
    const failed = ev("response.failed", { response: shell("failed", [], { error: { code: "server_error", message: "x" } }) });
    const checked = checkResponsesStream(stream([...head, ...text("x").slice(0, 3), ev("error", { code: "server_error", message: "x", param: null }), failed]));
    expect(checked.outcome).toBe("failed");
    expect(checked.error).toEqual({ code: "server_error", message: "x" });
    expect(() => checkResponsesStream(stream([...head, ev("error", { message: "x" }), completed([])]))).toThrow("after an error event");
  });
});
