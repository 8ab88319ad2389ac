/**
 * A Responses API request sent to an `openai` provider that serves `/responses` itself
 * (`responses: true` in models.yaml), as the client wrote it. The internal Chat
 * Completions form cannot carry hosted tools (web search, file search...), OpenAI's
 * `encrypted_content` reasoning items or fields newer than this code, so only what the
 * proxy controls changes: `model` becomes the configured upstream id and
 * `max_output_tokens` is lowered to the model's `max_output_tokens`. What comes back is
 * checked to be a Response, and its usage read for the tally.
 */
import { UpstreamBadResponseError } from "../errors";
import { type Usage, validUsage } from "../openai/chat-response";
import { clientJson } from "./json-splice";
import type { UpstreamHttpRequest, UpstreamTarget } from "./types";
import { classifyErrorObject } from "./upstream-errors";

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** `body` is the client's validated body, its text kept (json-splice.ts): the changes are spliced into that text. */
export function responsesRequest(body: { stream?: boolean | null; max_output_tokens?: number | null }, target: UpstreamTarget): UpstreamHttpRequest {
  const { model, baseUrl } = target;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: body.stream === true ? "text/event-stream" : "application/json",
    ...model.providerConfig.headers,
  };
  const cap = model.max_output_tokens;
  const lowered = cap !== undefined && typeof body.max_output_tokens === "number" && body.max_output_tokens > cap ? { max_output_tokens: cap } : {};
  return { url: `${baseUrl}/responses`, headers, body: clientJson(body, { model: model.model, ...lowered }) };
}

const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);

/** A Response's usage in the internal terms; undefined when it reports none. */
export function usageOfResponse(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const prompt = count(usage.input_tokens);
  const completion = count(usage.output_tokens);
  const cached = isRecord(usage.input_tokens_details) ? count(usage.input_tokens_details.cached_tokens) : 0;
  const reasoning = isRecord(usage.output_tokens_details) ? count(usage.output_tokens_details.reasoning_tokens) : 0;
  return validUsage({
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(cached ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
    ...(reasoning ? { completion_tokens_details: { reasoning_tokens: reasoning } } : {}),
  });
}

/**
 * A whole answer is a Response with its `output`, or the attempt failed (and may fall
 * back): a failed Response in a 200 counts as the error it carries.
 */
export function responseUsage(provider: string, json: unknown): Usage | undefined {
  if (!isRecord(json) || json.object !== "response" || !Array.isArray(json.output)) throw new UpstreamBadResponseError(provider, "no Response object");
  if (json.status === "failed") throw classifyErrorObject(provider, errorOf(json.error), "in its Response");
  return usageOfResponse(json.usage);
}

/** A Responses error (`{code, message}`) as the error object classification reads: its code is its type. */
export function errorOf(error: unknown): Record<string, unknown> {
  const e = isRecord(error) ? error : {};
  return { ...e, type: typeof e.code === "string" ? e.code : e.type };
}
