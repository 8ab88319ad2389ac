/**
 * OpenAI's Responses API: POST /v1/responses (and without /v1), served by any provider
 * through the internal form, or passed through as it came to an `openai` provider that
 * serves it (`responses: true`, inbound/responses/passthrough.ts); POST
 * /v1/responses/input_tokens, estimated; GET and DELETE /v1/responses/{id} for stored
 * responses. A response is stored (responses/store.ts) unless the request says
 * `store: false`, before the client learns it is complete, so a follow-up naming it as
 * `previous_response_id` always finds it; a Response passed through is stored under the
 * provider's id (inbound/responses/passthrough-store.ts). Errors keep OpenAI's shape.
 */
import { zValidator } from "@hono/zod-validator";
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { narrow, rulesFor } from "../clients/rules";
import type { AppEnv } from "../env";
import { NotFoundError } from "../errors";
import { type ResponsesContext, responsesProtocol, toChatRequest, toolsOf } from "../inbound/responses";
import { conversationOf } from "../inbound/responses/conversation";
import { responsesRelay } from "../inbound/responses/passthrough";
import { storePassedThrough } from "../inbound/responses/passthrough-store";
import { type ResponsesRequest, responsesRequestSchema } from "../inbound/responses/schema";
import { deleteResponse, loadResponse, saveResponse } from "../inbound/responses/store";
import { jsonBody } from "../middleware/json-body";
import { rejectInvalid } from "../middleware/validate-json";
import { nowSeconds } from "../openai/chat-response";
import { PASSTHROUGH_HEADER } from "../providers/relay";
import { estimateInputTokens } from "../routing/estimate-tokens";
import { resolveModel } from "../routing/resolve-model";
import { answerAs, serveBuilt } from "./serve";

const validated = zValidator("json", responsesRequestSchema, (result) => rejectInvalid(result));
const note = (c: Context<AppEnv>, text: string) => (c.get("log").notes ??= []).push(text);
const notFound = (id: string) => new NotFoundError(`Response with id '${id}' not found.`, "response_not_found");

async function respond(c: Context<AppEnv>, body: ResponsesRequest): Promise<Response> {
  const owner = c.get("clientKeyId");
  const items = await conversationOf(c.env, body, owner);
  const tools = toolsOf(body);
  const relay = responsesRelay(body, await c.req.text());
  const { res, inputTokens } = await serveBuilt(c, (protocol) => toChatRequest(body, items, tools, protocol), relay, { user: body.user, metadata: body.metadata });
  const store = body.store !== false;
  const onComplete = async (response: Record<string, unknown>) => {
    const stored = await saveResponse(c.env, owner, { response, input: items }, c.get("settings").responsesTtlS).catch(() => false);
    if (!stored) note(c, "response not stored: too large, an id it cannot keep, or storage unavailable");
  };
  // The provider's own Response, its hosted tools run: stored under its id, as it came.
  if (res.headers.has(PASSTHROUGH_HEADER)) return store ? storePassedThrough(res, onComplete) : res;
  // Tool types are the client's words: only short, plain ones reach the log, each once.
  const dropped = [...new Set(tools.dropped.map((t) => (/^[\w.-]{1,40}$/.test(t) ? t : "other")))];
  if (dropped.length) note(c, `hosted tools left out: ${dropped.join(", ")}`);
  const ctx: ResponsesContext = {
    id: `resp_${crypto.randomUUID().replaceAll("-", "")}`,
    createdAt: nowSeconds(),
    names: tools.names,
    echo: { previous_response_id: body.previous_response_id ?? null, store, metadata: body.metadata ?? {} },
    model: res.headers.get("x-proxy-model") ?? body.model ?? "",
    inputTokens,
    ...(store ? { onComplete } : {}),
  };
  return answerAs(res, responsesProtocol, ctx, ctx.onComplete as ((answer: unknown) => Promise<void>) | undefined);
}

export const responsesRoutes = new Hono<AppEnv>()
  .post("/responses", jsonBody(), validated, (c) => respond(c, c.req.valid("json")))
  .post("/responses/input_tokens", jsonBody(), validated, async (c) => {
    const body = c.req.valid("json");
    c.get("log").requested_model = body.model ?? null;
    // An unknown model is a 404 here as on /responses, one the client may not use a 403;
    // every target is estimated.
    if (body.model) narrow(resolveModel(body.model, "chat"), rulesFor(c.get("client")), body.model);
    const items = await conversationOf(c.env, body, c.get("clientKeyId"));
    const input_tokens = estimateInputTokens(toChatRequest(body, items, toolsOf(body), "openai"));
    return c.json({ object: "response.input_tokens", input_tokens }, 200, { "x-proxy-estimated": "true" });
  })
  .get("/responses/:id", async (c) => {
    const id = c.req.param("id");
    const stored = await loadResponse(c.env, id, c.get("clientKeyId"));
    if (!stored) throw notFound(id);
    return c.json(stored.response);
  })
  .delete("/responses/:id", async (c) => {
    const id = c.req.param("id");
    if (!(await deleteResponse(c.env, id, c.get("clientKeyId")))) throw notFound(id);
    return c.json({ id, object: "response", deleted: true });
  });
