/**
 * One embeddings call for one batch to one upstream model, the counterpart of
 * prepareImage/sendImage: prepare translates before quota is spent (a model that cannot
 * take token arrays or `dimensions`, or whose provider lacks its secret, is skipped for
 * free); send goes through the upstream reader (the model's timeout, the client's abort,
 * the request's deadline, a bounded body) and accepts a 200 only with one vector per input
 * of the expected length.
 */
import type { ResolvedModel } from "../config/catalog";
import { UpstreamBadResponseError } from "../errors";
import type { RateHeaders } from "../limits/limiter-types";
import { readRateHeaders } from "../providers/rate-headers";
import { upstreamTarget } from "../providers/target";
import { authorize } from "../providers/credentials";
import type { UpstreamHttpRequest, UpstreamTarget } from "../providers/types";
import { openUpstream, readBody, timeoutOf, UpstreamExchange } from "../providers/upstream-reader";
import type { AttemptBounds } from "../routing/dispatch";
import { embeddingApiFor, type EmbeddingApiSpec } from "./apis";
import type { EmbeddingInput, EmbeddingRequest } from "./request";
import { checkVectors, type Vector } from "./vectors";

export interface PreparedEmbedding {
  api: EmbeddingApiSpec;
  spec: UpstreamHttpRequest;
  target: UpstreamTarget;
  count: number;
  /** The length every vector must have: asked for, or declared by the model. */
  dimensions: number | undefined;
}

export interface EmbeddingResult {
  vectors: Vector[];
  promptTokens: number | undefined;
  latencyMs: number;
  rate: RateHeaders | undefined;
}

export function prepareEmbedding(model: ResolvedModel, req: EmbeddingRequest, inputs: readonly EmbeddingInput[], env: Readonly<Record<string, unknown>>): PreparedEmbedding {
  const api = embeddingApiFor(model);
  const target = upstreamTarget(model, env);
  return { api, spec: api.buildRequest(req, inputs, target), target, count: inputs.length, dimensions: req.dimensions ?? model.dimensions };
}

export interface EmbeddingCallOptions extends Partial<AttemptBounds> {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  maxBodyBytes: number;
}

export async function sendEmbedding(prepared: PreparedEmbedding, model: ResolvedModel, opts: EmbeddingCallOptions): Promise<EmbeddingResult> {
  const provider = model.providerId;
  const timeoutMs = model.timeout_ms ?? model.providerConfig.timeout_ms;
  const ex = new UpstreamExchange({ provider, signal: opts.signal, deadline: opts.deadline, deadlineMs: opts.deadlineMs });
  ex.arm(timeoutMs, timeoutOf(provider, timeoutMs, "response"));
  const started = Date.now();
  try {
    const res = await openUpstream(ex, await authorize(prepared.spec, prepared.target, opts.key), opts.headers);
    const latencyMs = Date.now() - started;
    const text = new TextDecoder().decode(await readBody(ex, res, opts.maxBodyBytes));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UpstreamBadResponseError(provider, text.trim() ? "body is not JSON" : "empty body");
    }
    const parsed = prepared.api.parseResponse(json);
    const vectors = checkVectors(provider, parsed.vectors, prepared.count, prepared.dimensions);
    return { vectors, promptTokens: parsed.promptTokens, latencyMs, rate: readRateHeaders(res.headers) };
  } finally {
    ex.release();
  }
}
