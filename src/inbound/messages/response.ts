/**
 * The internal answer (a chat.completion, translated or as an OpenAI-compatible upstream
 * sent it) as Anthropic's Message, plus the mappings the stream translator shares: finish
 * reasons as stop reasons, usage, and reasoning as thinking blocks. Signatures go back in
 * the form the client will return them in: Anthropic's as they are, other providers' as
 * `<format>:<data>` (content.ts reads them back).
 */
import { ANTHROPIC_REASONING, type ReasoningDetail, type Usage } from "../../openai/chat-response";

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "refusal";

/**
 * `matched` is the stop sequence the provider says ended the answer (an Anthropic provider,
 * or one that names it as vLLM does); OpenAI-compatible and Gemini providers otherwise only
 * say "stop", which cannot tell a stop sequence from the end of the turn.
 */
export function stopReason(finish: unknown, matched?: unknown): StopReason {
  if (finish === "stop" && typeof matched === "string") return "stop_sequence";
  switch (finish) {
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    default:
      return "end_turn";
  }
}

export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number | null;
  cache_read_input_tokens: number | null;
}

/** OpenAI's prompt_tokens includes cached tokens, read and written; Anthropic's input_tokens includes neither. */
export function messageUsage(usage: Partial<Usage> | null | undefined, estimatedInput: number, estimatedOutput: number): MessageUsage {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const written = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
  const prompt = typeof usage?.prompt_tokens === "number" ? usage.prompt_tokens : estimatedInput + cached + written;
  return {
    input_tokens: Math.max(0, prompt - cached - written),
    output_tokens: typeof usage?.completion_tokens === "number" ? usage.completion_tokens : estimatedOutput,
    cache_creation_input_tokens: written > 0 ? written : null,
    cache_read_input_tokens: cached > 0 ? cached : null,
  };
}

export type ThinkingContent = { type: "thinking"; thinking: string; signature: string } | { type: "redacted_thinking"; data: string };

/** The signature a thinking block carries for a detail of another provider's format. */
export const foreignSignature = (detail: { format: string; data: string }) => `${detail.format}:${detail.data}`;

/**
 * Reasoning as thinking blocks: each Anthropic detail is the block it was; otherwise the
 * reasoning text is one block, signed with another provider's signature if one came.
 */
export function thinkingBlocks(reasoning: string | undefined, details: readonly ReasoningDetail[] | undefined): ThinkingContent[] {
  const own = (details ?? []).filter((d) => d.format === ANTHROPIC_REASONING);
  if (own.length) {
    return own.map((d): ThinkingContent =>
      d.type === "reasoning.encrypted"
        ? { type: "redacted_thinking", data: d.data }
        : { type: "thinking", thinking: d.text ?? (own.length === 1 ? (reasoning ?? "") : ""), signature: d.signature ?? "" },
    );
  }
  const foreign = details?.find((d) => d.type === "reasoning.encrypted");
  if (!reasoning && !foreign) return [];
  return [{ type: "thinking", thinking: reasoning ?? "", signature: foreign?.type === "reasoning.encrypted" ? foreignSignature(foreign) : "" }];
}

interface CompletionLike {
  id?: unknown;
  model?: unknown;
  choices?: Array<{
    finish_reason?: unknown;
    stop_reason?: unknown;
    message?: {
      content?: unknown;
      refusal?: unknown;
      reasoning_content?: unknown;
      reasoning?: unknown;
      reasoning_details?: ReasoningDetail[];
      tool_calls?: Array<{ id?: unknown; function?: { name?: unknown; arguments?: unknown } }>;
    };
  }>;
  usage?: Partial<Usage> | null;
}

/** Tool arguments as the object Anthropic's `input` must be; anything else is kept under `arguments`. */
export function toolInput(args: unknown): Record<string, unknown> {
  if (typeof args !== "string" || args.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(args);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Not JSON: kept as text below rather than lost.
  }
  return { arguments: args };
}

/** Anthropic's message id for the internal answer's id. */
export const messageId = (id: string | undefined) => `msg_${(id ?? crypto.randomUUID()).replace(/^chatcmpl-/, "")}`;

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** The stop sequence to name beside stop_reason "stop_sequence", else null. */
export const stopSequence = (finish: unknown, matched: unknown) => (stopReason(finish, matched) === "stop_sequence" ? (matched as string) : null);

/** `body` is a chat.completion whose `choices` is an array (upstream-call.ts checks); the rest is read as found. */
export function toMessage(body: unknown, fallbackModel: string, estimatedInput: number): Record<string, unknown> {
  const completion = body as CompletionLike;
  const choice = completion.choices?.[0];
  const m = choice?.message ?? {};
  const text = str(m.content) ?? (m.content == null ? str(m.refusal) : undefined) ?? "";
  // An OpenAI-compatible provider's body arrives as it sent it: read it, do not trust it.
  const details = Array.isArray(m.reasoning_details) ? m.reasoning_details.filter((d) => d && typeof d === "object" && typeof d.format === "string") : undefined;
  const content: unknown[] = thinkingBlocks(str(m.reasoning_content) ?? str(m.reasoning), details);
  if (text) content.push({ type: "text", text });
  (Array.isArray(m.tool_calls) ? m.tool_calls : []).forEach((call, i) => {
    content.push({ type: "tool_use", id: str(call.id) ?? `toolu_${i}`, name: str(call.function?.name) ?? "", input: toolInput(call.function?.arguments) });
  });
  return {
    id: messageId(str(completion.id)),
    type: "message",
    role: "assistant",
    model: str(completion.model) ?? fallbackModel,
    content,
    stop_reason: stopReason(choice?.finish_reason, choice?.stop_reason),
    stop_sequence: stopSequence(choice?.finish_reason, choice?.stop_reason),
    usage: messageUsage(completion.usage, estimatedInput, Math.ceil(text.length / 4)),
  };
}
