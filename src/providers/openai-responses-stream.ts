/**
 * Watches a Responses API event stream passed through from an `openai` provider
 * (providers/relay.ts): the events go to the client as they came, and this turns each
 * into the minimal OpenAI chunks the stream guard tallies. Text, refusal, reasoning and
 * function-call argument deltas are content, and so is any other output item once it is
 * done (a hosted tool's call, a reasoning item that carries only `encrypted_content`).
 * `response.completed` (or `response.incomplete`) ends it with its usage;
 * `response.failed` and an `error` event fail it with the error they carry; a stream that
 * stops before its end fails too. It also remembers the sequence number and the
 * Response the upstream last announced, for the events that end a stream failing after
 * content (inbound/responses/passthrough.ts).
 */
import { UpstreamBadResponseError } from "../errors";
import type { ChatCompletionChunk, ChunkDelta, FinishReason, Usage } from "../openai/chat-response";
import type { SseEvent } from "../stream/sse-parser";
import { errorOf, isRecord, usageOfResponse } from "./openai-responses";
import { eventObject } from "./stream-event";
import type { ResponseContext } from "./types";
import { classifyErrorObject } from "./upstream-errors";

/** What the observer has seen of the upstream's stream so far. */
export interface ResponsesStreamState {
  /** The last `sequence_number` sent on. */
  seq: number;
  /** The Response from the last lifecycle event (`response.created`, `response.in_progress`). */
  response: Record<string, unknown> | undefined;
}

/** The delta an event adds (empty when it only shows the stream is alive), or where the stream ends. */
type Step = { delta: ChunkDelta } | { end: "stop" | "length"; usage: Usage | undefined } | { fail: unknown };

/** One event of the stream, by its type; undefined for the events the tally need not see. */
function stepOf(type: unknown, data: Record<string, unknown>): Step | undefined {
  const index = typeof data.output_index === "number" ? data.output_index : 0;
  const text = typeof data.delta === "string" ? data.delta : "";
  const item = isRecord(data.item) ? data.item : {};
  switch (type) {
    case "response.created":
    case "response.in_progress":
      // The stream is alive: its role chunk goes first.
      return { delta: {} };
    case "response.output_text.delta":
      return { delta: text ? { content: text } : {} };
    case "response.refusal.delta":
      return { delta: text ? { refusal: text } : {} };
    case "response.reasoning_summary_text.delta":
    case "response.reasoning_text.delta":
      return { delta: text ? { reasoning_content: text } : {} };
    case "response.output_item.added":
      if (item.type !== "function_call") return { delta: {} };
      return { delta: { tool_calls: [{ index, id: String(item.call_id ?? ""), type: "function", function: { name: String(item.name ?? ""), arguments: "" } }] } };
    case "response.function_call_arguments.delta":
      return { delta: text ? { tool_calls: [{ index, function: { arguments: text } }] } : {} };
    case "response.output_item.done":
      // Messages and function calls were content with their deltas; any other item (a
      // hosted tool's call, encrypted reasoning) is content once done. Named by its type.
      if (item.type === "message" || item.type === "function_call") return { delta: {} };
      return { delta: { tool_calls: [{ index, function: { name: String(item.type ?? "item") } }] } };
    case "response.completed":
    case "response.incomplete":
      return { end: type === "response.incomplete" ? "length" : "stop", usage: usageOfResponse(isRecord(data.response) ? data.response.usage : undefined) };
    case "response.failed":
      return { fail: isRecord(data.response) ? data.response.error : undefined };
    case "error":
      return { fail: data };
    default:
      return undefined;
  }
}

export function responsesObserver(ctx: ResponseContext, state: ResponsesStreamState): Transformer<SseEvent, ChatCompletionChunk> {
  let finished = false;
  let started = false;
  let model = ctx.model;
  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk => ({
    id: ctx.id,
    object: "chat.completion.chunk",
    created: ctx.created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });

  return {
    transform(event, controller) {
      if (finished) return;
      const data = eventObject(ctx.provider, event.data);
      if (!data) return;
      const type = event.event ?? data.type;
      // The number of the last event sent on: one that fails the stream is not.
      if (typeof data.sequence_number === "number" && type !== "error" && type !== "response.failed") state.seq = data.sequence_number;
      if ((type === "response.created" || type === "response.in_progress") && isRecord(data.response)) {
        state.response = data.response;
        if (typeof data.response.model === "string") model = data.response.model;
      }
      const step = stepOf(type, data);
      if (!step) return;
      if ("fail" in step) throw classifyErrorObject(ctx.provider, errorOf(step.fail), "event inside its stream");
      if (!started) {
        started = true;
        controller.enqueue(chunk({ role: "assistant", content: "" }));
      }
      if ("delta" in step) {
        if (Object.keys(step.delta).length) controller.enqueue(chunk(step.delta));
        return;
      }
      finished = true;
      controller.enqueue(chunk({}, step.end));
      if (step.usage) controller.enqueue({ ...chunk({}), choices: [], usage: step.usage });
    },
    flush() {
      if (!finished) throw new UpstreamBadResponseError(ctx.provider, "the stream ended before response.completed");
    },
  };
}
