/**
 * POST /chat/completions and /v1/chat/completions: validate at the edge, resolve the
 * model, call it, and say which model and provider answered.
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { jsonBody } from "../middleware/json-body";
import { chatRequestSchema } from "../openai/chat-request";
import { validationError } from "../openai/validation-error";
import { adapterFor } from "../providers/registry";
import { upstreamTarget } from "../providers/target";
import { callChat } from "../providers/upstream-call";
import { resolveModel } from "../routing/resolve-model";

export const chatRoutes = new Hono<AppEnv>().post(
  "/chat/completions",
  jsonBody(),
  zValidator(
    "json",
    chatRequestSchema,
    (result) => {
      if (!result.success) throw validationError(result.error.issues, result.data);
    },
  ),
  async (c) => {
    const req = c.req.valid("json");
    const { candidates } = resolveModel(req.model, "chat");
    const model = candidates[0]!;
    const res = await callChat(adapterFor(model.providerConfig.type), req, upstreamTarget(model, c.env), { signal: c.req.raw.signal });
    res.headers.set("x-proxy-model", model.name);
    res.headers.set("x-proxy-provider", model.providerId);
    return res;
  },
);
