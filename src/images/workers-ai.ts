/**
 * Cloudflare Workers AI's REST API: `POST {base}/run/{model}` with the model's own input
 * schema. FLUX schnell answers JSON `{result:{image}}` in base64 (a JPEG); the Stable
 * Diffusion models answer with raw PNG bytes. Both are read here.
 */
import { UpstreamBadResponseError } from "../errors";
import { imageFromBase64, sniffImageType, toImage } from "./image-bytes";
import { type ImageProtocol, isRecord, jsonHeaders } from "./types";

export const workersAiImages: ImageProtocol = {
  maxImages: () => 1,
  buildRequest(req, target) {
    // FLUX schnell takes the prompt (and steps, seed) only: its output size is fixed.
    return { url: `${target.baseUrl}/run/${target.model.model}`, headers: jsonHeaders(target), body: JSON.stringify({ prompt: req.prompt }) };
  },
  parseResponse(body, provider) {
    if (sniffImageType(body.bytes)) return { images: [toImage(provider, body.bytes)] };
    const json = body.json();
    const result = isRecord(json) ? json.result : undefined;
    if (!isRecord(result) || result.image === undefined) throw new UpstreamBadResponseError(provider, "no result.image");
    return { images: [imageFromBase64(provider, result.image)] };
  },
};
