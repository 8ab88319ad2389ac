/**
 * The slice of Anthropic's Messages API (anthropic-version 2023-06-01) the adapter writes
 * and reads. Requests are typed exactly, since we build them; responses are only
 * described, since they arrive as unknown JSON and are narrowed field by field.
 */

export const ANTHROPIC_VERSION = "2023-06-01";
/** Anthropic on Vertex AI names the version in the body, not in a header. */
export const VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";
/** Vertex AI's base URL for Claude ends in `/publishers/anthropic/models`; Anthropic's own does not. */
export const onVertex = (baseUrl: string) => baseUrl.endsWith("/publishers/anthropic/models");

export interface CacheControl {
  type: string;
  [key: string]: unknown;
}

export interface TextBlock {
  type: "text";
  text: string;
  cache_control?: CacheControl;
}

export interface ThinkingBlock {
  type: "thinking";
  thinking: string;
  signature: string;
}

export interface RedactedThinkingBlock {
  type: "redacted_thinking";
  data: string;
}

export type ImageSource = { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };

export interface ImageBlock {
  type: "image";
  source: ImageSource;
  cache_control?: CacheControl;
}

export interface DocumentBlock {
  type: "document";
  source: { type: "base64"; media_type: "application/pdf"; data: string };
  title?: string;
}

export interface ToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface ToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content?: string | TextBlock[];
  is_error?: boolean;
}

export type ContentBlock = TextBlock | ImageBlock | DocumentBlock | ToolUseBlock | ToolResultBlock | ThinkingBlock | RedactedThinkingBlock;

export interface AnthropicMessage {
  role: "user" | "assistant";
  content: ContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  strict?: boolean;
}

export type AnthropicToolChoice =
  | { type: "none" }
  | { type: "auto" | "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean };

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: string | TextBlock[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  output_config?: { format: { type: "json_schema"; schema: Record<string, unknown> } };
  metadata?: { user_id: string };
  thinking?: { type: "enabled"; budget_tokens: number };
  stream?: boolean;
}

/** `usage` as it appears on a message and on message_start / message_delta events. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "pause_turn" | "refusal" | "model_context_window_exceeded";

/**
 * The HTTP status Anthropic gives each error type: a mid-stream error classifies like a
 * failed response would, and the Messages inbound names its errors by it.
 */
export const ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
