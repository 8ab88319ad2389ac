/**
 * Image models that live behind a chat completions endpoint (OpenRouter, and gateways
 * copying it): the prompt is a user message, `modalities: ["image","text"]` asks for
 * images, and they come back as data URLs in `message.images[].image_url.url` beside any
 * text. One call, one image.
 */
import { UpstreamBadResponseError } from "../errors";
import { nearestRatio } from "./gemini";
import { imageFromDataUrl } from "./image-bytes";
import { type ImageProtocol, isRecord, jsonHeaders } from "./types";

const RATIOS = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"];

export const chatImages: ImageProtocol = {
  maxImages: () => 1,
  buildRequest(req, target) {
    const body: Record<string, unknown> = {
      model: target.model.model,
      messages: [{ role: "user", content: req.prompt }],
      modalities: ["image", "text"],
    };
    if (req.size) body.image_config = { aspect_ratio: nearestRatio(req.size, RATIOS) };
    return { url: `${target.baseUrl}/chat/completions`, headers: jsonHeaders(target), body: JSON.stringify(body) };
  },
  parseResponse(body, provider) {
    const json = body.json();
    const choices = isRecord(json) && Array.isArray(json.choices) ? json.choices.filter(isRecord) : [];
    const urls = choices.flatMap((choice) => {
      const images = isRecord(choice.message) && Array.isArray(choice.message.images) ? choice.message.images.filter(isRecord) : [];
      return images.map((image) => (isRecord(image.image_url) ? image.image_url.url : undefined));
    });
    if (urls.length === 0) throw new UpstreamBadResponseError(provider, "no images on the message");
    const usage = isRecord(json) && isRecord(json.usage) ? json.usage.total_tokens : undefined;
    const images = urls.map((url) => imageFromDataUrl(provider, url));
    return typeof usage === "number" ? { images, totalTokens: usage } : { images };
  },
};
