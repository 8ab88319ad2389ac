/**
 * OpenAI's conversation as Anthropic's. System and developer messages leave the list for
 * the top-level `system`; assistant tool calls become tool_use blocks and tool messages
 * user-role tool_result blocks; reasoning the client sent back (`reasoning_details` of
 * Anthropic's format) becomes the thinking blocks it was, signatures intact; and
 * neighbouring turns of one role are merged, because Anthropic wants user and assistant
 * to alternate and tool results to open the user turn that answers the calls.
 */
import { InvalidRequestError } from "../../errors";
import type { ChatMessage, ToolCall } from "../../openai/chat-request";
import { ANTHROPIC_REASONING } from "../../openai/chat-response";
import { partToBlocks, textBlock } from "./content";
import { type AnthropicMessage, type ContentBlock, isRecord, type TextBlock, type ToolResultBlock, type ToolUseBlock } from "./wire";

export interface Conversation {
  system: string | TextBlock[] | undefined;
  messages: AnthropicMessage[];
}

type TextContent = string | ReadonlyArray<{ text: string; cache_control?: TextBlock["cache_control"] }>;

function textBlocks(content: TextContent): TextBlock[] {
  return typeof content === "string" ? textBlock(content) : content.flatMap((part) => textBlock(part.text, part.cache_control));
}

/**
 * Thinking blocks come back only with the signature Anthropic gave them (a block without
 * one is refused upstream), in the order they were produced, ahead of the turn's text.
 */
function thinkingBlocks(message: Extract<ChatMessage, { role: "assistant" }>): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  const details = message.reasoning_details ?? [];
  for (const d of details) {
    if (d.format !== ANTHROPIC_REASONING) continue;
    if (d.type === "reasoning.encrypted" && d.data) blocks.push({ type: "redacted_thinking", data: d.data });
    if (d.type === "reasoning.text" && d.signature) {
      // Streamed answers carry the text once, in reasoning_content, when there is one block.
      const text = d.text ?? (details.length === 1 ? (message.reasoning_content ?? "") : "");
      blocks.push({ type: "thinking", thinking: text, signature: d.signature });
    }
  }
  return blocks;
}

function toolUse(call: ToolCall, param: string): ToolUseBlock {
  const args = call.function.arguments;
  let input: unknown;
  // Some clients send "" for a function without parameters; that is an empty input.
  if (args.trim() === "") input = {};
  else {
    try {
      input = JSON.parse(args);
    } catch {
      throw new InvalidRequestError(`The tool call arguments are not valid JSON: ${args.slice(0, 100)}`, { param });
    }
  }
  if (!isRecord(input)) throw new InvalidRequestError("The tool call arguments must be a JSON object.", { param });
  return { type: "tool_use", id: call.id, name: call.function.name, input };
}

function toolResult(message: Extract<ChatMessage, { role: "tool" }>): ToolResultBlock {
  const block: ToolResultBlock = { type: "tool_result", tool_use_id: message.tool_call_id };
  if (typeof message.content === "string") {
    if (message.content !== "") block.content = message.content;
  } else {
    const blocks = textBlocks(message.content);
    if (blocks.length) block.content = blocks;
  }
  if (message.is_error === true) block.is_error = true;
  return block;
}

function assistantBlocks(message: Extract<ChatMessage, { role: "assistant" }>, param: string): ContentBlock[] {
  const thinking = thinkingBlocks(message);
  const blocks: ContentBlock[] = [];
  const { content } = message;
  if (typeof content === "string") blocks.push(...textBlock(content));
  else if (content) content.forEach((part, j) => blocks.push(...partToBlocks(part, `${param}.content[${j}]`)));
  if (!blocks.length && message.refusal) blocks.push(...textBlock(message.refusal));
  blocks.unshift(...thinking);
  message.tool_calls?.forEach((call, j) => blocks.push(toolUse(call, `${param}.tool_calls[${j}].function.arguments`)));
  return blocks;
}

function userBlocks(message: Extract<ChatMessage, { role: "user" }>, param: string): ContentBlock[] {
  if (typeof message.content === "string") return textBlock(message.content);
  return message.content.flatMap((part, j) => partToBlocks(part, `${param}.content[${j}]`));
}

/** tool_result blocks must come first in their user turn, whatever order the client used. */
function resultsFirst(blocks: ContentBlock[]): ContentBlock[] {
  const results = blocks.filter((b) => b.type === "tool_result");
  return results.length ? [...results, ...blocks.filter((b) => b.type !== "tool_result")] : blocks;
}

export function translateMessages(messages: readonly ChatMessage[]): Conversation {
  const system: TextBlock[] = [];
  const out: AnthropicMessage[] = [];
  const push = (role: AnthropicMessage["role"], blocks: ContentBlock[]) => {
    // A message with nothing to say (e.g. content "") would be an empty turn upstream.
    if (!blocks.length) return;
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };

  messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...textBlocks(message.content));
        return;
      case "user":
        return push("user", userBlocks(message, param));
      case "assistant":
        return push("assistant", assistantBlocks(message, param));
      case "tool":
        return push("user", [toolResult(message)]);
    }
  });

  if (!out.length) {
    throw new InvalidRequestError("Anthropic models need at least one non-empty user or assistant message besides system messages.", {
      param: "messages",
    });
  }
  for (const message of out) if (message.role === "user") message.content = resultsFirst(message.content);
  const only = system.length === 1 ? system[0] : undefined;
  return { system: only ? only.text : system.length ? system : undefined, messages: out };
}
