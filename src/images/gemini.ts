/**
 * Google's two image APIs behind one key: Imagen models through
 * `models/{model}:predict` (instances/parameters in, predictions of base64 bytes out), and
 * Gemini image models through `generateContent` with IMAGE among the response modalities
 * (images come back as inlineData parts beside any text). Both take an aspect ratio, not
 * pixel sizes, so a requested size becomes the nearest ratio the API offers.
 */
import { modelsRoot } from "../providers/gemini";
import { UpstreamBadResponseError } from "../errors";
import type { UpstreamTarget } from "../providers/types";
import { imageFromBase64 } from "./image-bytes";
import { type ImageProtocol, type ImageSize, isRecord, jsonHeaders } from "./types";

const IMAGEN_RATIOS = ["1:1", "3:4", "4:3", "9:16", "16:9"];
const GEMINI_RATIOS = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"];

/** The offered ratio closest to the size's, compared on a log scale so 2:1 and 1:2 are equally far from 1:1. */
export function nearestRatio(size: ImageSize, ratios: readonly string[]): string {
  const wanted = Math.log(size.width / size.height);
  let best = ratios[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const ratio of ratios) {
    const [w, h] = ratio.split(":").map(Number) as [number, number];
    const distance = Math.abs(Math.log(w / h) - wanted);
    if (distance < bestDistance) [best, bestDistance] = [ratio, distance];
  }
  return best;
}

const modelUrl = (target: UpstreamTarget, method: string) => `${modelsRoot(target.baseUrl)}/${encodeURIComponent(target.model.model)}:${method}`;

export const imagenImages: ImageProtocol = {
  maxImages: () => 4,
  buildRequest(req, target) {
    const parameters: Record<string, unknown> = { sampleCount: req.n };
    if (req.size) parameters.aspectRatio = nearestRatio(req.size, IMAGEN_RATIOS);
    return { url: modelUrl(target, "predict"), headers: jsonHeaders(target), body: JSON.stringify({ instances: [{ prompt: req.prompt }], parameters }) };
  },
  parseResponse(body, provider) {
    const json = body.json();
    const predictions = isRecord(json) && Array.isArray(json.predictions) ? json.predictions.filter(isRecord) : [];
    // Imagen drops filtered images from the list, or marks them with a reason and no bytes.
    const usable = predictions.filter((p) => p.bytesBase64Encoded !== undefined);
    if (usable.length === 0) {
      const reason = predictions.map((p) => p.raiFilteredReason).find((r) => typeof r === "string");
      throw new UpstreamBadResponseError(provider, reason ? "every image was filtered" : "no predictions");
    }
    return { images: usable.map((p) => imageFromBase64(provider, p.bytesBase64Encoded)) };
  },
};

export const geminiImages: ImageProtocol = {
  maxImages: () => 1,
  buildRequest(req, target) {
    const generationConfig: Record<string, unknown> = { responseModalities: ["TEXT", "IMAGE"] };
    if (req.size) generationConfig.imageConfig = { aspectRatio: nearestRatio(req.size, GEMINI_RATIOS) };
    return {
      url: modelUrl(target, "generateContent"),
      headers: jsonHeaders(target),
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: req.prompt }] }], generationConfig }),
    };
  },
  parseResponse(body, provider) {
    const json = body.json();
    const candidates = isRecord(json) && Array.isArray(json.candidates) ? json.candidates.filter(isRecord) : [];
    const parts = candidates.flatMap((c) => (isRecord(c.content) && Array.isArray(c.content.parts) ? c.content.parts.filter(isRecord) : []));
    const inline = parts.map((p) => p.inlineData).filter(isRecord);
    if (inline.length === 0) {
      const finish = candidates.map((c) => c.finishReason).find((r) => typeof r === "string" && r !== "STOP");
      throw new UpstreamBadResponseError(provider, `no image${typeof finish === "string" ? ` (finishReason ${finish})` : ""}`);
    }
    const usage = isRecord(json) && isRecord(json.usageMetadata) ? json.usageMetadata.totalTokenCount : undefined;
    const images = inline.map((d) => imageFromBase64(provider, d.data));
    return typeof usage === "number" ? { images, totalTokens: usage } : { images };
  },
};
