/**
 * Anthropic's event stream as OpenAI chunks. Anthropic numbers content blocks; OpenAI
 * numbers tool calls, so tool_use blocks get their own running index. Thinking streams as
 * `reasoning_content` deltas; its signature arrives as one `reasoning_details` delta
 * holding the block's whole text and signature, for the client to send back. The stream only
 * ends cleanly on message_stop: an `event: error` (which arrives after the 200) or a
 * stream that stops short errors the output with a typed UpstreamError, so the client
 * never sees `[DONE]` on a half answer.
 */
import { UpstreamBadResponseError } from "../../errors";
import { ANTHROPIC_REASONING, type ChatCompletionChunk, type ChunkDelta, type FinishReason } from "../../openai/chat-response";
import type { SseEvent } from "../../stream/sse-parser";
import { eventObject } from "../stream-event";
import type { ResponseContext } from "../types";
import { classifyUpstreamError } from "../upstream-errors";
import { finishReason, toUsage } from "./response";
import { type AnthropicUsage, ERROR_STATUS, isRecord } from "./wire";

function usageFields(value: unknown): AnthropicUsage {
  if (!isRecord(value)) return {};
  const out: AnthropicUsage = {};
  for (const key of ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"] as const) {
    if (typeof value[key] === "number") out[key] = value[key];
  }
  return out;
}

/** What a stream's content blocks have said so far. */
interface Blocks {
  /** Anthropic block index -> OpenAI tool-call index. */
  toolIndex: Map<number, number>;
  /** Anthropic block index -> the thinking text so far, for its signature's detail. */
  thinking: Map<number, string>;
  /** reasoning_details sent so far, to index the next. */
  details: number;
}

/** What a content block's start says in OpenAI terms; thinking is remembered for its signature. */
function blockStart(b: Blocks, block: Record<string, unknown>, index: number): ChunkDelta {
  if (block.type === "text" && typeof block.text === "string" && block.text) return { content: block.text };
  if (block.type === "tool_use" && typeof block.id === "string" && typeof block.name === "string") {
    const i = b.toolIndex.size;
    b.toolIndex.set(index, i);
    return { tool_calls: [{ index: i, id: block.id, type: "function", function: { name: block.name, arguments: "" } }] };
  }
  if (block.type === "thinking") b.thinking.set(index, typeof block.thinking === "string" ? block.thinking : "");
  if (block.type === "redacted_thinking" && typeof block.data === "string") {
    return { reasoning_details: [{ type: "reasoning.encrypted", data: block.data, format: ANTHROPIC_REASONING, index: b.details++ }] };
  }
  return {};
}

/** One content_block_delta in OpenAI terms; undefined for what OpenAI cannot carry (citations). */
function blockDelta(b: Blocks, delta: Record<string, unknown>, index: number): ChunkDelta | undefined {
  if (delta.type === "text_delta" && typeof delta.text === "string" && delta.text) return { content: delta.text };
  const i = b.toolIndex.get(index);
  if (delta.type === "input_json_delta" && i !== undefined && typeof delta.partial_json === "string" && delta.partial_json) {
    return { tool_calls: [{ index: i, function: { arguments: delta.partial_json } }] };
  }
  const thought = b.thinking.get(index);
  if (thought === undefined) return undefined;
  if (delta.type === "thinking_delta" && typeof delta.thinking === "string" && delta.thinking) {
    b.thinking.set(index, thought + delta.thinking);
    return { reasoning_content: delta.thinking };
  }
  if (delta.type === "signature_delta" && typeof delta.signature === "string") {
    return { reasoning_details: [{ type: "reasoning.text", text: thought, signature: delta.signature, format: ANTHROPIC_REASONING, index: b.details++ }] };
  }
  return undefined;
}

export function streamTransformer(ctx: ResponseContext): Transformer<SseEvent, ChatCompletionChunk> {
  let model = ctx.model;
  let started = false;
  let finished = false;
  let stopReason: unknown;
  let stopSequence: unknown;
  let usage: AnthropicUsage = {};
  const blocks: Blocks = { toolIndex: new Map(), thinking: new Map(), details: 0 };

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
      const emit = (delta: ChunkDelta) => {
        if (!started) {
          started = true;
          controller.enqueue(chunk({ role: "assistant", content: "" }));
        }
        if (delta.content !== undefined || delta.tool_calls || delta.reasoning_content !== undefined || delta.reasoning_details) controller.enqueue(chunk(delta));
      };
      const index = typeof data.index === "number" ? data.index : -1;

      switch (event.event ?? data.type) {
        case "message_start": {
          const message = isRecord(data.message) ? data.message : {};
          if (typeof message.model === "string") model = message.model;
          usage = { ...usage, ...usageFields(message.usage) };
          return emit({});
        }
        case "content_block_start":
          return emit(isRecord(data.content_block) ? blockStart(blocks, data.content_block, index) : {});
        case "content_block_delta": {
          const delta = isRecord(data.delta) ? blockDelta(blocks, data.delta, index) : undefined;
          return delta && emit(delta);
        }
        case "message_delta": {
          if (isRecord(data.delta) && data.delta.stop_reason != null) ({ stop_reason: stopReason, stop_sequence: stopSequence } = data.delta);
          // message_delta usage is cumulative: the latest value of each field wins.
          usage = { ...usage, ...usageFields(data.usage) };
          return;
        }
        case "message_stop": {
          emit({});
          finished = true;
          const last = chunk({}, finishReason(stopReason));
          if (stopReason === "stop_sequence" && typeof stopSequence === "string") last.choices[0]!.stop_reason = stopSequence;
          controller.enqueue(last);
          if (ctx.includeUsage) controller.enqueue({ ...chunk({}), choices: [], usage: toUsage(usage) });
          return;
        }
        case "error": {
          const error = isRecord(data.error) ? data.error : {};
          const status = (typeof error.type === "string" && ERROR_STATUS[error.type]) || 500;
          throw classifyUpstreamError(ctx.provider, status, new Headers(), event.data);
        }
        default:
          // ping, content_block_stop, and event types added after this was written.
          return;
      }
    },
    flush() {
      if (!finished) throw new UpstreamBadResponseError(ctx.provider, "the stream ended before message_stop");
    },
  };
}
