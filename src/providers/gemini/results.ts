/**
 * What non-stream and stream answers share: Gemini finish reasons and usage in OpenAI
 * terms, tool-call ids, and the typed error for an `error` object that arrives in a 2xx
 * body or mid-stream (Gemini then reports google.rpc.Status, like its HTTP errors).
 */
import type { UpstreamError } from "../../errors";
import { type AssistantToolCall, type FinishReason, GEMINI_REASONING, type ReasoningDetail, type Usage } from "../../openai/chat-response";
import { classifyUpstreamError } from "../upstream-errors";
import { toolCallId } from "./tool-ids";
import { asCount, asObject, asString, type JsonObject } from "./wire";

const CONTENT_FILTER = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT"]);

/**
 * Gemini has no "called a tool" reason: a turn that ends in function calls says STOP, so
 * the calls decide. LANGUAGE, OTHER, MALFORMED_FUNCTION_CALL and reasons added later end
 * the turn without a better OpenAI word for it, hence "stop".
 */
export function finishReason(reason: string, calledTools: boolean): FinishReason {
  if (reason === "MAX_TOKENS") return "length";
  if (CONTENT_FILTER.has(reason)) return "content_filter";
  return calledTools ? "tool_calls" : "stop";
}

/**
 * OpenAI counts reasoning inside completion_tokens; Gemini reports thoughts apart from the
 * candidates, so both go into completion_tokens. total_tokens is prompt + completion rather
 * than Gemini's totalTokenCount: the two agree whenever Gemini reports every part, and
 * clients rely on the sum holding even when a count is missing.
 */
export function usageFrom(metadata: unknown): Usage | undefined {
  const meta = asObject(metadata);
  if (!meta) return undefined;
  const prompt = asCount(meta.promptTokenCount) + asCount(meta.toolUsePromptTokenCount);
  const thoughts = asCount(meta.thoughtsTokenCount);
  const completion = asCount(meta.candidatesTokenCount) + thoughts;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  const cached = asCount(meta.cachedContentTokenCount);
  if (cached > 0) usage.prompt_tokens_details = { cached_tokens: cached };
  if (thoughts > 0) usage.completion_tokens_details = { reasoning_tokens: thoughts };
  return usage;
}

export const emptyUsage = (): Usage => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

/** A functionCall part as a complete OpenAI tool call; `n` numbers the calls of one response. */
export function toolCallFrom(part: JsonObject, n: number, token: string): AssistantToolCall | undefined {
  const call = asObject(part.functionCall);
  const name = asString(call?.name);
  if (!call || !name) return undefined;
  const args = asObject(call.args) ?? {};
  return { id: toolCallId(n, token, asString(part.thoughtSignature)), type: "function", function: { name, arguments: JSON.stringify(args) } };
}

/**
 * A thought signature on a part that is not a function call (those ride in the call's id),
 * as the reasoning detail the client sends back with the turn.
 */
export function signatureDetail(part: JsonObject): ReasoningDetail | undefined {
  const signature = asString(part.thoughtSignature);
  if (!signature || part.functionCall !== undefined) return undefined;
  return { type: "reasoning.encrypted", data: signature, format: GEMINI_REASONING };
}

const STATUS_HTTP: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** The typed error for a google.rpc.Status `error` found inside a successful response. */
export function inBandError(provider: string, body: JsonObject): UpstreamError | undefined {
  const error = asObject(body.error);
  if (!error) return undefined;
  const code = typeof error.code === "number" && error.code >= 400 ? error.code : (STATUS_HTTP[asString(error.status) ?? ""] ?? 500);
  return classifyUpstreamError(provider, code, new Headers(), JSON.stringify(body));
}
