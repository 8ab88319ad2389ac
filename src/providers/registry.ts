/**
 * Protocol name (models.yaml `type`) -> adapter. Adding a wire protocol means one module
 * and one line here; adding an OpenAI-compatible provider means only a models.yaml entry.
 */
import type { Protocol } from "../config/schema";
import { anthropicAdapter } from "./anthropic";
import { geminiAdapter } from "./gemini";
import { gigachatAdapter } from "./gigachat";
import { openaiAdapter } from "./openai";
import type { ChatAdapter } from "./types";

const adapters: Record<Protocol, ChatAdapter> = {
  openai: openaiAdapter,
  gemini: geminiAdapter,
  anthropic: anthropicAdapter,
  gigachat: gigachatAdapter,
};

export function adapterFor(protocol: Protocol): ChatAdapter {
  return adapters[protocol];
}
