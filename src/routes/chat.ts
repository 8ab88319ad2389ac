/**
 * POST /chat/completions and /v1/chat/completions: validate at the edge, resolve the
 * model to candidates, let dispatch pick and call one, and say who answered.
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { quotaClient, quotaContext } from "../limits/quota-client";
import { jsonBody } from "../middleware/json-body";
import { rejectInvalid } from "../middleware/validate-json";
import { chatRequestSchema } from "../openai/chat-request";
import { adapterFor } from "../providers/registry";
import { upstreamTarget } from "../providers/target";
import { prepareChat, sendChat } from "../providers/upstream-call";
import { dispatch } from "../routing/dispatch";
import { estimateInputTokens } from "../routing/estimate-tokens";
import { resolveModel } from "../routing/resolve-model";

export const chatRoutes = new Hono<AppEnv>().post(
  "/chat/completions",
  jsonBody(),
  zValidator("json", chatRequestSchema, (result) => rejectInvalid(result)),
  async (c) => {
  const req = c.req.valid("json");
  const resolution = resolveModel(req.model, "chat");
  const estimatedTokens = estimateInputTokens(req);
  const signal = c.req.raw.signal;
  const { output, model, attempts } = await dispatch(
    resolution,
    {
      estimatedTokens,
      settings: c.var.settings,
      quota: quotaClient,
      ctx: quotaContext(c.env, (p) => c.executionCtx.waitUntil(p)),
      signal,
    },
    {
      prepare: (model) => prepareChat(adapterFor(model.providerConfig.type), req, upstreamTarget(model, c.env)),
      send: (prepared) => sendChat(prepared, { signal, promptTokens: estimatedTokens }),
    },
  );
  const res = output.response;
  res.headers.set("x-proxy-model", model.name);
  res.headers.set("x-proxy-provider", model.providerId);
  res.headers.set("x-proxy-attempts", String(attempts));
  return res;
  },
);
