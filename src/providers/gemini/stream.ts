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
import { eventObject } from "../stream-event";
import type { ResponseContext } from "../types";
import { emptyUsage, finishReason, inBandError, signatureDetail, toolCallFrom, usageFrom } from "./results";
import { responseToken } from "./tool-ids";
import { asArray, asObject, asString, type JsonObject } from "./wire";

interface ChoiceState {
  toolCalls: number;
  details: number;
  finished: boolean;
}

/** One stream's translation state: its choices, tool calls so far, model and usage. */
class GeminiStream {
  private readonly token = responseToken();
  private readonly choices = new Map<number, ChoiceState>();
  private calls = 0;
  private model: string;
  private usage: Usage | undefined;

  constructor(private readonly ctx: ResponseContext) {
    this.model = ctx.model;
  }

  private chunk(index: number, delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk {
    return { id: this.ctx.id, object: "chat.completion.chunk", created: this.ctx.created, model: this.model, choices: [{ index, delta, finish_reason: finish }] };
  }

  /** The state of choice `index`, announcing the assistant role the first time it appears. */
  private choice(index: number, emit: (c: ChatCompletionChunk) => void): ChoiceState {
    let state = this.choices.get(index);
    if (!state) {
      state = { toolCalls: 0, details: 0, finished: false };
      this.choices.set(index, state);
      emit(this.chunk(index, { role: "assistant", content: "" }));
    }
    return state;
  }

  private finish(index: number, state: ChoiceState, reason: FinishReason, emit: (c: ChatCompletionChunk) => void): void {
    if (state.finished) return;
    state.finished = true;
    emit(this.chunk(index, {}, reason));
  }

  private candidate(raw: JsonObject, position: number, emit: (c: ChatCompletionChunk) => void): void {
    const index = typeof raw.index === "number" ? raw.index : position;
    const state = this.choice(index, emit);
    for (const rawPart of asArray(asObject(raw.content)?.parts)) {
      const part = asObject(rawPart);
      if (!part) continue;
      const detail = signatureDetail(part);
      if (detail) emit(this.chunk(index, { reasoning_details: [{ ...detail, index: state.details++ }] }));
      // The closing event often carries an empty text part; an empty delta says nothing.
      const text = typeof part.text === "string" && part.text !== "" ? part.text : undefined;
      if (part.thought === true) {
        if (text) emit(this.chunk(index, { reasoning_content: text }));
        continue;
      }
      if (text) emit(this.chunk(index, { content: text }));
      const call = toolCallFrom(part, this.calls, this.token);
      if (call) {
        this.calls++;
        emit(this.chunk(index, { tool_calls: [{ index: state.toolCalls++, ...call }] }));
      }
    }
    const reason = asString(raw.finishReason);
    if (reason) this.finish(index, state, finishReason(reason, state.toolCalls > 0), emit);
  }

  transform(event: SseEvent, emit: (c: ChatCompletionChunk) => void): void {
    const data = event.data.trim();
    if (data === "" || data === "[DONE]") return;
    const body = eventObject(this.ctx.provider, data);
    if (!body) return;
    const error = inBandError(this.ctx.provider, body);
    if (error) throw error;
    this.model = asString(body.modelVersion) ?? this.model;
    this.usage = usageFrom(body.usageMetadata) ?? this.usage;
    const candidates = asArray(body.candidates);
    candidates.forEach((raw, position) => {
      const c = asObject(raw);
      if (c) this.candidate(c, position, emit);
    });
    if (candidates.length === 0 && asString(asObject(body.promptFeedback)?.blockReason)) this.finish(0, this.choice(0, emit), "content_filter", emit);
  }

  flush(emit: (c: ChatCompletionChunk) => void): void {
    if (this.choices.size === 0) throw new UpstreamBadResponseError(this.ctx.provider, "the stream ended without an answer");
    if ([...this.choices.values()].some((c) => !c.finished)) throw new UpstreamBadResponseError(this.ctx.provider, "the stream ended before the answer was finished");
    if (this.ctx.includeUsage) emit({ id: this.ctx.id, object: "chat.completion.chunk", created: this.ctx.created, model: this.model, choices: [], usage: this.usage ?? emptyUsage() });
  }
}

export function geminiStreamTransformer(ctx: ResponseContext): Transformer<SseEvent, ChatCompletionChunk> {
  const stream = new GeminiStream(ctx);
  // The controller is the same for every event: one emitter, not one closure per event.
  let emit: ((c: ChatCompletionChunk) => void) | undefined;
  const emitTo = (controller: TransformStreamDefaultController<ChatCompletionChunk>) => (emit ??= (c) => controller.enqueue(c));
  return {
    transform: (event, controller) => stream.transform(event, emitTo(controller)),
    flush: (controller) => stream.flush(emitTo(controller)),
  };
}
