/**
 * The OpenAI chat completion shapes the proxy produces when it translates another
 * protocol (Gemini, Anthropic). OpenAI-compatible upstreams are passed through as they
 * are, so these types describe output, not everything a client may receive.
 */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** cache_write_tokens (OpenRouter's name): prompt tokens written to a provider's cache, e.g. Anthropic's cache_creation_input_tokens. */
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

/**
 * One block of reasoning state, as OpenAI-compatible gateways carry it (`reasoning_details`):
 * the text and signature of an Anthropic thinking block, an Anthropic redacted_thinking
 * block, or a Gemini thought signature. Clients send these back unchanged on the
 * assistant message; each adapter takes only the blocks of its own `format`, so a
 * conversation that moved between providers stays valid.
 */
export type ReasoningDetail =
  | { type: "reasoning.text"; text?: string; signature?: string; format: string; index?: number }
  | { type: "reasoning.encrypted"; data: string; format: string; index?: number };

export const ANTHROPIC_REASONING = "anthropic-claude-v1";
export const GEMINI_REASONING = "google-gemini-v1";

export interface AssistantToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      refusal?: string | null;
      tool_calls?: AssistantToolCall[];
      /** The model's reasoning text (Anthropic thinking, Gemini thought summaries). */
      reasoning_content?: string;
      reasoning_details?: ReasoningDetail[];
    };
    finish_reason: FinishReason | null;
    /** The stop sequence that ended the answer, as vLLM names it; set only when the provider says which. */
    stop_reason?: string;
    logprobs: null;
  }>;
  usage?: Usage;
}

export interface ChunkToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface ChunkDelta {
  role?: "assistant";
  content?: string | null;
  refusal?: string | null;
  tool_calls?: ChunkToolCallDelta[];
  reasoning_content?: string;
  reasoning_details?: ReasoningDetail[];
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{ index: number; delta: ChunkDelta; finish_reason: FinishReason | null; stop_reason?: string; logprobs?: null }>;
  usage?: Usage | null;
}

export function completionId(): string {
  return `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

const count = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0 && v < 1e12;

/** Usage as an upstream reported it, if it is usage at all: counts that are not numbers would corrupt quota counters. */
export function validUsage(value: unknown): Usage | undefined {
  if (!value || typeof value !== "object") return undefined;
  const u = value as Record<string, unknown>;
  if (!count(u.prompt_tokens) || !count(u.completion_tokens)) return undefined;
  return { ...(u as unknown as Usage), total_tokens: count(u.total_tokens) ? u.total_tokens : u.prompt_tokens + u.completion_tokens };
}
