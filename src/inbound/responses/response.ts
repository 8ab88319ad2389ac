/**
 * The pieces of a Response object (events.ts builds whole ones, streamed or not): item
 * ids, output items, status and usage. Reasoning becomes reasoning items whose summary is the
 * reasoning text and whose `encrypted_content` is the state the provider needs back
 * (an Anthropic signature, redacted thinking, a Gemini thought signature) as JSON, which
 * items.ts reads back when the client replays the item. Calls of flattened namespace
 * functions are answered under their own name and namespace.
 */
import type { ReasoningDetail, Usage } from "../../openai/chat-response";
import type { AnswerContext } from "../types";
import type { ToolNames } from "./request";

export interface ResponseContext extends AnswerContext {
  /** `resp_<hex>`; item ids are `<prefix>_<hex>_<output index>`, so a reference names its response. */
  readonly id: string;
  readonly createdAt: number;
  readonly names: ToolNames;
  /** Request fields the Response repeats (previous_response_id, store, metadata...). */
  readonly echo: Readonly<Record<string, unknown>>;
}

export type Item = Record<string, unknown> & { type: string; id: string };

export const itemId = (ctx: ResponseContext, prefix: string, index: number) => `${prefix}_${ctx.id.slice(5)}_${index}`;

export const messageItem = (id: string, text: string, status = "completed"): Item => ({
  id,
  type: "message",
  status,
  role: "assistant",
  content: status === "completed" ? [outputText(text)] : [],
});
export const outputText = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] });

export function callItem(ctx: ResponseContext, id: string, callId: string, flat: string, args: string, status = "completed"): Item {
  const origin = ctx.names.get(flat);
  return { id, type: "function_call", status, call_id: callId, name: origin?.name ?? flat, arguments: args, ...(origin ? { namespace: origin.namespace } : {}) };
}

/** The state a detail carries, without the text the summary already holds. */
export const encrypted = (d: ReasoningDetail) => JSON.stringify({ ...d, text: undefined, index: undefined });

export function reasoningItem(id: string, text: string, detail: ReasoningDetail | undefined): Item {
  return { id, type: "reasoning", summary: text ? [{ type: "summary_text", text }] : [], ...(detail ? { encrypted_content: encrypted(detail) } : {}) };
}

/** A finish reason as the Response's status and why it is incomplete. */
export function statusOf(finish: unknown): { status: string; incomplete_details: { reason: string } | null } {
  if (finish === "length") return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  if (finish === "content_filter") return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  return { status: "completed", incomplete_details: null };
}

/** Usage in Responses terms; `reasoning_tokens` is always there, estimated from the reasoning text when the provider does not say. */
export function usageOf(usage: Partial<Usage> | null | undefined, ctx: AnswerContext, outChars: number, reasoningChars: number) {
  const input = typeof usage?.prompt_tokens === "number" ? usage.prompt_tokens : ctx.inputTokens;
  const output = typeof usage?.completion_tokens === "number" ? usage.completion_tokens : Math.ceil(outChars / 4);
  const reasoning = usage?.completion_tokens_details?.reasoning_tokens ?? Math.min(output, Math.ceil(reasoningChars / 4));
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}

/** The Response object around its output. */
export function responseOf(ctx: ResponseContext, model: unknown, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    id: ctx.id,
    object: "response",
    created_at: ctx.createdAt,
    status: "in_progress",
    error: null,
    incomplete_details: null,
    model: typeof model === "string" ? model : ctx.model,
    output: [],
    usage: null,
    ...ctx.echo,
    ...fields,
  };
}

