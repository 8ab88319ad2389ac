/**
 * What GigaChat's answers and stream chunks share: its finish reasons (`error` is a
 * failed answer, `blacklist` a refusal), and a `function_call` (arguments as an object)
 * turned into an OpenAI tool call with an id of its own (GigaChat gives calls none) and
 * arguments as a JSON string.
 */
import { UpstreamBadResponseError } from "../../errors";
import type { AssistantToolCall, FinishReason } from "../../openai/chat-response";

export type JsonObject = Record<string, unknown>;

export const asObject = (v: unknown): JsonObject | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as JsonObject) : undefined);

export function finishReason(reason: unknown, provider: string): FinishReason {
  if (reason === "function_call") return "tool_calls";
  // GigaChat's own failure mid-answer: not an answer, so another model may be tried.
  if (reason === "error") throw new UpstreamBadResponseError(provider, "the answer ended with finish_reason error");
  if (reason === "length") return "length";
  // "blacklist": GigaChat declined to answer on the topic.
  if (reason === "blacklist") return "content_filter";
  return "stop";
}

export function toolCallFrom(raw: unknown): AssistantToolCall | undefined {
  const call = asObject(raw);
  if (!call || typeof call.name !== "string") return undefined;
  const args = typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments ?? {});
  return { id: `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`, type: "function", function: { name: call.name, arguments: args } };
}
