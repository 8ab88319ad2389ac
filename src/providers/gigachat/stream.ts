/**
 * GigaChat's stream -> chat.completion.chunk objects. Its events are OpenAI-like chunks
 * (`object: "chat.completion"`, `delta.content`), but a function call arrives whole in one
 * delta, with object arguments, so it becomes one complete tool_call delta. The finish
 * reason and usage ride on the last chunk, and `data: [DONE]` ends the stream: a stream
 * that closes before a finish reason was cut short and is errored, not ended as complete.
 */
import { UpstreamBadResponseError } from "../../errors";
import { type ChatCompletionChunk, type ChunkDelta, type FinishReason, type Usage, validUsage } from "../../openai/chat-response";
import type { SseEvent } from "../../stream/sse-parser";
import { eventObject } from "../stream-event";
import type { ResponseContext } from "../types";
import { asObject, finishReason, toolCallFrom } from "./results";

class GigachatStream {
  private started = false;
  private finished = false;
  private calls = 0;
  private model: string;
  private usage: Usage | undefined;

  constructor(private readonly ctx: ResponseContext) {
    this.model = ctx.model;
  }

  private chunk(delta: ChunkDelta, finish: FinishReason | null = null): ChatCompletionChunk {
    return { id: this.ctx.id, object: "chat.completion.chunk", created: this.ctx.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish }] };
  }

  transform(event: SseEvent, emit: (c: ChatCompletionChunk) => void): void {
    const data = event.data.trim();
    if (data === "" || data === "[DONE]") return;
    const body = eventObject(this.ctx.provider, data);
    if (!body) return;
    if (typeof body.model === "string") this.model = body.model;
    this.usage = validUsage(body.usage) ?? this.usage;
    const choice = asObject(Array.isArray(body.choices) ? body.choices[0] : undefined);
    if (!choice) return;
    if (!this.started) {
      this.started = true;
      emit(this.chunk({ role: "assistant", content: "" }));
    }
    const delta = asObject(choice.delta) ?? {};
    if (typeof delta.content === "string" && delta.content !== "") emit(this.chunk({ content: delta.content }));
    const call = toolCallFrom(delta.function_call);
    if (call) emit(this.chunk({ tool_calls: [{ index: this.calls++, ...call }] }));
    if (choice.finish_reason && !this.finished) {
      this.finished = true;
      emit(this.chunk({}, finishReason(choice.finish_reason, this.ctx.provider)));
    }
  }

  flush(emit: (c: ChatCompletionChunk) => void): void {
    if (!this.finished) throw new UpstreamBadResponseError(this.ctx.provider, this.started ? "the stream ended before the answer was finished" : "the stream ended without an answer");
    if (!this.ctx.includeUsage) return;
    const u = this.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    emit({ id: this.ctx.id, object: "chat.completion.chunk", created: this.ctx.created, model: this.model, choices: [], usage: { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens } });
  }
}

export function gigachatStreamTransformer(ctx: ResponseContext): Transformer<SseEvent, ChatCompletionChunk> {
  const stream = new GigachatStream(ctx);
  // The controller is the same for every event: one emitter, not one closure per event.
  let emit: ((c: ChatCompletionChunk) => void) | undefined;
  const emitTo = (controller: TransformStreamDefaultController<ChatCompletionChunk>) => (emit ??= (c) => controller.enqueue(c));
  return {
    transform: (event, controller) => stream.transform(event, emitTo(controller)),
    flush: (controller) => stream.flush(emitTo(controller)),
  };
}
