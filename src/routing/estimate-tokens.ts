/**
 * A request's input size in tokens, estimated before any provider has counted it: about
 * four characters a token over every text the model will read, plus a flat cost per image.
 * Used to skip models whose max_input_tokens is too small and to check token headroom.
 */
import type { ChatRequest } from "../openai/chat-request";

/** Roughly four characters a token: good enough to count quota when the provider is silent. */
export const estimateTokens = (chars: number) => Math.ceil(chars / 4);

const IMAGE_TOKENS = 1_000;
const PER_MESSAGE = 4;

export function estimateInputTokens(req: ChatRequest): number {
  let chars = 0;
  let images = 0;
  for (const m of req.messages) {
    const content = m.content;
    if (typeof content === "string") chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === "text") chars += (part as { text: string }).text.length;
        else if (part.type === "image_url") images++;
      }
    }
    if (m.role === "assistant") for (const call of m.tool_calls ?? []) chars += call.function.name.length + call.function.arguments.length;
  }
  if (req.tools) chars += JSON.stringify(req.tools).length;
  return estimateTokens(chars) + images * IMAGE_TOKENS + req.messages.length * PER_MESSAGE;
}
