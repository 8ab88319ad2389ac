/**
 * Anthropic's Messages API as the real one answers: auth and version checks, the request
 * rules a translator can break (max_tokens, roles, tool_result pairing), errors in
 * Anthropic's `{type:"error", error:{type,message}}` shape, Message JSON, and the
 * `event:`/`data:` stream with ping, text_delta and input_json_delta fragments.
 *
 * Besides the shared directive fields (`finish_reason` is taken as an Anthropic
 * stop_reason here) it reads a few of its own:
 * - `stream_error`: an error type, e.g. "overloaded_error", sent as `event: error` halfway
 *   through the text of a streamed answer, which then stops with no message_stop;
 * - `thinking`: a thinking block's text, sent before the answer (also sent, with a default
 *   text, whenever the request enables `thinking`). Its signature is derived from the text,
 *   and thinking blocks sent back in history must carry it, as the real API checks;
 * - `redacted`: also send a redacted_thinking block with this data;
 * - `cache_read`, `cache_write`: cache_read_input_tokens and cache_creation_input_tokens to report;
 * - with `finish_reason: "stop_sequence"`, the request's first stop sequence is the one named;
 * - `truncate`: end a streamed answer cleanly but without message_delta / message_stop;
 * - `count`: what `/v1/messages/count_tokens` answers (default: the prompt's words, as
 *   `usage.input_tokens` counts them).
 */
import type { ServerResponse } from "node:http";
import { chunkText, collectTexts, countTokens, type Directive, replyText } from "./directive";
import { sendJson } from "./openai";
import type { ProtocolHandler } from "./server";
import { eventFrame, startSse, writeFrames } from "./sse";

interface AnthropicDirective extends Directive {
  stream_error?: string;
  thinking?: string;
  redacted?: string;
  cache_read?: number;
  cache_write?: number;
  truncate?: boolean;
  count?: number;
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

const requestId = () => `req_sim${Math.random().toString(36).slice(2, 14)}`;

export function anthropicErrorBody(status: number, message: string, type = ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error")) {
  return { type: "error", error: { type, message }, request_id: requestId() };
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) {
  sendJson(res, status, anthropicErrorBody(status, message), { "request-id": requestId(), ...headers });
}

type Block = { type?: unknown; id?: unknown; tool_use_id?: unknown; thinking?: unknown; signature?: unknown };

/** What the simulator signs a thinking text with: checkable, and base64 like the real ones. */
export const thinkingSignature = (text: string) => Buffer.from(`sim-sig:${text.length}:${text.slice(0, 24)}`).toString("base64");

const blocksOf = (content: unknown): Block[] => (Array.isArray(content) ? (content as Block[]) : []);

/** The thinking rules the real API enforces: budget size, signatures, and tool turns opening with thinking. */
function invalidThinking(body: Record<string, unknown>, messages: Array<{ role?: unknown; content?: unknown }>): string | undefined {
  for (const [i, m] of messages.entries()) {
    for (const [j, b] of blocksOf(m.content).entries()) {
      if (b.type === "thinking" && (typeof b.thinking !== "string" || b.signature !== thinkingSignature(b.thinking))) {
        return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
      }
    }
  }
  const thinking = body.thinking as { type?: unknown; budget_tokens?: unknown } | undefined;
  if (thinking?.type !== "enabled") return undefined;
  const budget = thinking.budget_tokens;
  if (typeof budget !== "number" || budget < 1024) return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
  if (budget >= (body.max_tokens as number)) return "`max_tokens` must be greater than `thinking.budget_tokens`";
  const lastAssistant = messages.findLastIndex((m) => m.role === "assistant");
  const blocks = lastAssistant === -1 ? [] : blocksOf(messages[lastAssistant]!.content);
  if (blocks.some((b) => b.type === "tool_use") && blocks[0]?.type !== "thinking" && blocks[0]?.type !== "redacted_thinking") {
    return `messages.${lastAssistant}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(blocks[0]?.type)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`;
  }
  return undefined;
}

/** What the real API refuses with a 400 and a translator could get wrong; undefined when the body is fine. */
function invalidBody(body: Record<string, unknown>): string | undefined {
  if (typeof body.model !== "string") return "model: Field required";
  if (typeof body.max_tokens !== "number") return "max_tokens: Field required";
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return "messages: at least one message is required";
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as { role?: unknown; content?: unknown };
    if (m.role !== "user" && m.role !== "assistant") return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (typeof m.content !== "string" && !Array.isArray(m.content)) return `messages.${i}.content: Input should be a valid list`;
    const blocks = blocksOf(m.content);
    for (let j = 0; j < blocks.length; j++) {
      const b = blocks[j] as { type?: unknown; text?: unknown };
      if (b.type === "text" && b.text === "") return `messages.${i}.content.${j}.text: text content blocks must be non-empty`;
    }
    const results = blocks.filter((b) => b.type === "tool_result");
    if (!blocks.slice(0, results.length).every((b) => b.type === "tool_result")) {
      return `messages.${i}: tool_result blocks must come first in the user message`;
    }
    const previous = i > 0 ? blocksOf((messages[i - 1] as { content?: unknown }).content) : [];
    const calls = new Set(previous.filter((b) => b.type === "tool_use").map((b) => b.id));
    const answered = new Set(results.map((r) => r.tool_use_id));
    const unanswered = [...calls].filter((id) => !answered.has(id));
    if (unanswered.length) {
      return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
    for (const [j, r] of results.entries()) {
      if (m.role !== "user" || !calls.has(r.tool_use_id)) {
        return `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(r.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
  }
  return invalidThinking(body, messages as Array<{ role?: unknown; content?: unknown }>);
}

/** The words a prompt is counted by: system and message text, not roles or block types. */
function promptTexts(body: Record<string, unknown>): string[] {
  const texts = typeof body.system === "string" ? [body.system] : blocksOf(body.system).flatMap((b) => collectTexts((b as { text?: unknown }).text));
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    const content = (m as { content?: unknown }).content;
    if (typeof content === "string") texts.push(content);
    for (const b of blocksOf(content) as Array<{ text?: unknown; content?: unknown }>) texts.push(...collectTexts([b.text, b.content]));
  }
  return texts;
}

/** JSON text cut into the kind of fragments input_json_delta carries: "" first, then pieces. */
function jsonFragments(json: string): string[] {
  const size = Math.max(1, Math.ceil(json.length / 3));
  const out = [""];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out;
}

async function handleMessages(body: Record<string, unknown>, res: ServerResponse, d: AnthropicDirective): Promise<void> {
  const model = typeof body.model === "string" ? body.model : "unknown";
  const text = d.tool_calls?.length && d.reply === undefined ? "" : replyText(d, model);
  const toolUses = (d.tool_calls ?? []).map((call, i) => ({ type: "tool_use" as const, id: `toolu_sim${i}`, name: call.name, input: call.arguments }));
  const pieces = text ? chunkText(text) : [];
  const stopReason = d.finish_reason ?? (toolUses.length ? "tool_use" : "end_turn");
  const stopSequence = stopReason === "stop_sequence" && Array.isArray(body.stop_sequences) ? String(body.stop_sequences[0]) : null;
  const usage = {
    input_tokens: countTokens(promptTexts(body)),
    cache_creation_input_tokens: d.cache_write ?? 0,
    cache_read_input_tokens: d.cache_read ?? 0,
    output_tokens: pieces.length + toolUses.length * 10,
    service_tier: "standard",
  };
  const id = `msg_sim${Date.now().toString(36)}`;
  const enabled = (body.thinking as { type?: unknown; budget_tokens?: unknown } | undefined)?.type === "enabled";
  const thought = d.thinking ?? (enabled ? `Thinking within ${String((body.thinking as { budget_tokens?: unknown }).budget_tokens)} tokens.` : undefined);
  const thinking: Array<{ type: "thinking"; thinking: string; signature: string } | { type: "redacted_thinking"; data: string }> = thought
    ? [{ type: "thinking" as const, thinking: thought, signature: thinkingSignature(thought) }]
    : [];
  if (d.redacted) thinking.push({ type: "redacted_thinking", data: d.redacted });
  const textBlocks = text ? [{ type: "text" as const, text }] : [];

  if (body.stream !== true) {
    const content = [...thinking, ...textBlocks, ...toolUses];
    const message = { id, type: "message", role: "assistant", model, content, stop_reason: stopReason, stop_sequence: stopSequence, usage };
    return sendJson(res, 200, message, { "request-id": requestId(), ...d.headers });
  }

  const frames = [
    eventFrame("message_start", {
      type: "message_start",
      message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    }),
  ];
  let index = 0;
  for (const block of thinking) {
    if (block.type === "redacted_thinking") {
      frames.push(eventFrame("content_block_start", { type: "content_block_start", index, content_block: block }));
    } else {
      frames.push(eventFrame("content_block_start", { type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } }));
      for (const piece of chunkText(block.thinking)) {
        frames.push(eventFrame("content_block_delta", { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: piece } }));
      }
      frames.push(eventFrame("content_block_delta", { type: "content_block_delta", index, delta: { type: "signature_delta", signature: block.signature } }));
    }
    frames.push(eventFrame("content_block_stop", { type: "content_block_stop", index }));
    index++;
  }
  const streamError = d.stream_error ?? (d.finish_reason === "error" ? "overloaded_error" : undefined);
  if (pieces.length) {
    frames.push(eventFrame("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }));
    frames.push(eventFrame("ping", { type: "ping" }));
    for (const [i, piece] of pieces.entries()) {
      if (streamError && i === (d.error_after ?? Math.ceil(pieces.length / 2))) {
        frames.push(eventFrame("error", { type: "error", error: { type: streamError, message: d.message ?? `simulated ${streamError}` } }));
        startSse(res, d);
        return writeFrames(res, frames, d);
      }
      frames.push(eventFrame("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: piece } }));
    }
    frames.push(eventFrame("content_block_stop", { type: "content_block_stop", index }));
    index++;
  }
  for (const tool of toolUses) {
    frames.push(eventFrame("content_block_start", { type: "content_block_start", index, content_block: { ...tool, input: {} } }));
    for (const partial_json of jsonFragments(JSON.stringify(tool.input))) {
      frames.push(eventFrame("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } }));
    }
    frames.push(eventFrame("content_block_stop", { type: "content_block_stop", index }));
    index++;
  }
  if (streamError) frames.push(eventFrame("error", { type: "error", error: { type: streamError, message: d.message ?? `simulated ${streamError}` } }));
  else if (!d.truncate) {
    frames.push(eventFrame("message_delta", { type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: stopSequence }, usage: { output_tokens: usage.output_tokens } }));
    frames.push(eventFrame("message_stop", { type: "message_stop" }));
  }
  startSse(res, d);
  await writeFrames(res, frames, d);
}

/**
 * Claude on Vertex AI (`/anthropic/vertex/models/{model}:rawPredict|streamRawPredict`, after
 * oauth.ts checked the token): the model is in the URL, so a body naming one is refused, and
 * the version is `anthropic_version` in the body. The body as the Messages API would see it,
 * or an error already sent.
 */
function vertexBody(req: { path: string; body: Record<string, unknown> }, res: ServerResponse): Record<string, unknown> | undefined {
  const [, model, method] = /^\/anthropic\/vertex\/models\/([^/:]+):(rawPredict|streamRawPredict)$/.exec(req.path) ?? [];
  if (!model) return void sendError(res, 404, `Not found: ${req.path}`);
  const { anthropic_version: version, ...body } = req.body;
  if ("model" in body) return void sendError(res, 400, "model: Extra inputs are not permitted");
  if (version !== "vertex-2023-10-16") return void sendError(res, 400, "anthropic_version: Input should be 'vertex-2023-10-16'");
  // Stricter than Vertex needs to be, so an adapter that picks the wrong method is caught.
  if ((method === "streamRawPredict") !== (body.stream === true)) return void sendError(res, 400, `${method} does not match stream: ${String(body.stream)}`);
  return { ...body, model: decodeURIComponent(model) };
}

const handle: ProtocolHandler = (req, res, directive) => {
  const d = directive as AnthropicDirective;
  if (req.path.startsWith("/anthropic/vertex/")) {
    const body = vertexBody(req, res);
    return body && handleMessagesChecked(body, res, d);
  }
  const counting = req.path === "/anthropic/v1/messages/count_tokens";
  if (req.path !== "/anthropic/v1/messages" && !counting) return sendError(res, 404, `Not found: ${req.path}`);
  const key = req.headers["x-api-key"];
  if (typeof key !== "string" || key === "") return sendError(res, 401, "x-api-key header is required");
  if (!req.headers["anthropic-version"]) return sendError(res, 400, "anthropic-version: header is required");
  if (d.status && d.status >= 400) {
    const headers = { ...(d.status === 429 ? { "retry-after": "1" } : {}), ...d.headers };
    if (d.error_body !== undefined) return sendJson(res, d.status, d.error_body, headers);
    return sendError(res, d.status, d.message ?? `simulated ${d.status}`, headers);
  }
  // count_tokens takes no max_tokens, and refuses it as the real API does.
  if (counting && "max_tokens" in req.body) return sendError(res, 400, "max_tokens: Extra inputs are not permitted");
  const invalid = invalidBody(counting ? { max_tokens: Number.MAX_SAFE_INTEGER, ...req.body } : req.body);
  if (invalid) return sendError(res, 400, invalid);
  if (counting) return sendJson(res, 200, { input_tokens: d.count ?? countTokens(promptTexts(req.body)) }, { "request-id": requestId() });
  return handleMessages(req.body, res, d);
};

/** A Messages body checked as the real API checks it, then answered. */
function handleMessagesChecked(body: Record<string, unknown>, res: ServerResponse, d: AnthropicDirective): void | Promise<void> {
  const invalid = invalidBody(body);
  return invalid ? sendError(res, 400, invalid) : handleMessages(body, res, d);
}

export const anthropicRoute = {
  test: (path: string) => path.startsWith("/anthropic/"),
  handle,
};
