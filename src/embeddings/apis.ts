/**
 * The embeddings APIs (models.yaml `embedding_api`, filled in from the provider's type),
 * each only translating: the upstream request for one batch of inputs, and the vectors
 * out of its answer, in input order. Checking the vectors, fetching and errors are shared
 * (call.ts, vectors.ts). Batch limits are each API's documented maximum.
 */
import type { ResolvedModel } from "../config/catalog";
import type { EmbeddingApi } from "../config/schema";
import { ConfigurationError, InvalidRequestError } from "../errors";
import { isRecord, jsonHeaders } from "../images/types";
import type { UpstreamHttpRequest, UpstreamTarget } from "../providers/types";
import type { EmbeddingInput, EmbeddingRequest } from "./request";

export interface EmbeddingApiSpec {
  /** Most inputs one upstream call may carry. */
  readonly maxBatch: number;
  /** Throws InvalidRequestError for what the API cannot take (token arrays, `dimensions`). */
  buildRequest(req: EmbeddingRequest, inputs: readonly EmbeddingInput[], target: UpstreamTarget): UpstreamHttpRequest;
  /** The vectors as sent (checked by the caller), and the input tokens the provider counted, if it says. */
  parseResponse(json: unknown): { vectors: unknown[] | undefined; promptTokens?: number };
}

/** Only OpenAI-compatible upstreams take token ids; the others read text. */
function texts(inputs: readonly EmbeddingInput[], target: UpstreamTarget): string[] {
  if (inputs.every((i) => typeof i === "string")) return inputs as string[];
  throw new InvalidRequestError(`The model '${target.model.name}' reads text only; send 'input' as strings, not as token-id arrays.`, { param: "input", code: "invalid_value" });
}

const list = (v: unknown) => (Array.isArray(v) ? v : undefined);

/** Pass-through: the client's body with `model` and this batch's `input`; vectors placed by their `index`. */
const openai: EmbeddingApiSpec = {
  maxBatch: 2048,
  buildRequest: (req, inputs, target) => ({
    url: `${target.baseUrl}/embeddings`,
    headers: jsonHeaders(target),
    body: JSON.stringify({ ...req.body, model: target.model.model, input: inputs }),
  }),
  parseResponse(json) {
    const data = isRecord(json) ? list(json.data) : undefined;
    const vectors: unknown[] | undefined = data && new Array<unknown>(data.length);
    data?.forEach((item, i) => {
      const at = isRecord(item) && typeof item.index === "number" ? item.index : i;
      if (vectors && at >= 0 && at < vectors.length) vectors[at] = isRecord(item) ? item.embedding : undefined;
    });
    const usage = isRecord(json) && isRecord(json.usage) ? json.usage.prompt_tokens : undefined;
    return { vectors, ...(typeof usage === "number" ? { promptTokens: usage } : {}) };
  },
};

const gemini: EmbeddingApiSpec = {
  maxBatch: 100,
  buildRequest(req, inputs, target) {
    const model = `models/${encodeURIComponent(target.model.model)}`;
    const extra = {
      ...(target.model.task_type ? { taskType: target.model.task_type } : {}),
      ...(req.dimensions ? { outputDimensionality: req.dimensions } : {}),
    };
    const requests = texts(inputs, target).map((text) => ({ model, content: { parts: [{ text }] }, ...extra }));
    return { url: `${target.baseUrl}/${model}:batchEmbedContents`, headers: jsonHeaders(target), body: JSON.stringify({ requests }) };
  },
  parseResponse: (json) => ({ vectors: (isRecord(json) ? list(json.embeddings) : undefined)?.map((e) => (isRecord(e) ? e.values : undefined)) }),
};

/** Cloudflare Workers AI's REST API: `POST {base}/run/{model}` with `{text: [...]}`, vectors in `result.data`. */
const workersAi: EmbeddingApiSpec = {
  maxBatch: 100,
  buildRequest(req, inputs, target) {
    const { model } = target;
    if (req.dimensions !== undefined && req.dimensions !== model.dimensions) {
      throw new InvalidRequestError(`The model '${model.name}' cannot change the length of its vectors; leave 'dimensions' unset.`, { param: "dimensions", code: "invalid_value" });
    }
    return { url: `${target.baseUrl}/run/${model.model}`, headers: jsonHeaders(target), body: JSON.stringify({ text: texts(inputs, target) }) };
  },
  parseResponse: (json) => ({ vectors: isRecord(json) && isRecord(json.result) ? list(json.result.data) : undefined }),
};

const apis: Record<EmbeddingApi, EmbeddingApiSpec> = { openai, gemini, "workers-ai": workersAi };

export function embeddingApiFor(model: ResolvedModel): EmbeddingApiSpec {
  if (!model.embedding_api) throw new ConfigurationError(`model ${model.name} has no embedding_api`);
  return apis[model.embedding_api];
}

/** Inputs per upstream call for a model: its `batch_size`, or its API's maximum. */
export function batchLimit(model: ResolvedModel): number {
  return model.batch_size ?? embeddingApiFor(model).maxBatch;
}
