/**
 * POST /chat/completions and /v1/chat/completions: validate at the edge, resolve the
 * model to candidates, answer from the response cache when the request opts in and it
 * can, else let dispatch pick and call one, and say who answered. The request log records
 * each attempt, and the stream's outcome once it has one.
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { cachePlan, lookup, store } from "../cache/response-cache";
import type { AppEnv } from "../env";
import { jsonBody } from "../middleware/json-body";
import { rejectInvalid } from "../middleware/validate-json";
import { chatRequestSchema } from "../openai/chat-request";
import { adapterFor } from "../providers/registry";
import { upstreamTarget } from "../providers/target";
import { prepareChat, sendChat } from "../providers/upstream-call";
import { dispatch } from "../routing/dispatch";
import { estimateInputTokens } from "../routing/estimate-tokens";
import { resolveModel } from "../routing/resolve-model";
import { dispatchOptions, markAnswer, upstreamHeaders } from "./dispatch-options";

export const chatRoutes = new Hono<AppEnv>().post(
  "/chat/completions",
  jsonBody(),
  zValidator("json", chatRequestSchema, (result) => rejectInvalid(result)),
  async (c) => {
    const req = c.req.valid("json");
    const log = c.get("log");
    log.requested_model = req.model ?? null;
    log.stream = req.stream === true;
    const resolution = resolveModel(req.model, "chat");
    const plan = await cachePlan(req, resolution, c.get("clientKeyId"), c.req.header("x-proxy-cache-ttl"));
    if (plan.status === "LOOKUP") {
      const hit = await lookup(plan, req);
      if (hit) {
        log.cache = "HIT";
        log.model = hit.headers.get("x-proxy-model");
        log.provider = hit.headers.get("x-proxy-provider");
        return hit;
      }
    }
    log.cache = plan.status === "LOOKUP" ? "MISS" : "BYPASS";
    const estimatedTokens = estimateInputTokens(req);
    const signal = c.req.raw.signal;
    const headers = upstreamHeaders(c);
    const started = Date.now();
    const { output, model, attempts } = await dispatch(
      resolution,
      dispatchOptions(c, estimatedTokens, req.max_completion_tokens ?? req.max_tokens ?? undefined),
      {
        prepare: (m) => prepareChat(adapterFor(m.providerConfig.type), req, upstreamTarget(m, c.env)),
        send: (prepared, _model, bounds) =>
          sendChat(prepared, { signal, promptTokens: estimatedTokens, headers, ...bounds, maxBodyBytes: c.get("settings").maxUpstreamBodyBytes }),
      },
    );
    log.model = model.name;
    log.provider = model.providerId;
    // By the time dispatch returns a stream, its first content has arrived (stream-guard.ts).
    if (log.stream) log.ttft_ms = Date.now() - started;
    log.finished = output.done.then((o) => {
      log.tokens_in = o.usage?.prompt_tokens ?? null;
      log.tokens_out = o.usage?.completion_tokens ?? null;
      log.tokens_estimated = o.estimated;
      if (log.stream) log.stream_outcome = o.completed ? "completed" : o.cancelled ? "cancelled" : "failed";
      if (o.error) log.error = o.error.code;
    });
    const res = markAnswer(output.response, model, attempts);
    res.headers.set("x-proxy-cache", log.cache);
    return plan.status === "LOOKUP" ? store(plan, res, model.name, model.providerId, (p) => c.executionCtx.waitUntil(p)) : res;
  },
);
