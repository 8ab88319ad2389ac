/**
 * Anthropic's native Messages API (`POST {base_url}/v1/messages`). The translation itself
 * lives in request.ts (OpenAI request -> Messages body), response.ts (message ->
 * chat.completion) and stream.ts (event stream -> chunks); this module adds the endpoint
 * and the headers the API requires.
 */
import type { TranslatingAdapter } from "../types";
import { translateRequest } from "./request";
import { parseResponse } from "./response";
import { streamTransformer } from "./stream";
import { ANTHROPIC_VERSION } from "./wire";

export const anthropicAdapter: TranslatingAdapter = {
  kind: "translate",
  buildRequest(req, target) {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: req.stream ? "text/event-stream" : "application/json",
      "anthropic-version": ANTHROPIC_VERSION,
      // Configured headers come after the defaults so a provider can add `anthropic-beta` or pin another version.
      ...target.model.providerConfig.headers,
    };
    return {
      url: `${target.baseUrl}/v1/messages`,
      headers,
      body: JSON.stringify(translateRequest(req, target.model.model)),
    };
  },
  parseResponse,
  streamTransformer,
};
