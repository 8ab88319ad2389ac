/**
 * POST /chat/completions and /v1/chat/completions: validate at the edge, resolve the
 * model to candidates, and serve the request as it is: Chat Completions is the internal
 * form (src/routes/serve.ts does the caching, dispatch and logging every protocol shares).
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono/tiny";
import type { AppEnv } from "../env";
import { serveInternal } from "./serve";
import { jsonBody } from "../middleware/json-body";
import { rejectInvalid } from "../middleware/validate-json";
import { chatRequestSchema } from "../openai/chat-request";
import { keepClientText } from "../providers/json-splice";

export const chatRoutes = new Hono<AppEnv>().post(
  "/chat/completions",
  jsonBody(),
  zValidator("json", chatRequestSchema, (result) => rejectInvalid(result)),
  async (c) => {
    const body = c.req.valid("json");
    // Relayed to OpenAI-compatible targets as the client's own text, spliced (json-splice.ts).
    keepClientText(body, await c.req.text());
    return serveInternal(c, body);
  },
);
