/**
 * A Messages request sent to an Anthropic provider as the client wrote it. A round trip
 * through the internal form would lose what it cannot carry (adaptive thinking,
 * `context_management`, `output_config`, server tools, `metadata` beyond the user id,
 * fields newer than this code), so only what the proxy controls changes: `model` becomes
 * the configured upstream id (on Vertex AI it moves to the URL and the body names the
 * Vertex version), `max_tokens` is lowered to the model's `max_output_tokens`, and the
 * headers are the proxy's own plus the client's `anthropic-beta` flags.
 */
import { UpstreamBadResponseError } from "../../errors";
import type { Usage } from "../../openai/chat-response";
import { clientJson } from "../json-splice";
import type { UpstreamHttpRequest, UpstreamTarget } from "../types";
import { toUsage } from "./response";
import { ANTHROPIC_VERSION, isRecord, onVertex, VERTEX_ANTHROPIC_VERSION } from "./wire";

/** Beta flags from the provider's configuration and the client, each once, the configured first. */
function betas(configured: string | undefined, client: string | undefined): string | undefined {
  const flags = [configured, client].flatMap((list) => (list ?? "").split(",").map((f) => f.trim()).filter(Boolean));
  return flags.length ? [...new Set(flags)].join(",") : undefined;
}

/**
 * `body` is the client's validated body, its text kept (json-splice.ts): the changes are
 * spliced into that text. `beta` is the client's anthropic-beta header.
 */
export function passthroughRequest(body: { stream?: boolean; max_tokens: number }, beta: string | undefined, target: UpstreamTarget): UpstreamHttpRequest {
  const { model, baseUrl } = target;
  const vertex = onVertex(baseUrl);
  const stream = body.stream === true;
  const configured: Record<string, string> = {};
  let configuredBeta: string | undefined;
  for (const [name, value] of Object.entries(model.providerConfig.headers ?? {})) {
    if (name.toLowerCase() === "anthropic-beta") configuredBeta = value;
    else configured[name] = value;
  }
  const flags = betas(configuredBeta, beta);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
    ...(vertex ? {} : { "anthropic-version": ANTHROPIC_VERSION }),
    ...configured,
    ...(flags ? { "anthropic-beta": flags } : {}),
  };
  const cap = model.max_output_tokens;
  const lowered = cap !== undefined && body.max_tokens > cap ? { max_tokens: cap } : {};
  if (!vertex) return { url: `${baseUrl}/v1/messages`, headers, body: clientJson(body, { model: model.model, ...lowered }) };
  const path = `${baseUrl}/${encodeURIComponent(model.model).replace("%40", "@")}`;
  const changes = { anthropic_version: VERTEX_ANTHROPIC_VERSION, model: undefined, ...lowered };
  return { url: `${path}:${stream ? "streamRawPredict" : "rawPredict"}`, headers, body: clientJson(body, changes) };
}

/** A whole answer is a Message, or the attempt failed; its usage in the internal terms, for the tally. */
export function messageUsage(provider: string, json: unknown): Usage | undefined {
  if (!isRecord(json) || json.type !== "message" || !Array.isArray(json.content)) throw new UpstreamBadResponseError(provider, "no content in the message");
  return isRecord(json.usage) ? toUsage(json.usage) : undefined;
}
