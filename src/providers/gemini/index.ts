/**
 * The native Gemini protocol (generativelanguage.googleapis.com, v1beta). Requests go to
 * `models/{model}:generateContent`, or `:streamGenerateContent?alt=sse` for SSE (without
 * `alt=sse` Gemini streams one JSON array instead). The key travels in `x-goog-api-key`,
 * never in the URL, where it would end up in logs and error messages.
 */
import type { TranslatingAdapter } from "../types";
import { buildGeminiRequest } from "./request";
import { parseGeminiResponse } from "./response";
import { geminiStreamTransformer } from "./stream";

export const geminiAdapter: TranslatingAdapter = {
  kind: "translate",
  buildRequest(req, target) {
    const model = `${target.baseUrl}/models/${encodeURIComponent(target.model.model)}`;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: req.stream ? "text/event-stream" : "application/json",
      ...target.model.providerConfig.headers,
    };
    if (target.apiKey) headers["x-goog-api-key"] = target.apiKey;
    return {
      url: req.stream ? `${model}:streamGenerateContent?alt=sse` : `${model}:generateContent`,
      headers,
      body: JSON.stringify(buildGeminiRequest(req)),
    };
  },
  parseResponse: parseGeminiResponse,
  streamTransformer: geminiStreamTransformer,
};
