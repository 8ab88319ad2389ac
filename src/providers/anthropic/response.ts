/**
 * A Messages API answer as an OpenAI chat.completion, plus the stop-reason and usage
 * mappings the stream translator shares. Text blocks are the content, tool_use blocks
 * the tool calls, thinking blocks `reasoning_content` with their signatures (and redacted
 * thinking) in `reasoning_details`, for the client to send back; server-tool blocks have
 * no OpenAI field and are left out.
 */
import { UpstreamBadResponseError } from "../../errors";
import { ANTHROPIC_REASONING, type AssistantToolCall, type ChatCompletion, type FinishReason, type ReasoningDetail, type Usage } from "../../openai/chat-response";
import type { ResponseContext } from "../types";
import { type AnthropicUsage, isRecord } from "./wire";

/**
 * `pause_turn` (a long server-tool turn paused) and `model_context_window_exceeded` both
 * mean the answer is incomplete and can be continued, which is what "length" tells an
 * OpenAI client. `refusal` is the safety stop, OpenAI's "content_filter".
 */
export function finishReason(stopReason: unknown): FinishReason {
  switch (stopReason) {
    case "max_tokens":
    case "model_context_window_exceeded":
    case "pause_turn":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}

const count = (n: unknown) => (typeof n === "number" && Number.isFinite(n) ? n : 0);

/**
 * Anthropic reports cache writes and cache reads apart from `input_tokens`; OpenAI's
 * prompt_tokens is the whole prompt, with the cached part broken out.
 */
export function toUsage(usage: AnthropicUsage): Usage {
  const cacheRead = count(usage.cache_read_input_tokens);
  const prompt = count(usage.input_tokens) + count(usage.cache_creation_input_tokens) + cacheRead;
  const completion = count(usage.output_tokens);
  const written = count(usage.cache_creation_input_tokens);
  const details = written ? { cached_tokens: cacheRead, cache_write_tokens: written } : { cached_tokens: cacheRead };
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: details };
}

export function parseResponse(body: unknown, ctx: ResponseContext): ChatCompletion {
  if (!isRecord(body) || !Array.isArray(body.content)) throw new UpstreamBadResponseError(ctx.provider, "no content in the message");
  let text: string | null = null;
  let reasoning: string | undefined;
  const details: ReasoningDetail[] = [];
  const toolCalls: AssistantToolCall[] = [];
  for (const block of body.content) {
    if (!isRecord(block)) continue;
    if (block.type === "text" && typeof block.text === "string") text = (text ?? "") + block.text;
    else if (block.type === "thinking" && typeof block.thinking === "string") {
      reasoning = (reasoning ?? "") + block.thinking;
      const signature = typeof block.signature === "string" ? block.signature : "";
      details.push({ type: "reasoning.text", text: block.thinking, signature, format: ANTHROPIC_REASONING, index: details.length });
    } else if (block.type === "redacted_thinking" && typeof block.data === "string") {
      details.push({ type: "reasoning.encrypted", data: block.data, format: ANTHROPIC_REASONING, index: details.length });
    }
    else if (block.type === "tool_use" && typeof block.id === "string" && typeof block.name === "string") {
      toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const message: ChatCompletion["choices"][number]["message"] = { role: "assistant", content: text };
  if (toolCalls.length) message.tool_calls = toolCalls;
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  if (details.length) message.reasoning_details = details;
  const completion: ChatCompletion = {
    id: ctx.id,
    object: "chat.completion",
    created: ctx.created,
    model: typeof body.model === "string" ? body.model : ctx.model,
    choices: [{ index: 0, message, finish_reason: finishReason(body.stop_reason), logprobs: null }],
  };
  if (body.stop_reason === "stop_sequence" && typeof body.stop_sequence === "string") completion.choices[0]!.stop_reason = body.stop_sequence;
  if (isRecord(body.usage)) completion.usage = toUsage(body.usage);
  return completion;
}
