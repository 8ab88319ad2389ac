/**
 * Hugging Face inference for text-to-image models: `POST {base}/models/{model}` with
 * `{inputs, parameters}`, answered with the image bytes themselves. A JSON body where
 * bytes were due is an error sent with a 200, and fails the attempt like any other
 * unusable answer.
 */
import { UpstreamBadResponseError } from "../errors";
import { sniffImageType, toImage } from "./image-bytes";
import { type ImageProtocol, jsonHeaders } from "./types";

export const huggingFaceImages: ImageProtocol = {
  maxImages: () => 1,
  buildRequest(req, target) {
    const body: Record<string, unknown> = { inputs: req.prompt };
    if (req.size) body.parameters = { width: req.size.width, height: req.size.height };
    const headers = { ...jsonHeaders(target), accept: "image/png, image/jpeg;q=0.9, image/*;q=0.8" };
    return { url: `${target.baseUrl}/models/${target.model.model}`, headers, body: JSON.stringify(body) };
  },
  parseResponse(body, provider) {
    if (!sniffImageType(body.bytes) && (/json/i.test(body.contentType) || body.bytes[0] === 0x7b)) {
      throw new UpstreamBadResponseError(provider, "JSON instead of an image");
    }
    return { images: [toImage(provider, body.bytes)] };
  },
};
