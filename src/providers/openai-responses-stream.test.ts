/**
 * The observer of a Responses event stream passed through: what it counts as content
 * (a hosted tool's finished call too), the usage and finish it reports, the errors it
 * fails with, and the sequence number it leaves for the events that end a failed stream.
 */
import { describe, expect, it } from "vitest";
import { UpstreamBadResponseError, UpstreamRateLimitError } from "../errors";
import { inspectEvent } from "../stream/sse-events";
import { StreamTranslator } from "../stream/translate-stream";
import { responsesObserver, type ResponsesStreamState } from "./openai-responses-stream";

const ctx = { provider: "p", id: "chatcmpl-1", created: 1, model: "gpt-x", includeUsage: true };
const frame = (type: string, seq: number, payload: Record<string, unknown> = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq, ...payload })}\n\n`;
const response = (status: string, extra: Record<string, unknown> = {}) => ({ id: "resp_1", object: "response", status, model: "gpt-x-2025", output: [], ...extra });
const usage = { input_tokens: 7, output_tokens: 3, total_tokens: 10, input_tokens_details: { cached_tokens: 2 }, output_tokens_details: { reasoning_tokens: 1 } };

function observe(events: string[]) {
  const state: ResponsesStreamState = { seq: 0, response: undefined };
  const t = new StreamTranslator(responsesObserver(ctx, state), "p");
  const kinds: string[] = [];
  const usages: unknown[] = [];
  for (const raw of events) {
    const out = t.pushText(raw);
    for (const e of out.events) {
      const seen = inspectEvent(e);
      kinds.push(seen.kind);
      if (seen.usage) usages.push(seen.usage);
    }
    if (out.error) return { kinds, usages, state, error: out.error };
  }
  const end = t.push(null);
  return { kinds, usages, state, error: end.error, done: end.events.at(-1) === "data: [DONE]\n\n" };
}

describe("the Responses stream observer", () => {
  it("counts a hosted tool's finished call as content, and reports the completed Response's usage", () => {
    const item = { id: "ws_1", type: "web_search_call", status: "completed" };
    const seen = observe([
      frame("response.created", 0, { response: response("in_progress") }),
      frame("response.output_item.added", 1, { output_index: 0, item: { ...item, status: "in_progress" } }),
      frame("response.web_search_call.searching", 2, { output_index: 0, item_id: "ws_1" }),
      frame("response.output_item.done", 3, { output_index: 0, item }),
      frame("response.completed", 4, { response: response("completed", { usage }) }),
    ]);
    expect(seen.error).toBeUndefined();
    expect(seen.done).toBe(true);
    // Preamble (the search in progress adds nothing) until the call is done; then the call, the finish and the usage.
    expect(seen.kinds).toEqual(["preamble", "content", "content", "content"]);
    expect(seen.usages).toEqual([{ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10, prompt_tokens_details: { cached_tokens: 2 }, completion_tokens_details: { reasoning_tokens: 1 } }]);
    expect(seen.state).toMatchObject({ seq: 4, response: { id: "resp_1" } });
  });

  it("fails with the error of response.failed or an error event, which does not count as sent", () => {
    for (const failing of [
      frame("response.failed", 3, { response: response("failed", { error: { code: "rate_limit_exceeded", message: "Slow down" } }) }),
      frame("error", 3, { code: "rate_limit_exceeded", message: "Slow down", param: null }),
    ]) {
      const seen = observe([frame("response.created", 0, { response: response("in_progress") }), frame("response.output_text.delta", 1, { output_index: 0, delta: "Hi" }), failing]);
      expect(seen.error).toBeInstanceOf(UpstreamRateLimitError);
      expect(seen.state.seq).toBe(1);
    }
  });

  it("fails a stream that ends before response.completed", () => {
    const seen = observe([frame("response.created", 0, { response: response("in_progress") }), frame("response.output_text.delta", 1, { output_index: 0, delta: "Hi" })]);
    expect(seen.error).toBeInstanceOf(UpstreamBadResponseError);
  });
});
