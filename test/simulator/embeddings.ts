/**
 * Embeddings as each upstream shape serves them, with deterministic vectors (vectors.ts):
 * - OpenAI-compatible `.../v1/embeddings`: strings or token arrays, up to 2048 inputs,
 *   `dimensions`, `encoding_format: "base64"`, usage counted in words (and token ids);
 * - Gemini `/gemini/v1beta/models/{m}:batchEmbedContents`: at most 100 requests, each
 *   naming the same model, with taskType and outputDimensionality checked as Google does;
 * - Workers AI `/cloudflare/client/v4/accounts/{a}/ai/run/{model}` for ids containing
 *   "bge" or "embed": `{text}` of at most 100 strings, `{result:{shape,data}}` back.
 * An upstream model id ending in `-Nd` answers N dimensions (default 8).
 *
 * Directive extras, obeying `only` like every fault: `embed: "missing"` drops the last
 * vector, `"short"` makes every vector one number shorter, `"none"` answers 200 without
 * vectors; `shuffle: true` sends OpenAI's `data` in reverse order (indexes still right).
 */
import type { ServerResponse } from "node:http";
import { countTokens, type Directive } from "./directive";
import { googleError } from "./gemini";
import { openaiErrorBody, sendJson } from "./openai";
import type { ProtocolHandler } from "./server";
import { base64Of, dimensionsOf, simVector } from "./vectors";

type Route = { test: (path: string) => boolean; handle: ProtocolHandler };

const TASK_TYPES = new Set([
  "TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING", "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY",
]);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isTokens = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((n) => Number.isInteger(n) && n >= 0);

/** The vectors for `inputs`, with the directive's faults applied; undefined for `embed: "none"`. */
function vectorsFor(d: Directive, inputs: ReadonlyArray<string | number[]>, dimensions: number): number[][] | undefined {
  if (d.embed === "none") return undefined;
  const vectors = inputs.map((input) => simVector(input, dimensions));
  if (d.embed === "missing") vectors.pop();
  return d.embed === "short" ? vectors.map((v) => v.slice(0, -1)) : vectors;
}

/** OpenAI's `input`: a string, strings, one token array or token arrays; undefined when invalid. */
function openaiInputs(input: unknown): Array<string | number[]> | undefined {
  if (typeof input === "string") return input ? [input] : undefined;
  if (isTokens(input)) return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  return input.every((i) => (typeof i === "string" && i) || isTokens(i)) ? (input as Array<string | number[]>) : undefined;
}

const openaiEmbeddings: Route = {
  test: (p) => /\/v1\/embeddings$/.test(p),
  handle(req, res, d) {
    if (d.status && d.status >= 400) return sendJson(res, d.status, d.error_body ?? openaiErrorBody(d.status, d.message ?? `simulated ${d.status}`), d.headers);
    const body = req.body;
    const model = typeof body.model === "string" ? body.model : undefined;
    if (!model) return sendJson(res, 400, openaiErrorBody(400, "you must provide a model parameter"));
    const inputs = openaiInputs(body.input);
    if (!inputs) return sendJson(res, 400, openaiErrorBody(400, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."));
    if (inputs.length > 2048) return sendJson(res, 400, openaiErrorBody(400, "'$.input' is too long. Maximum length is 2048, but got 2049 items."));
    const dimensions = typeof body.dimensions === "number" ? body.dimensions : dimensionsOf(model);
    const vectors = vectorsFor(d, inputs, dimensions) ?? [];
    const data = vectors.map((v, index) => ({ object: "embedding", index, embedding: body.encoding_format === "base64" ? base64Of(v) : v }));
    if (d.shuffle) data.reverse();
    const tokens = inputs.reduce((n, i) => n + (typeof i === "string" ? countTokens([i]) : i.length), 0);
    sendJson(res, 200, { object: "list", data, model, ...(d.no_usage ? {} : { usage: { prompt_tokens: tokens, total_tokens: tokens } }) }, d.headers);
  },
};

function googleRefusal(headers: Record<string, unknown>, res: ServerResponse, d: Directive): boolean {
  if (!headers["x-goog-api-key"]) {
    sendJson(res, 403, googleError(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."));
    return true;
  }
  if (d.status && d.status >= 400) {
    sendJson(res, d.status, d.error_body ?? googleError(d.status, d.message ?? `simulated ${d.status}`), d.headers);
    return true;
  }
  return false;
}

/** What Google refuses with INVALID_ARGUMENT in a BatchEmbedContentsRequest, or the texts and dimensions. */
function geminiBatch(model: string, body: Record<string, unknown>): string | { texts: string[]; dimensions: number | undefined } {
  const requests = body.requests;
  if (!Array.isArray(requests) || requests.length === 0) return "* BatchEmbedContentsRequest.requests: requests is not specified";
  if (requests.length > 100) return "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch";
  const texts: string[] = [];
  let dimensions: number | undefined;
  for (const [i, r] of requests.entries()) {
    if (!isRecord(r) || r.model !== `models/${model}`) return `* BatchEmbedContentsRequest.requests[${i}].model: Model name in request does not match batch model name.`;
    const parts = isRecord(r.content) && Array.isArray(r.content.parts) ? r.content.parts : [];
    const text = isRecord(parts[0]) ? parts[0].text : undefined;
    if (typeof text !== "string" || !text) return `* BatchEmbedContentsRequest.requests[${i}].content.parts: contents must not be empty`;
    if (r.taskType !== undefined && !TASK_TYPES.has(String(r.taskType))) return `Invalid value at 'requests[${i}].task_type' (type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType), "${String(r.taskType)}"`;
    if (r.outputDimensionality !== undefined) dimensions = Number(r.outputDimensionality);
    texts.push(text);
  }
  return { texts, dimensions };
}

const geminiEmbeddings: Route = {
  test: (p) => /^\/gemini\/v1beta\/models\/[^/:]+:batchEmbedContents$/.test(p),
  handle(req, res, d) {
    if (googleRefusal(req.headers, res, d)) return;
    const model = decodeURIComponent(/models\/([^/:]+):/.exec(req.path)![1]!);
    const batch = geminiBatch(model, req.body);
    if (typeof batch === "string") return sendJson(res, 400, googleError(400, batch));
    const vectors = vectorsFor(d, batch.texts, batch.dimensions ?? dimensionsOf(model));
    sendJson(res, 200, vectors ? { embeddings: vectors.map((values) => ({ values })) } : {}, d.headers);
  },
};

const workersAiEmbeddings: Route = {
  test: (p) => /^\/cloudflare\/client\/v4\/accounts\/[^/]+\/ai\/run\/.*(bge|embed)/.test(p),
  handle(req, res, d) {
    const model = /\/ai\/run\/(.+)$/.exec(req.path)![1]!;
    const cfError = (status: number, message: string) => sendJson(res, status, { success: false, errors: [{ code: 5006, message }], messages: [], result: null });
    if (d.status && d.status >= 400) return cfError(d.status, d.message ?? `simulated ${d.status}`);
    const text = req.body.text;
    const texts = typeof text === "string" ? [text] : text;
    if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === "string" && t)) return cfError(400, "AiError: Bad input: must have required property 'text'");
    if (texts.length > 100) return cfError(400, "AiError: Bad input: /text must NOT have more than 100 items");
    const vectors = vectorsFor(d, texts as string[], dimensionsOf(model));
    const dims = vectors?.[0]?.length ?? 0;
    const result = vectors ? { shape: [vectors.length, dims], data: vectors, pooling: "mean" } : { shape: [0, 0] };
    sendJson(res, 200, { result, success: true, errors: [], messages: [] }, d.headers);
  },
};

/** Before the image routes: Workers AI's /run serves both. */
export const embeddingRoutes: Route[] = [openaiEmbeddings, geminiEmbeddings, workersAiEmbeddings];
