/**
 * POST /v1/messages and /v1/messages/count_tokens (and without /v1): Anthropic's Messages
 * API, served by any provider. The request is validated at the edge (new fields pass).
 * An `anthropic` target gets the client's own body and the answer comes back as it was
 * (inbound/messages/passthrough.ts); for other targets it is translated once for
 * OpenAI-compatible ones and, when one is tried, once for each translating protocol, and
 * the internal answer is turned back into a Message or Anthropic's event stream. Errors take Anthropic's shape (inbound/registry.ts).
 * count_tokens asks an Anthropic provider when one serves the model or one of its candidates,
 * and estimates otherwise.
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono/tiny";
import { narrow, rulesFor } from "../clients/rules";
import type { AppEnv } from "../env";
import { messagesProtocol, toChatRequest } from "../inbound/messages";
import { messagesRelay } from "../inbound/messages/passthrough";
import { countTokensRequestSchema, messagesRequestSchema } from "../inbound/messages/schema";
import { jsonBody } from "../middleware/json-body";
import { rejectInvalid } from "../middleware/validate-json";
import { providerTokenCount } from "../providers/anthropic/count-tokens";
import { keepClientText } from "../providers/json-splice";
import { estimateInputTokens } from "../routing/estimate-tokens";
import { resolveModel } from "../routing/resolve-model";
import { answerAs, serveBuilt } from "./serve";

export const messagesRoutes = new Hono<AppEnv>()
  .post("/messages", jsonBody(), zValidator("json", messagesRequestSchema, (result) => rejectInvalid(result)), async (c) => {
    const body = c.req.valid("json");
    const relay = messagesRelay(body, await c.req.text(), c.req.header("anthropic-beta"));
    const { res, inputTokens } = await serveBuilt(c, (protocol) => toChatRequest(body, protocol), relay, { metadata: body.metadata });
    return answerAs(res, messagesProtocol, { model: res.headers.get("x-proxy-model") ?? body.model, inputTokens });
  })
  .post("/messages/count_tokens", jsonBody(), zValidator("json", countTokensRequestSchema, (result) => rejectInvalid(result)), async (c) => {
    const body = c.req.valid("json");
    c.get("log").requested_model = body.model;
    // An unknown model is a 404 here as on /messages, one the client may not use a 403. The
    // first candidate the client may use that an Anthropic provider serves, wherever it
    // stands among them, counts (outside any quota: Anthropic does not count these calls
    // against message rate limits); without one, or when it cannot say, the answer is estimated.
    const { candidates } = narrow(resolveModel(body.model, "chat"), rulesFor(c.get("client")), body.model);
    const counter = candidates.find((m) => m.providerConfig.type === "anthropic");
    if (counter) {
      keepClientText(body, await c.req.text());
      const counted = await providerTokenCount(counter, c.env, body, c.req.raw.signal);
      if (counted !== undefined) return c.json({ input_tokens: counted }, 200, { "x-proxy-model": counter.name });
    }
    const inputTokens = estimateInputTokens(toChatRequest(body, "openai"));
    return c.json({ input_tokens: inputTokens }, 200, { "x-proxy-estimated": "true" });
  });
