/**
 * The native Gemini protocol (generativelanguage.googleapis.com, v1beta). Requests go to
 * `models/{model}:generateContent`, or `:streamGenerateContent?alt=sse` for SSE (without
 * `alt=sse` Gemini streams one JSON array instead). The key travels in `x-goog-api-key`,
 * never in the URL, where it would end up in logs and error messages; on Vertex AI a
 * service account's token travels as a Bearer token (credentials.ts).
 */
import type { TranslatingAdapter } from "../types";
import { buildGeminiRequest } from "./request";
import { parseGeminiResponse } from "./response";
import { geminiStreamTransformer } from "./stream";

/** Vertex AI's base URL already ends in `/publishers/google/models`; Google AI Studio's does not. */
export const modelsRoot = (baseUrl: string) => (baseUrl.endsWith("/models") ? baseUrl : `${baseUrl}/models`);

export const geminiAdapter: TranslatingAdapter = {
  kind: "translate",
  buildRequest(req, target) {
    const model = `${modelsRoot(target.baseUrl)}/${encodeURIComponent(target.model.model)}`;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: req.stream ? "text/event-stream" : "application/json",
      ...target.model.providerConfig.headers,
    };
    return {
      url: req.stream ? `${model}:streamGenerateContent?alt=sse` : `${model}:generateContent`,
      headers,
      body: JSON.stringify(buildGeminiRequest(req)),
    };
  },
  parseResponse: parseGeminiResponse,
  streamTransformer: geminiStreamTransformer,
};
