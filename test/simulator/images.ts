/**
 * Image generation as each provider serves it, with real PNG and JPEG files of the size
 * asked for (image-files.ts):
 * - OpenAI `/openai/v1/images/generations` (PNG; JPEG with `output_format: "jpeg"`; gpt-image
 *   models refuse `response_format` like OpenAI does) and Together `/together/v1/...` (JPEG);
 * - Imagen `/gemini/v1beta/models/{m}:predict` and Gemini image models (ids containing
 *   "image") through `:generateContent`, inlineData parts beside text;
 * - OpenRouter `/openrouter/api/v1/chat/completions` with `modalities` including "image":
 *   data URLs in `message.images` (without it, an ordinary chat answer);
 * - Workers AI `/cloudflare/client/v4/accounts/{a}/ai/run/{model}`: FLUX as JSON
 *   `{result:{image}}` (JPEG), other models raw PNG;
 * - Hugging Face `/huggingface/models/{org}/{name}`: the JPEG bytes themselves.
 *
 * Directive extras: `image: "none"` answers 200 in the provider's shape without an image;
 * `image: "tiny"` puts a few bytes of JSON error where the image belongs; `format` forces
 * "png" or "jpeg". Like every fault they obey `only` (by upstream model id).
 */
import type { ServerResponse } from "node:http";
import type { Directive } from "./directive";
import { googleError } from "./gemini";
import { jpeg, png } from "./image-files";
import { handleOpenAIChat, openaiErrorBody, sendJson } from "./openai";
import type { ProtocolHandler } from "./server";

interface ImageDirective extends Directive {
  image?: "none" | "tiny";
  format?: "png" | "jpeg";
}

type Route = { test: (path: string) => boolean; handle: ProtocolHandler };
type Format = "png" | "jpeg";
type Size = [number, number];

const TINY = Buffer.from('{"error":"overloaded"}');

/** What to put where the image belongs: a file, a tiny error payload, or nothing. */
function imageFor(d: ImageDirective, model: string, size: Size, format: Format): Buffer | undefined {
  const faulty = !d.only || d.only.includes(model);
  if (faulty && d.image === "none") return undefined;
  if (faulty && d.image === "tiny") return TINY;
  const [w, h] = size;
  return (d.format ?? format) === "jpeg" ? jpeg(w, h) : png(w, h);
}

const mimeOf = (bytes: Buffer) => (bytes[0] === 0xff ? "image/jpeg" : bytes[0] === 0x89 ? "image/png" : "application/json");

function parseSize(text: unknown, fallback: Size = [1024, 1024]): Size {
  const match = typeof text === "string" ? /^(\d+)x(\d+)$/.exec(text) : null;
  return match ? [Number(match[1]), Number(match[2])] : fallback;
}

// Output sizes the Google models (and OpenRouter's image_config) give each aspect ratio.
const RATIO_SIZES: Record<string, Size> = {
  "1:1": [1024, 1024], "16:9": [1344, 768], "9:16": [768, 1344], "3:2": [1248, 832], "2:3": [832, 1248],
  "4:3": [1184, 864], "3:4": [864, 1184], "4:5": [896, 1152], "5:4": [1152, 896], "21:9": [1536, 672],
};
const IMAGEN_SIZES: Record<string, Size> = { "1:1": [1024, 1024], "3:4": [896, 1280], "4:3": [1280, 896], "9:16": [768, 1408], "16:9": [1408, 768] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function openaiError(res: ServerResponse, d: Directive): boolean {
  if (!d.status || d.status < 400) return false;
  sendJson(res, d.status, d.error_body ?? openaiErrorBody(d.status, d.message ?? `simulated ${d.status}`), d.headers);
  return true;
}

const openaiImages: Route = {
  test: (p) => /^\/(openai|together)\/v1\/images\/generations$/.test(p),
  handle(req, res, d: ImageDirective) {
    if (openaiError(res, d)) return;
    const body = req.body;
    const model = String(body.model ?? "dall-e-2");
    const together = req.path.startsWith("/together/");
    if (typeof body.prompt !== "string" || !body.prompt) return sendJson(res, 400, openaiErrorBody(400, "Missing required parameter: 'prompt'."));
    if (/gpt-image/.test(model) && "response_format" in body) return sendJson(res, 400, openaiErrorBody(400, "Unknown parameter: 'response_format'."));
    const n = typeof body.n === "number" ? body.n : 1;
    if (/dall-e-3/.test(model) && n > 1) return sendJson(res, 400, openaiErrorBody(400, "You must provide n=1 for this model."));
    const size: Size = together ? [Number(body.width ?? 1024), Number(body.height ?? 768)] : parseSize(body.size);
    const format: Format = together || body.output_format === "jpeg" ? "jpeg" : "png";
    const files = Array.from({ length: n }, () => imageFor(d, model, size, format)).filter((b) => b !== undefined);
    const data = files.map((bytes, index) => {
      const b64 = bytes.toString("base64");
      if (together) return { index, b64_json: b64, type: "image" };
      return /dall-e-3/.test(model) ? { b64_json: b64, revised_prompt: `A vivid rendering of: ${body.prompt}` } : { b64_json: b64 };
    });
    const usage = /gpt-image/.test(model) ? { usage: { input_tokens: 12, output_tokens: 4160, total_tokens: 4172 } } : {};
    const reply = together ? { id: `sim-${Date.now().toString(36)}`, model, object: "list", data } : { created: Math.floor(Date.now() / 1000), data, ...usage };
    sendJson(res, 200, reply, d.headers);
  },
};

function googleGuard(req: Parameters<ProtocolHandler>[0], res: ServerResponse, d: Directive): boolean {
  if (!req.headers["x-goog-api-key"]) {
    sendJson(res, 403, googleError(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."));
    return true;
  }
  if (d.status && d.status >= 400) {
    sendJson(res, d.status, d.error_body ?? googleError(d.status, d.message ?? `simulated ${d.status}`), d.headers);
    return true;
  }
  return false;
}

const imagen: Route = {
  test: (p) => /^\/gemini\/v1beta\/models\/[^/:]+:predict$/.test(p),
  handle(req, res, d: ImageDirective) {
    if (googleGuard(req, res, d)) return;
    const model = decodeURIComponent(/models\/([^/:]+):/.exec(req.path)![1]!);
    const { instances, parameters = {} } = req.body as { instances?: unknown; parameters?: Record<string, unknown> };
    const prompt = Array.isArray(instances) && isRecord(instances[0]) ? instances[0].prompt : undefined;
    if (typeof prompt !== "string" || !prompt) return sendJson(res, 400, googleError(400, "* PredictRequest.instances[0].prompt: prompt is required"));
    const count = typeof parameters.sampleCount === "number" ? parameters.sampleCount : 4;
    const size = IMAGEN_SIZES[String(parameters.aspectRatio ?? "1:1")];
    if (!size) return sendJson(res, 400, googleError(400, "Unsupported aspect ratio."));
    const predictions = Array.from({ length: count }, () => imageFor(d, model, size, "png")).map((bytes) =>
      bytes ? { mimeType: mimeOf(bytes), bytesBase64Encoded: bytes.toString("base64") } : { raiFilteredReason: "Unable to show generated images. (filtered)" },
    );
    sendJson(res, 200, { predictions }, d.headers);
  },
};

const geminiImage: Route = {
  test: (p) => /^\/gemini\/v1beta\/models\/[^/:]*image[^/:]*:generateContent$/.test(p),
  handle(req, res, d: ImageDirective) {
    if (googleGuard(req, res, d)) return;
    const model = decodeURIComponent(/models\/([^/:]+):/.exec(req.path)![1]!);
    const config = isRecord(req.body.generationConfig) ? req.body.generationConfig : {};
    const modalities = Array.isArray(config.responseModalities) ? config.responseModalities : [];
    const ratio = isRecord(config.imageConfig) ? String(config.imageConfig.aspectRatio) : "1:1";
    const size = RATIO_SIZES[ratio];
    if (!size) return sendJson(res, 400, googleError(400, `* GenerateContentRequest.generation_config.image_config.aspect_ratio: unsupported ${ratio}`));
    const wantsImage = modalities.includes("IMAGE");
    const bytes = wantsImage ? imageFor(d, model, size, "png") : undefined;
    const parts: unknown[] = [{ text: "Here is the image you asked for." }];
    if (bytes) parts.push({ inlineData: { mimeType: mimeOf(bytes), data: bytes.toString("base64") } });
    const candidate = bytes || !wantsImage ? { content: { role: "model", parts }, finishReason: "STOP", index: 0 } : { finishReason: "IMAGE_SAFETY", index: 0 };
    const usageMetadata = { promptTokenCount: 9, candidatesTokenCount: 1290, totalTokenCount: 1299 };
    sendJson(res, 200, { candidates: [candidate], usageMetadata, modelVersion: model, responseId: `sim${Date.now().toString(36)}` }, d.headers);
  },
};

const openrouterChat: Route = {
  test: (p) => p === "/openrouter/api/v1/chat/completions",
  handle(req, res, d: ImageDirective) {
    const body = req.body;
    if (!Array.isArray(body.modalities) || !body.modalities.includes("image")) return handleOpenAIChat(body, res, d);
    if (openaiError(res, d)) return;
    const model = String(body.model);
    const ratio = isRecord(body.image_config) ? String(body.image_config.aspect_ratio) : "1:1";
    const bytes = imageFor(d, model, RATIO_SIZES[ratio] ?? [1024, 1024], "png");
    const images = bytes ? [{ type: "image_url", image_url: { url: `data:${mimeOf(bytes)};base64,${bytes.toString("base64")}` } }] : [];
    const message = { role: "assistant", content: "Here is your image.", ...(images.length ? { images } : {}) };
    sendJson(res, 200, {
      id: `gen-sim${Date.now().toString(36)}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      provider: "Google",
      choices: [{ index: 0, message, finish_reason: "stop", native_finish_reason: "STOP", logprobs: null }],
      usage: { prompt_tokens: 9, completion_tokens: 1290, total_tokens: 1299 },
    }, d.headers);
  },
};

const workersAi: Route = {
  test: (p) => /^\/cloudflare\/client\/v4\/accounts\/[^/]+\/ai\/run\/.+$/.test(p),
  handle(req, res, d: ImageDirective) {
    const model = /\/ai\/run\/(.+)$/.exec(req.path)![1]!;
    const cfError = (status: number, message: string) => sendJson(res, status, { success: false, errors: [{ code: 5006, message }], messages: [], result: null });
    if (d.status && d.status >= 400) return cfError(d.status, d.message ?? `simulated ${d.status}`);
    if (typeof req.body.prompt !== "string" || !req.body.prompt) return cfError(400, "AiError: Bad input: must have required property 'prompt'");
    if (/flux/.test(model)) {
      const bytes = imageFor(d, model, [1024, 1024], "jpeg");
      return sendJson(res, 200, { result: bytes ? { image: bytes.toString("base64") } : {}, success: true, errors: [], messages: [] }, d.headers);
    }
    const bytes = imageFor(d, model, [1024, 1024], "png") ?? Buffer.alloc(0);
    res.writeHead(200, { "content-type": mimeOf(bytes), ...d.headers }).end(bytes);
  },
};

const huggingFace: Route = {
  test: (p) => /^\/huggingface\/models\/[^/]+\/[^/]+$/.test(p),
  handle(req, res, d: ImageDirective) {
    const model = /\/models\/(.+)$/.exec(req.path)![1]!;
    if (d.status && d.status >= 400) return sendJson(res, d.status, d.error_body ?? { error: d.message ?? `simulated ${d.status}` }, d.headers);
    if (typeof req.body.inputs !== "string" || !req.body.inputs) return sendJson(res, 400, { error: "Input should be a valid string" });
    const params = isRecord(req.body.parameters) ? req.body.parameters : {};
    const bytes = imageFor(d, model, [Number(params.width ?? 1024), Number(params.height ?? 1024)], "jpeg");
    if (!bytes) return sendJson(res, 200, { error: "No image was generated" }, d.headers);
    res.writeHead(200, { "content-type": mimeOf(bytes), ...d.headers }).end(bytes);
  },
};

/** Image routes go before the chat ones: some share a prefix with them. */
export const imageRoutes: Route[] = [openaiImages, imagen, geminiImage, openrouterChat, workersAi, huggingFace];
