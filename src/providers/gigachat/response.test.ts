import { describe, expect, it } from "vitest";
import { UpstreamBadResponseError } from "../../errors";
import type { ResponseContext } from "../types";
import { parseGigachatResponse } from "./response";

const ctx: ResponseContext = { provider: "simgiga", id: "chatcmpl-g", created: 1, model: "GigaChat", includeUsage: false };
const usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8, precached_prompt_tokens: 0 };

describe("parseGigachatResponse", () => {
  it("keeps a text answer, its model and usage", () => {
    const body = { choices: [{ message: { role: "assistant", content: "Hi." }, index: 0, finish_reason: "stop" }], created: 9, model: "GigaChat:1.0.26.20", object: "chat.completion", usage };
    expect(parseGigachatResponse(body, ctx)).toEqual({
      id: "chatcmpl-g",
      object: "chat.completion",
      created: 1,
      model: "GigaChat:1.0.26.20",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi." }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    });
  });

  it("turns a function call with object arguments into a tool call with an id and JSON arguments", () => {
    const message = { role: "assistant", content: "", function_call: { name: "get_weather", arguments: { city: "Paris" } }, functions_state_id: "s" };
    const choice = parseGigachatResponse({ choices: [{ message, index: 0, finish_reason: "function_call" }] }, ctx).choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_[0-9a-f]{24}$/), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
  });

  it("maps GigaChat's other finish reasons", () => {
    const reason = (r: string) => parseGigachatResponse({ choices: [{ message: { content: "x" }, finish_reason: r }] }, ctx).choices[0]!.finish_reason;
    expect([reason("length"), reason("blacklist"), reason("stop")]).toEqual(["length", "content_filter", "stop"]);
    expect(() => reason("error")).toThrow(UpstreamBadResponseError);
  });

  it("calls a body without choices an unusable response", () => {
    expect(() => parseGigachatResponse({ status: 200 }, ctx)).toThrow(UpstreamBadResponseError);
  });
});
