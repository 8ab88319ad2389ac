/**
 * POST /images/generations (OpenAI's images API) and POST /image (the legacy endpoint
 * answering with the image bytes), each also under /v1. Both validate at the edge,
 * resolve candidates (no model or `all`: every image model by priority), and let dispatch
 * pick, call and fall back exactly as for chat (with the same request log and trace
 * context); they differ only in how the images are written back.
 */
import { credentialRejected } from "../providers/credentials";
import { recordAnswer } from "../observability/request-log";
import { zValidator } from "@hono/zod-validator";
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { admitClient } from "../clients/gate";
import type { AppEnv } from "../env";
import { dataUrl, encodeBase64 } from "../images/image-bytes";
import { prepareImage, sendImage } from "../images/call";
import { imageProtocolFor } from "../images/registry";
import { fromGenerationBody, fromLegacyBody, imageGenerationSchema, legacyImageSchema } from "../images/request";
import { resolveImageModels } from "../images/resolve";
import type { GeneratedImage, ImageRequest } from "../images/types";
import { jsonBody } from "../middleware/json-body";
import { rejectInvalid } from "../middleware/validate-json";
import { nowSeconds } from "../openai/chat-response";
import { upstreamTarget } from "../providers/target";
import { dispatch } from "../routing/dispatch";
import { estimateTokens } from "../routing/estimate-tokens";
import { dispatchOptions, markAnswer, upstreamHeaders } from "./dispatch-options";

type Render = (images: GeneratedImage[]) => Response;

async function generate(c: Context<AppEnv>, req: ImageRequest, requested: string | undefined, render: Render): Promise<Response> {
  const log = c.get("log");
  log.requested_model = requested ?? null;
  const estimatedTokens = estimateTokens(req.prompt.length);
  const resolution = await admitClient(c, resolveImageModels(requested), estimatedTokens, undefined, requested);
  const signal = c.req.raw.signal;
  const headers = upstreamHeaders(c);
  const { output, model, attempts } = await dispatch(
    resolution,
    dispatchOptions(c, estimatedTokens),
    {
      prepare: (model) => prepareImage(imageProtocolFor(model), req, upstreamTarget(model, c.env)),
      send: async (prepared, _model, bounds) => {
        const result = await sendImage(prepared, { signal, headers, ...bounds, maxBodyBytes: c.get("settings").maxUpstreamBodyBytes });
        const total = result.totalTokens ?? estimatedTokens;
        const usage = { prompt_tokens: estimatedTokens, completion_tokens: Math.max(0, total - estimatedTokens), total_tokens: total };
        return {
          response: render(result.images),
          latencyMs: result.latencyMs,
          rate: result.rate,
          done: Promise.resolve({ kind: "whole", estimated: result.totalTokens === undefined, usage }),
        };
      },
      rejected: (prepared, key, status) => credentialRejected(prepared.target, key, status),
    },
  );
  recordAnswer(log, model, output.done);
  return markAnswer(output.response, model, attempts);
}

export const imageRoutes = new Hono<AppEnv>()
  .post(
    "/images/generations",
    jsonBody(),
    zValidator("json", imageGenerationSchema, (result) => rejectInvalid(result)),
    (c) => {
      const body = c.req.valid("json");
      const asUrl = body.response_format === "url";
      return generate(c, fromGenerationBody(body), body.model, (images) =>
        Response.json({
          created: nowSeconds(),
          data: images.map((image) => ({
            // Every provider answers with bytes, so a `url` is a data URL of them.
            ...(asUrl ? { url: dataUrl(image) } : { b64_json: encodeBase64(image.bytes) }),
            ...(image.revisedPrompt ? { revised_prompt: image.revisedPrompt } : {}),
          })),
        }),
      );
    },
  )
  .post(
    "/image",
    jsonBody(),
    zValidator("json", legacyImageSchema, (result) => rejectInvalid(result)),
    (c) => {
      const body = c.req.valid("json");
      return generate(c, fromLegacyBody(body), body.model, ([image]) =>
        new Response(image!.bytes, { headers: { "content-type": image!.mimeType, "cache-control": "no-store" } }),
      );
    },
  );
