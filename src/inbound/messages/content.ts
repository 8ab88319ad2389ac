/**
 * Anthropic's conversation as the internal (Chat Completions) one. Text, images and PDF
 * documents become content parts; tool_use blocks become tool calls and tool_result
 * blocks tool messages (their images follow in a user message, which every target takes);
 * thinking blocks become `reasoning_content`, and their signatures `reasoning_details` of
 * the format they came from. With `rich` (targets that translate: Anthropic, Gemini) the
 * request keeps what only they act on: cache_control, signatures, is_error. OpenAI-
 * compatible targets receive the body as it is, so they get plain Chat Completions.
 */
import { InvalidRequestError } from "../../errors";
import type { ChatMessage, ContentPart, ReasoningDetailInput, ToolCall } from "../../openai/chat-request";
import { ANTHROPIC_REASONING } from "../../openai/chat-response";
import { type ContentBlockParam, isKnownBlock, type KnownBlock, type MessageParam } from "./schema";

type Part = ContentPart;
type TextPart = Extract<Part, { type: "text" }>;

/** Server-tool traffic (web search, code execution...) that only Anthropic itself can replay. */
const SERVER_TOOL_BLOCK = /^(server_tool_use|mcp_tool_use|container_upload|.+_tool_result)$/;

/**
 * A signature this proxy gave a thinking block for another provider's reasoning reads
 * `<format>:<data>`; Anthropic's own are base64, which has no colon.
 */
export function detailFromSignature(text: string, signature: string): ReasoningDetailInput | undefined {
  if (signature === "") return undefined;
  const colon = signature.indexOf(":");
  if (colon === -1) return { type: "reasoning.text", text, signature, format: ANTHROPIC_REASONING };
  return { type: "reasoning.encrypted", data: signature.slice(colon + 1), format: signature.slice(0, colon) };
}

export function textPart(text: string, block: { cache_control?: TextPart["cache_control"] }, rich: boolean): TextPart {
  return rich && block.cache_control ? { type: "text", text, cache_control: block.cache_control } : { type: "text", text };
}

function unknownBlock(block: { type: string }, param: string): never {
  throw new InvalidRequestError(`Content blocks of type ${block.type} cannot be sent to this model.`, { param: `${param}.type` });
}

/** One user-visible block (text, image, document) as a content part. */
function partOf(candidate: { type: string }, param: string, rich: boolean): Part {
  if (!isKnownBlock(candidate)) return unknownBlock(candidate, param);
  const block = candidate;
  switch (block.type) {
    case "text":
      return textPart(block.text, block, rich);
    case "image": {
      const { source } = block;
      const url = source.type === "base64" && source.media_type && source.data ? `data:${source.media_type};base64,${source.data}` : source.type === "url" ? source.url : undefined;
      if (!url) throw new InvalidRequestError("Send images as base64 or url; file_id images cannot be sent.", { param: `${param}.source` });
      const part: Part = { type: "image_url", image_url: { url } };
      return rich && block.cache_control ? { ...part, cache_control: block.cache_control } : part;
    }
    case "document": {
      const { source } = block;
      if (source.type === "text" && typeof source.data === "string") return textPart(source.data, block, rich);
      if (source.type === "base64" && source.media_type === "application/pdf" && source.data) {
        return { type: "file", file: { file_data: `data:application/pdf;base64,${source.data}`, ...(block.title ? { filename: block.title } : {}) } };
      }
      throw new InvalidRequestError("Send documents as base64 PDFs or plain text.", { param: `${param}.source` });
    }
    default:
      return unknownBlock(block, param);
  }
}

/** A tool_result as a tool message, and the parts (images, PDFs) a tool message cannot hold. */
function toolResult(block: Extract<KnownBlock, { type: "tool_result" }>, param: string, rich: boolean): { message: ChatMessage; extra: Part[] } {
  const texts: TextPart[] = [];
  const extra: Part[] = [];
  const items = typeof block.content === "string" ? [{ type: "text" as const, text: block.content }] : (block.content ?? []);
  items.forEach((item, k) => {
    const part = partOf(item, `${param}.content[${k}]`, rich);
    if (part.type === "text") texts.push(part);
    else extra.push(part);
  });
  const content = texts.length === 1 && !texts[0]!.cache_control ? texts[0]!.text : texts;
  const message: ChatMessage = { role: "tool", tool_call_id: block.tool_use_id, content: texts.length ? content : "" };
  if (rich && block.is_error === true) message.is_error = true;
  return { message, extra };
}

function userTurn(content: ContentBlockParam[], i: number, rich: boolean): ChatMessage[] {
  const out: ChatMessage[] = [];
  const parts: Part[] = [];
  const moved: Part[] = [];
  content.forEach((block, j) => {
    const param = `messages[${i}].content[${j}]`;
    if (!isKnownBlock(block)) {
      if (!SERVER_TOOL_BLOCK.test(block.type)) unknownBlock(block, param);
    } else if (block.type === "tool_result") {
      const { message, extra } = toolResult(block, param, rich);
      out.push(message);
      moved.push(...extra);
    } else if (block.type !== "thinking" && block.type !== "redacted_thinking") parts.push(partOf(block, param, rich));
  });
  const all = [...moved, ...parts];
  if (all.length) out.push({ role: "user", content: all });
  return out;
}

function assistantTurn(content: ContentBlockParam[], i: number, rich: boolean): ChatMessage {
  let text = "";
  let reasoning: string | undefined;
  const details: ReasoningDetailInput[] = [];
  const calls: ToolCall[] = [];
  content.forEach((block, j) => {
    if (!isKnownBlock(block)) {
      if (!SERVER_TOOL_BLOCK.test(block.type)) unknownBlock(block, `messages[${i}].content[${j}]`);
    } else if (block.type === "text") text += block.text;
    else if (block.type === "tool_use") calls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input) } });
    else if (block.type === "thinking") {
      reasoning = (reasoning ?? "") + block.thinking;
      const detail = detailFromSignature(block.thinking, block.signature ?? "");
      if (detail) details.push(detail);
    } else if (block.type === "redacted_thinking") details.push({ type: "reasoning.encrypted", data: block.data, format: ANTHROPIC_REASONING });
    else unknownBlock(block, `messages[${i}].content[${j}]`);
  });
  const message: ChatMessage = { role: "assistant", content: calls.length && text === "" ? null : text };
  if (calls.length) message.tool_calls = calls;
  if (reasoning) message.reasoning_content = reasoning;
  if (rich && details.length) message.reasoning_details = details;
  return message;
}

export function translateMessages(messages: readonly MessageParam[], rich: boolean): ChatMessage[] {
  return messages.flatMap((m, i): ChatMessage[] => {
    if (m.role === "system") {
      const content = typeof m.content === "string" ? m.content : m.content.map((b, j) => partOf(b, `messages[${i}].content[${j}]`, rich));
      const texts = typeof content === "string" ? content : content.filter((p): p is TextPart => p.type === "text");
      return [{ role: "system", content: texts }];
    }
    if (typeof m.content === "string") return [{ role: m.role, content: m.content }];
    return m.role === "user" ? userTurn(m.content, i, rich) : [assistantTurn(m.content, i, rich)];
  });
}
