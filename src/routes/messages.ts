/**
 * POST /v1/messages and /v1/messages/count_tokens (and without /v1): Anthropic's Messages
 * API, served by any provider through the internal form. The request is validated at the
 * edge (new fields pass), translated once for OpenAI-compatible targets and, when one is
 * tried, once for each translating protocol; the internal answer is turned back into a
 * Message or Anthropic's event stream. Errors take Anthropic's shape (inbound/registry.ts).
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono/tiny";
import type { Protocol } from "../config/schema";
import type { AppEnv } from "../env";
import { messagesProtocol, toChatRequest } from "../inbound/messages";
import { countTokensRequestSchema, messagesRequestSchema } from "../inbound/messages/schema";
import type { AnswerContext } from "../inbound/types";
import { jsonBody } from "../middleware/json-body";
import { rejectInvalid } from "../middleware/validate-json";
import type { ChatRequest } from "../openai/chat-request";
import { estimateInputTokens } from "../routing/estimate-tokens";
import { resolveModel } from "../routing/resolve-model";
import { serveInternal } from "./serve";

/** The internal answer, still carrying the x-proxy-* headers, in Messages shape. */
async function toMessages(res: Response, ctx: AnswerContext): Promise<Response> {
  const headers = new Headers(res.headers);
  if ((headers.get("content-type") ?? "").startsWith("text/event-stream") && res.body) {
    return new Response(messagesProtocol.fromStream(res.body, ctx), { status: 200, headers });
  }
  const message = messagesProtocol.fromCompletion(await res.json(), ctx);
  headers.set("content-type", "application/json");
  headers.delete("content-length");
  return new Response(JSON.stringify(message), { status: 200, headers });
}

export const messagesRoutes = new Hono<AppEnv>()
  .post("/messages", jsonBody(), zValidator("json", messagesRequestSchema, (result) => rejectInvalid(result)), async (c) => {
    const body = c.req.valid("json");
    const internal = toChatRequest(body, "openai");
    const variants = new Map<Protocol, ChatRequest>([["openai", internal]]);
    const requestFor = (protocol: Protocol): ChatRequest => {
      let req = variants.get(protocol);
      if (!req) variants.set(protocol, (req = toChatRequest(body, protocol)));
      return req;
    };
    const inputTokens = estimateInputTokens(internal);
    const res = await serveInternal(c, internal, { requestFor, estimatedTokens: inputTokens });
    return toMessages(res, { model: res.headers.get("x-proxy-model") ?? body.model, inputTokens });
  })
  .post("/messages/count_tokens", jsonBody(), zValidator("json", countTokensRequestSchema, (result) => rejectInvalid(result)), (c) => {
    const body = c.req.valid("json");
    c.get("log").requested_model = body.model;
    // An unknown model is a 404 here as on /messages; every target is estimated for now.
    resolveModel(body.model, "chat");
    const inputTokens = estimateInputTokens(toChatRequest(body, "openai"));
    return c.json({ input_tokens: inputTokens }, 200, { "x-proxy-estimated": "true" });
  });
