/**
 * streamGenerateContent?alt=sse events -> chat.completion.chunk objects. Each Gemini event
 * is a whole GenerateContentResponse holding the next text delta or whole function calls
 * of each candidate; there is no end-of-stream sentinel, so a stream that closes before a
 * finish reason was cut short, and is errored rather than ended as if complete. Usage is
 * cumulative per event: the last one seen wins. Thought summaries stream as
 * `reasoning_content`, thought signatures of parts other than calls as `reasoning_details`.
 */
import { UpstreamBadResponseError } from "../../errors";
import type { ChatCompletionChunk, ChunkDelta, FinishReason, Usage } from "../../openai/chat-response";
import type { SseEvent } from "../../stream/sse-parser";
import type { ResponseContext } from "../types";
import { emptyUsage, finishReason, inBandError, signatureDetail, toolCallFrom, usageFrom } from "./results";
import { responseToken } from "./tool-ids";
import { asArray, asObject, asString, isObject, type JsonObject } from "./wire";

interface ChoiceState {
  toolCalls: number;
  details: number;
  finished: boolean;
}

export function geminiStreamTransformer(ctx: ResponseContext): Transformer<SseEvent, ChatCompletionChunk> {
  const token = responseToken();
  const choices = new Map<number, ChoiceState>();
  let calls = 0;
  let model = ctx.model;
  let usage: Usage | undefined;

  const chunk = (index: number, delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk => ({
    id: ctx.id,
    object: "chat.completion.chunk",
    created: ctx.created,
    model,
    choices: [{ index, delta, finish_reason: finish }],
  });

  /** The state of choice `index`, announcing the assistant role the first time it appears. */
  const choice = (index: number, emit: (c: ChatCompletionChunk) => void): ChoiceState => {
    let state = choices.get(index);
    if (!state) {
      state = { toolCalls: 0, details: 0, finished: false };
      choices.set(index, state);
      emit(chunk(index, { role: "assistant", content: "" }));
    }
    return state;
  };

  const candidate = (raw: JsonObject, position: number, emit: (c: ChatCompletionChunk) => void) => {
    const index = typeof raw.index === "number" ? raw.index : position;
    const state = choice(index, emit);
    for (const rawPart of asArray(asObject(raw.content)?.parts)) {
      const part = asObject(rawPart);
      if (!part) continue;
      const detail = signatureDetail(part);
      if (detail) emit(chunk(index, { reasoning_details: [{ ...detail, index: state.details++ }] }));
      // The closing event often carries an empty text part; an empty delta says nothing.
      const text = typeof part.text === "string" && part.text !== "" ? part.text : undefined;
      if (part.thought === true) {
        if (text) emit(chunk(index, { reasoning_content: text }));
        continue;
      }
      if (text) emit(chunk(index, { content: text }));
      const call = toolCallFrom(part, calls, token);
      if (call) {
        calls++;
        emit(chunk(index, { tool_calls: [{ index: state.toolCalls++, ...call }] }));
      }
    }
    const reason = asString(raw.finishReason);
    if (reason && !state.finished) {
      state.finished = true;
      emit(chunk(index, {}, finishReason(reason, state.toolCalls > 0)));
    }
  };

  return {
    transform(event, controller) {
      const data = event.data.trim();
      if (data === "" || data === "[DONE]") return;
      let body: unknown;
      try {
        body = JSON.parse(data);
      } catch {
        throw new UpstreamBadResponseError(ctx.provider, "a stream event is not JSON");
      }
      if (!isObject(body)) return;
      const error = inBandError(ctx.provider, body);
      if (error) throw error;
      const emit = (c: ChatCompletionChunk) => controller.enqueue(c);
      model = asString(body.modelVersion) ?? model;
      usage = usageFrom(body.usageMetadata) ?? usage;
      const candidates = asArray(body.candidates);
      candidates.forEach((raw, position) => {
        const c = asObject(raw);
        if (c) candidate(c, position, emit);
      });
      if (candidates.length === 0 && asString(asObject(body.promptFeedback)?.blockReason)) {
        const state = choice(0, emit);
        if (!state.finished) {
          state.finished = true;
          emit(chunk(0, {}, "content_filter"));
        }
      }
    },
    flush(controller) {
      if (choices.size === 0) throw new UpstreamBadResponseError(ctx.provider, "the stream ended without an answer");
      if ([...choices.values()].some((c) => !c.finished)) {
        throw new UpstreamBadResponseError(ctx.provider, "the stream ended before the answer was finished");
      }
      if (ctx.includeUsage) {
        controller.enqueue({ id: ctx.id, object: "chat.completion.chunk", created: ctx.created, model, choices: [], usage: usage ?? emptyUsage() });
      }
    },
  };
}
