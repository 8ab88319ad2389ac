/**
 * Image API name (models.yaml `image_api`, filled in at build time from the provider's
 * type when not set) -> protocol. A new image API is one module and one line here.
 */
import type { ResolvedModel } from "../config/catalog";
import type { ImageApi } from "../config/schema";
import { ConfigurationError } from "../errors";
import { chatImages } from "./chat";
import { geminiImages, imagenImages } from "./gemini";
import { huggingFaceImages } from "./huggingface";
import { openaiImages, togetherImages } from "./openai";
import type { ImageProtocol } from "./types";
import { workersAiImages } from "./workers-ai";

const protocols: Record<ImageApi, ImageProtocol> = {
  openai: openaiImages,
  together: togetherImages,
  "gemini-imagen": imagenImages,
  "gemini-generate": geminiImages,
  chat: chatImages,
  "workers-ai": workersAiImages,
  huggingface: huggingFaceImages,
};

export function imageProtocolFor(model: ResolvedModel): ImageProtocol {
  if (!model.image_api) throw new ConfigurationError(`model ${model.name} has no image_api`);
  return protocols[model.image_api];
}
