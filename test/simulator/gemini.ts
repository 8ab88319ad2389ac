/**
 * The Gemini API (REST v1beta) as Google serves it: `models/{model}:generateContent`
 * (JSON) and `models/{model}:streamGenerateContent` (`?alt=sse`: `data:` frames with CRLF
 * line ends and no end sentinel; without it, one JSON array). Requests without an API key
 * are refused like Google does, malformed bodies get Google's INVALID_ARGUMENT, and errors
 * use the google.rpc.Status shape (429 with RetryInfo).
 *
 * Directive extras for this protocol:
 * - `finish_reason` is a Gemini finishReason (STOP, MAX_TOKENS, SAFETY...); the filter
 *   reasons come without content. "PROMPT_BLOCKED" answers with promptFeedback.blockReason
 *   and no candidates.
 * - `headers["retry-after"]` on a 429 becomes RetryInfo.retryDelay, not a header: Google
 *   sends no Retry-After.
 * - `error_body` on a stream without an error `status`: the text frames, then that body
 *   as a frame, and no finishReason (an error reported mid-stream after HTTP 200).
 * - Function calls: the first functionCall part carries a thoughtSignature, as thinking
 *   models send it, and usage then reports thoughtsTokenCount.
 * - `thinkingConfig.includeThoughts`: a thought-summary part (`thought: true`) comes first,
 *   naming the budget, and the first answer part carries a thoughtSignature.
 */
import type { ServerResponse } from "node:http";
import { chunkText, countTokens, type Directive, replyText } from "./directive";
import { sendJson } from "./openai";
import type { ProtocolHandler } from "./server";
import { dataFrame, startSse, writeFrames } from "./sse";

const PATH = /^\/gemini\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

const STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const DEFAULT_MESSAGE: Record<number, string> = {
  400: "Request contains an invalid argument.",
  429: "You exceeded your current quota, please check your plan and billing details.",
  500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  503: "The model is overloaded. Please try again later.",
};

const FILTERED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"]);

const TOP_LEVEL = new Set(["contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings", "cachedContent"]);
const GENERATION_CONFIG = new Set([
  "stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema", "candidateCount", "maxOutputTokens",
  "temperature", "topP", "topK", "seed", "presencePenalty", "frequencyPenalty", "responseLogprobs", "logprobs",
  "thinkingConfig", "mediaResolution", "responseModalities",
]);
const PART_DATA = ["text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode", "codeExecutionResult"];

export function googleError(code: number, message: string, details?: unknown[]) {
  return { error: { code, message, status: STATUS[code] ?? "UNKNOWN", ...(details ? { details } : {}) } };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What Google would refuse with INVALID_ARGUMENT, or undefined for a well-formed body. */
function invalid(body: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) return `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`;
  const config = body.generationConfig;
  if (config !== undefined) {
    if (!isRecord(config)) return "generation_config must be an object.";
    for (const key of Object.keys(config)) {
      if (!GENERATION_CONFIG.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at 'generation_config': Cannot find field.`;
    }
  }
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified";
  for (const [i, content] of contents.entries()) {
    if (!isRecord(content) || (content.role !== "user" && content.role !== "model")) return "Please use a valid role: user, model.";
    if (!Array.isArray(content.parts) || content.parts.length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
    for (const part of content.parts) {
      if (!isRecord(part) || PART_DATA.filter((k) => k in part).length !== 1) return `* GenerateContentRequest.contents[${i}].parts: a part needs exactly one kind of data`;
      const named = part.functionCall ?? part.functionResponse;
      if (named !== undefined && !(isRecord(named) && typeof named.name === "string" && named.name)) {
        return `* GenerateContentRequest.contents[${i}].parts: function name must not be empty`;
      }
      if (isRecord(part.fileData) && typeof part.fileData.mimeType !== "string") return `* GenerateContentRequest.contents[${i}].parts: fileData.mimeType is required`;
    }
  }
  return undefined;
}

function promptTokens(body: Record<string, unknown>): number {
  const texts: string[] = [];
  const collect = (content: unknown) => {
    if (!isRecord(content) || !Array.isArray(content.parts)) return;
    for (const part of content.parts) if (isRecord(part) && typeof part.text === "string") texts.push(part.text);
  };
  collect(body.systemInstruction);
  for (const content of Array.isArray(body.contents) ? body.contents : []) collect(content);
  return countTokens(texts);
}

/** Bytes that encode to "+" and "/" in base64, so ids must survive both. */
const signature = (name: string) => Buffer.concat([Buffer.from([0xfb, 0xff, 0xbf]), Buffer.from(`sim:${name}`)]).toString("base64");

function sendError(res: ServerResponse, d: Directive, status: number): void {
  const { "retry-after": retryAfter, ...headers } = d.headers ?? {};
  let details: unknown[] | undefined;
  if (status === 429) {
    details = [
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        violations: [{ quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests", quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier" }],
      },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${retryAfter ?? "1"}s` },
    ];
  }
  const body = d.error_body ?? googleError(status, d.message ?? DEFAULT_MESSAGE[status] ?? `simulated ${status}`, details);
  sendJson(res, status, body, headers);
}

export const geminiRoute: { test: (path: string) => boolean; handle: ProtocolHandler } = {
  test: (path) => path.startsWith("/gemini/"),
  async handle(req, res, d) {
    const match = PATH.exec(req.path);
    if (!match) return sendJson(res, 404, googleError(404, `The requested URL ${req.path} was not found on this server.`));
    const model = decodeURIComponent(match[1]!);
    const stream = match[2] === "streamGenerateContent";
    // Vertex AI's path was checked for its Bearer token already (oauth.ts).
    if (!req.headers["x-goog-api-key"] && !req.url.searchParams.has("key") && !req.headers.authorization) {
      return sendJson(
        res,
        403,
        googleError(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."),
      );
    }
    const problem = invalid(req.body);
    if (problem) return sendJson(res, 400, googleError(400, problem));
    if (d.status && d.status >= 400) return sendError(res, d, d.status);

    const config = isRecord(req.body.generationConfig) ? req.body.generationConfig : {};
    const candidates = typeof config.candidateCount === "number" ? config.candidateCount : 1;
    const finish = d.finish_reason ?? "STOP";
    const calls = d.tool_calls ?? [];
    const pieces = calls.length || FILTERED.has(finish) ? [] : chunkText(replyText(d, model));
    const prompt = promptTokens(req.body);
    const output = (calls.length ? calls.length * 10 : pieces.length) * candidates;
    const thoughts = calls.length ? 5 : 0;
    const usageMetadata = {
      promptTokenCount: prompt,
      candidatesTokenCount: output,
      totalTokenCount: prompt + output + thoughts,
      ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
      promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }],
    };
    const envelope = { modelVersion: model, responseId: `sim${Date.now().toString(36)}` };
    const thinkingConfig = isRecord(config.thinkingConfig) ? config.thinkingConfig : {};
    const thoughtParts = thinkingConfig.includeThoughts === true ? [{ text: `Thinking within ${String(thinkingConfig.thinkingBudget)} tokens.`, thought: true }] : [];
    const callParts = calls.map((call, i) => ({
      functionCall: { name: call.name, args: call.arguments },
      ...(i === 0 ? { thoughtSignature: signature(call.name) } : {}),
    }));
    const each = (make: (index: number) => Record<string, unknown>) => Array.from({ length: candidates }, (_, index) => ({ ...make(index), index }));

    if (finish === "PROMPT_BLOCKED") {
      const blocked = { promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: prompt, totalTokenCount: prompt }, ...envelope };
      if (!stream) return sendJson(res, 200, blocked, d.headers);
      startSse(res, d);
      return writeFrames(res, [dataFrame(blocked)], { ...d, split_writes: d.whole_writes !== true, crlf: true });
    }

    if (!stream) {
      const answer: Array<Record<string, unknown>> = calls.length ? callParts : pieces.length ? [{ text: pieces.join("") }] : [];
      if (thoughtParts.length && answer[0] && !answer[0].thoughtSignature) answer[0] = { ...answer[0], thoughtSignature: signature("text") };
      const parts = [...thoughtParts, ...answer];
      const content = parts.length ? { content: { parts, role: "model" } } : {};
      return sendJson(res, 200, { candidates: each(() => ({ ...content, finishReason: finish })), usageMetadata, ...envelope }, d.headers);
    }

    const events: Array<Record<string, unknown>> = [];
    const partEvent = (part: Record<string, unknown>) => ({ candidates: each(() => ({ content: { parts: [part], role: "model" } })), ...envelope });
    for (const part of thoughtParts) events.push(partEvent(part));
    pieces.forEach((piece, i) => events.push(partEvent(i === 0 && thoughtParts.length ? { text: piece, thoughtSignature: signature("text") } : { text: piece })));
    for (const part of callParts) events.push(partEvent(part));
    const midStreamError = d.error_body !== undefined;
    if (!midStreamError) {
      const last = events.at(-1);
      const closing = { finishReason: finish };
      // Text streams close on their last delta; function-call streams on an extra empty-text event.
      if (last && pieces.length && !calls.length) {
        last.candidates = (last.candidates as Array<Record<string, unknown>>).map((c) => ({ ...c, ...closing }));
        last.usageMetadata = usageMetadata;
      } else {
        events.push({ candidates: each(() => ({ content: { parts: [{ text: "" }], role: "model" }, ...closing })), usageMetadata, ...envelope });
      }
    }
    if (req.url.searchParams.get("alt") !== "sse") return sendJson(res, 200, events, d.headers);
    const frames = events.map(dataFrame);
    if (midStreamError) frames.splice(d.error_after ?? frames.length, frames.length, dataFrame(d.error_body));
    startSse(res, d);
    // Google ends SSE lines with CRLF, which the frame writer uses in its split-write mode.
    await writeFrames(res, frames, { ...d, split_writes: d.whole_writes !== true, crlf: true });
  },
};
