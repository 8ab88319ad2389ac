/**
 * Anthropic's native Messages API (`POST {base_url}/v1/messages`). The translation itself
 * lives in request.ts (OpenAI request -> Messages body), response.ts (message ->
 * chat.completion) and stream.ts (event stream -> chunks); this module adds the endpoint
 * and the headers the API requires. On Vertex AI the same body goes to
 * `{base_url}/{model}:rawPredict` (`:streamRawPredict` to stream) with the model in the
 * URL and the version in the body, and the answers are Anthropic's own.
 */
import type { ChatRequest } from "../../openai/chat-request";
import type { TranslatingAdapter, UpstreamHttpRequest } from "../types";
import { translateRequest } from "./request";
import { parseResponse } from "./response";
import { streamTransformer } from "./stream";
import { ANTHROPIC_VERSION, onVertex, VERTEX_ANTHROPIC_VERSION } from "./wire";

/** The request for a base URL and model, without credentials (credentials.ts adds them). */
export function anthropicRequest(req: ChatRequest, baseUrl: string, model: string, configured: Record<string, string> = {}): UpstreamHttpRequest {
  const vertex = onVertex(baseUrl);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: req.stream ? "text/event-stream" : "application/json",
    ...(vertex ? {} : { "anthropic-version": ANTHROPIC_VERSION }),
    // Configured headers come after the defaults so a provider can add `anthropic-beta` or pin another version.
    ...configured,
  };
  const body = translateRequest(req, model);
  if (!vertex) return { url: `${baseUrl}/v1/messages`, headers, body: JSON.stringify(body) };
  const { model: _inUrl, ...rest } = body;
  // Vertex's model ids carry a version after `@`, which stays readable in the path.
  const path = `${baseUrl}/${encodeURIComponent(model).replace("%40", "@")}`;
  return { url: `${path}:${req.stream ? "streamRawPredict" : "rawPredict"}`, headers, body: JSON.stringify({ anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest }) };
}

export const anthropicAdapter: TranslatingAdapter = {
  kind: "translate",
  buildRequest: (req, target) => anthropicRequest(req, target.baseUrl, target.model.model, target.model.providerConfig.headers),
  parseResponse,
  streamTransformer,
};
