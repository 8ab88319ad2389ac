/**
 * POST /embeddings and /v1/embeddings: OpenAI's embeddings API in front of every
 * embeddings API (embeddings/apis.ts). The inputs are split into batches no candidate
 * refuses, each batch dispatched like a chat request (its own quota, fallback, retries,
 * counted as the upstream call it is), at most a few at once, and the vectors put back
 * in input order. Candidates of one request share a vector space (the build sees to
 * it), so batches served by different models still compare.
 */
import { credentialRejected } from "../providers/credentials";
import { zValidator } from "@hono/zod-validator";
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { cachePlan, lookup, store } from "../cache/response-cache";
import type { ResolvedModel } from "../config/catalog";
import { admitClient } from "../clients/gate";
import type { AppEnv } from "../env";
import { UpstreamBadResponseError } from "../errors";
import { batchLimit } from "../embeddings/apis";
import { prepareEmbedding, sendEmbedding } from "../embeddings/call";
import { type EmbeddingRequest, embeddingsRequestSchema, fromEmbeddingsBody } from "../embeddings/request";
import { encodeVector, vectorLength } from "../embeddings/vectors";
import { jsonBody } from "../middleware/json-body";
import { rejectInvalid } from "../middleware/validate-json";
import { recordAnswer } from "../observability/request-log";
import { dispatch } from "../routing/dispatch";
import { estimateTokens } from "../routing/estimate-tokens";
import { resolveModel } from "../routing/resolve-model";
import { dispatchOptions, markAnswer, upstreamHeaders } from "./dispatch-options";

/** Batches in flight at once: a Worker holds six connections open per request. */
const PARALLEL_BATCHES = 4;
/** The most a JSON number takes in an answer (`-0.012345678901234567,`): keeps a batch's answer under the body cap. */
const BYTES_PER_NUMBER = 24;

/** Inputs per batch: what every candidate's API takes, and whose answer fits MAX_UPSTREAM_BODY_BYTES when the length is known. */
function batchSize(candidates: readonly ResolvedModel[], dimensions: number | undefined, maxBodyBytes: number): number {
  const limit = Math.min(...candidates.map(batchLimit));
  return dimensions ? Math.max(1, Math.min(limit, Math.floor(maxBodyBytes / (dimensions * BYTES_PER_NUMBER)))) : limit;
}

/** Runs `count` jobs, `limit` at a time; the first failure aborts the others. */
async function allBatches<T>(count: number, stop: AbortController, job: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count && !stop.signal.aborted) {
      const i = next++;
      out[i] = await job(i);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARALLEL_BATCHES, count) }, worker));
  } catch (err) {
    stop.abort(new Error("another batch of this request failed"));
    throw err;
  }
  return out;
}

async function embed(c: Context<AppEnv>, req: EmbeddingRequest): Promise<Response> {
  const log = c.get("log");
  const tokens = req.inputs.map((input) => (typeof input === "string" ? estimateTokens(input.length) : input.length));
  const resolution = await admitClient(c, resolveModel(req.body.model, "embedding"), tokens.reduce((a, b) => a + b, 0), 0, req.body.model);
  const plan = await cachePlan(req.body, resolution, c.get("client"), c.req.header("x-proxy-cache-ttl"), "embeddings");
  const hit = plan.status === "LOOKUP" ? await lookup(plan, {}) : undefined;
  log.cache = hit ? "HIT" : plan.status === "LOOKUP" ? "MISS" : "BYPASS";
  if (hit) {
    log.model = hit.headers.get("x-proxy-model");
    log.provider = hit.headers.get("x-proxy-provider");
    return hit;
  }
  const maxBodyBytes = c.get("settings").maxUpstreamBodyBytes;
  const size = batchSize(resolution.candidates, req.dimensions ?? resolution.candidates[0]!.dimensions, maxBodyBytes);
  const stop = new AbortController();
  const signal = AbortSignal.any([c.req.raw.signal, stop.signal]);
  const headers = upstreamHeaders(c);
  const fit = { tokens: Math.max(...tokens), param: "input" };
  const batches = await allBatches(Math.ceil(req.inputs.length / size), stop, async (i) => {
    const inputs = req.inputs.slice(i * size, (i + 1) * size);
    const estimate = tokens.slice(i * size, (i + 1) * size).reduce((a, b) => a + b, 0);
    const { output, model, attempts } = await dispatch(resolution, { ...dispatchOptions(c, estimate, 0), fit, signal }, {
      prepare: (m) => prepareEmbedding(m, req, inputs, c.env),
      send: async (prepared, m, bounds) => {
        const result = await sendEmbedding(prepared, m, { signal, headers, ...bounds, maxBodyBytes });
        const used = result.promptTokens ?? estimate;
        const usage = { prompt_tokens: used, completion_tokens: 0, total_tokens: used };
        return { response: result, latencyMs: result.latencyMs, rate: result.rate, done: Promise.resolve({ kind: "whole", estimated: result.promptTokens === undefined, usage }) };
      },
      rejected: (prepared, key, status) => credentialRejected(prepared.target, key, status),
    });
    return { vectors: output.response.vectors, tokens: output.response.promptTokens ?? estimate, estimated: output.response.promptTokens === undefined, model, attempts };
  });
  const first = batches[0]!;
  // With no declared length, each batch was checked on its own: they must agree with each other too.
  if (new Set(batches.map((b) => vectorLength(b.vectors[0]!))).size > 1) throw new UpstreamBadResponseError(first.model.providerId, "batches of embeddings of different lengths");
  const data = batches.flatMap((b) => b.vectors).map((v, index) => ({ object: "embedding", index, embedding: encodeVector(v, req.base64) }));
  const used = batches.reduce((n, b) => n + b.tokens, 0);
  const usage = { prompt_tokens: used, completion_tokens: 0, total_tokens: used };
  recordAnswer(log, first.model, Promise.resolve({ kind: "whole", estimated: batches.some((b) => b.estimated), usage }));
  const res = Response.json({ object: "list", data, model: first.model.name, usage: { prompt_tokens: used, total_tokens: used } });
  markAnswer(res, first.model, batches.reduce((n, b) => n + b.attempts, 0)).headers.set("x-proxy-cache", log.cache);
  return plan.status === "LOOKUP" ? store(plan, res, first.model.name, first.model.providerId, (p) => c.executionCtx.waitUntil(p)) : res;
}

export const embeddingRoutes = new Hono<AppEnv>().post("/embeddings", jsonBody(), zValidator("json", embeddingsRequestSchema, (result) => rejectInvalid(result)), (c) => {
  const body = c.req.valid("json");
  c.get("log").requested_model = body.model;
  return embed(c, fromEmbeddingsBody(body));
});
