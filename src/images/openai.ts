/**
 * OpenAI's images API (`POST {base}/images/generations`) and Together's copy of it.
 * Upstream is always asked for base64 so every image is checked and both endpoints can
 * serve it; gpt-image models return nothing else and refuse `response_format`, so it is
 * sent only to the others. Together takes `width`/`height` instead of `size`.
 */
import type { ResolvedModel } from "../config/catalog";
import { UpstreamBadResponseError } from "../errors";
import type { UpstreamTarget } from "../providers/types";
import { imageFromBase64, imageFromDataUrl } from "./image-bytes";
import { type GeneratedImage, type ImageProtocol, type ImageRequest, isRecord, jsonHeaders, type UpstreamBody } from "./types";

const isGptImage = (model: ResolvedModel) => /(^|\/)gpt-image/.test(model.model);

function parseData(body: UpstreamBody, provider: string): { images: GeneratedImage[]; totalTokens?: number } {
  const json = body.json();
  const data = isRecord(json) ? json.data : undefined;
  if (!Array.isArray(data) || data.length === 0) throw new UpstreamBadResponseError(provider, "no images in data");
  const images = data.map((item) => {
    if (!isRecord(item)) throw new UpstreamBadResponseError(provider, "an entry in data that is not an object");
    const revised = typeof item.revised_prompt === "string" ? item.revised_prompt : undefined;
    if (item.b64_json !== undefined) return imageFromBase64(provider, item.b64_json, revised);
    if (typeof item.url === "string" && item.url.startsWith("data:")) return imageFromDataUrl(provider, item.url);
    throw new UpstreamBadResponseError(provider, "an image without b64_json");
  });
  const usage = isRecord(json) && isRecord(json.usage) ? json.usage.total_tokens : undefined;
  return typeof usage === "number" ? { images, totalTokens: usage } : { images };
}

function request(req: ImageRequest, target: UpstreamTarget, fields: Record<string, unknown>) {
  return {
    url: `${target.baseUrl}/images/generations`,
    headers: jsonHeaders(target),
    body: JSON.stringify({ ...req.extra, model: target.model.model, prompt: req.prompt, n: req.n, ...fields }),
  };
}

export const openaiImages: ImageProtocol = {
  // dall-e-3 makes one image per call; gpt-image and dall-e-2 up to ten.
  maxImages: (model) => (/(^|\/)dall-e-3/.test(model.model) ? 1 : 10),
  buildRequest(req, target) {
    const fields: Record<string, unknown> = {};
    if (req.size) fields.size = `${req.size.width}x${req.size.height}`;
    if (req.quality) fields.quality = req.quality;
    if (!isGptImage(target.model)) fields.response_format = "b64_json";
    return request(req, target, fields);
  },
  parseResponse: parseData,
};

export const togetherImages: ImageProtocol = {
  maxImages: () => 4,
  buildRequest(req, target) {
    const fields: Record<string, unknown> = { response_format: "b64_json" };
    if (req.size) Object.assign(fields, { width: req.size.width, height: req.size.height });
    return request(req, target, fields);
  },
  parseResponse: parseData,
};
