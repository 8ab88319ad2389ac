/**
 * OpenAI and every OpenAI-compatible API (OpenRouter, Groq, Cerebras, Mistral, GitHub
 * Models, Together, Workers AI...). The client's body goes upstream unchanged but for
 * `model` (and what the client policy changed), spliced into the client's own text where
 * it was kept, and the answer comes back unchanged, streamed byte for byte.
 */
import { clientJson } from "./json-splice";
import type { PassthroughAdapter } from "./types";

export const openaiAdapter: PassthroughAdapter = {
  kind: "passthrough",
  buildRequest(req, target) {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: req.stream ? "text/event-stream" : "application/json",
      ...target.model.providerConfig.headers,
    };
    return {
      url: `${target.baseUrl}/chat/completions`,
      headers,
      body: clientJson(req, { model: target.model.model }),
    };
  },
};
