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
import type { ChatCompletionChunk, ChunkDelta, FinishReason } from "../openai/chat-response";
import type { SseEvent } from "../stream/sse-parser";
import { errorOf, isRecord, usageOfResponse } from "./openai-responses";
import type { ResponseContext } from "./types";
import { classifyErrorObject } from "./upstream-errors";

/** What the observer has seen of the upstream's stream so far. */
export interface ResponsesStreamState {
  /** The last `sequence_number` sent on. */
  seq: number;
  /** The Response from the last lifecycle event (`response.created`, `response.in_progress`). */
  response: Record<string, unknown> | undefined;
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
  const failWith = (error: unknown) => classifyErrorObject(ctx.provider, errorOf(error), "event inside its stream");

  return {
    transform(event, controller) {
      if (finished) return;
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        throw new UpstreamBadResponseError(ctx.provider, "a stream event is not JSON");
      }
      if (!isRecord(data)) return;
      const type = event.event ?? data.type;
      // The number of the last event sent on: one that fails the stream is not.
      if (typeof data.sequence_number === "number" && type !== "error" && type !== "response.failed") state.seq = data.sequence_number;
      const emit = (delta: ChunkDelta) => {
        if (!started) {
          started = true;
          controller.enqueue(chunk({ role: "assistant", content: "" }));
        }
        if (Object.keys(delta).length) controller.enqueue(chunk(delta));
      };
      const index = typeof data.output_index === "number" ? data.output_index : 0;
      const text = typeof data.delta === "string" ? data.delta : "";
      const item = isRecord(data.item) ? data.item : {};
      switch (type) {
        case "response.created":
        case "response.in_progress":
          if (isRecord(data.response)) {
            state.response = data.response;
            if (typeof data.response.model === "string") model = data.response.model;
          }
          return emit({});
        case "response.output_text.delta":
          return emit(text ? { content: text } : {});
        case "response.refusal.delta":
          return emit(text ? { refusal: text } : {});
        case "response.reasoning_summary_text.delta":
        case "response.reasoning_text.delta":
          return emit(text ? { reasoning_content: text } : {});
        case "response.output_item.added":
          if (item.type !== "function_call") return emit({});
          return emit({ tool_calls: [{ index, id: String(item.call_id ?? ""), type: "function", function: { name: String(item.name ?? ""), arguments: "" } }] });
        case "response.function_call_arguments.delta":
          return emit(text ? { tool_calls: [{ index, function: { arguments: text } }] } : {});
        case "response.output_item.done":
          // Messages and function calls were content with their deltas; any other item (a
          // hosted tool's call, encrypted reasoning) is content once done. Named by its type.
          if (item.type === "message" || item.type === "function_call") return emit({});
          return emit({ tool_calls: [{ index, function: { name: String(item.type ?? "item") } }] });
        case "response.completed":
        case "response.incomplete": {
          emit({});
          finished = true;
          const response = isRecord(data.response) ? data.response : {};
          controller.enqueue(chunk({}, type === "response.incomplete" ? "length" : "stop"));
          const usage = usageOfResponse(response.usage);
          if (usage) controller.enqueue({ ...chunk({}), choices: [], usage });
          return;
        }
        case "response.failed":
          throw failWith(isRecord(data.response) ? data.response.error : undefined);
        case "error":
          throw failWith(data);
        default:
          return;
      }
    },
    flush() {
      if (!finished) throw new UpstreamBadResponseError(ctx.provider, "the stream ended before response.completed");
    },
  };
}
