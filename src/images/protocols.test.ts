/**
 * Each image protocol on its own: the upstream request it builds, and how it reads
 * answers the workerd tests' simulator does not send (filtered images, URL-only answers,
 * JSON where bytes were due).
 */
import { describe, expect, it } from "vitest";
import type { ResolvedModel } from "../config/catalog";
import type { ImageApi } from "../config/schema";
import { InvalidRequestError, UpstreamBadResponseError } from "../errors";
import type { UpstreamTarget } from "../providers/types";
import { prepareImage } from "./call";
import { nearestRatio } from "./gemini";
import { encodeBase64 } from "./image-bytes";
import { imageProtocolFor } from "./registry";
import type { ImageRequest, UpstreamBody } from "./types";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array<number>(80).fill(0), 0x49, 0x45, 0x4e, 0x44, 0, 0, 0, 0]);

function target(image_api: ImageApi, model: string): UpstreamTarget {
  const resolved: ResolvedModel = {
    name: `m-${image_api}`,
    provider: "p",
    model,
    type: "image",
    fallbacks: [],
    image_api,
    providerId: "p",
    providerConfig: { type: "openai", base_url: "https://up.example/base", headers: { "x-extra": "1" }, timeout_ms: 1000, ttft_ms: 1000, idle_ms: 1000, total_ms: 1000 },
  };
  return { model: resolved, baseUrl: "https://up.example/base", keys: ["secret"] };
}

const request = (over: Partial<ImageRequest> = {}): ImageRequest => ({ prompt: "a fox", n: 1, size: undefined, quality: undefined, extra: {}, ...over });

function body(value: unknown, contentType = "application/json"): UpstreamBody {
  const bytes = value instanceof Uint8Array ? value : new TextEncoder().encode(JSON.stringify(value));
  return { contentType, bytes, json: () => JSON.parse(new TextDecoder().decode(bytes)) as unknown };
}

function parse(api: ImageApi, model: string, answer: UpstreamBody) {
  return imageProtocolFor(target(api, model).model).parseResponse(answer, "p");
}

function badResponse(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamBadResponseError);
    return (err as Error).message;
  }
  throw new Error("expected UpstreamBadResponseError");
}

describe("building requests", () => {
  it("sends OpenAI the client's extras, and response_format only to models that take it", () => {
    const extra = { style: "vivid", user: "u1" };
    const gpt = prepareImage(imageProtocolFor(target("openai", "gpt-image-1").model), request({ extra, quality: "high" }), target("openai", "gpt-image-1"));
    expect(gpt.spec.url).toBe("https://up.example/base/images/generations");
    // The key is added when the request is sent (credentials.ts), never by a protocol.
    expect(gpt.spec.headers).toEqual({ "content-type": "application/json", "x-extra": "1" });
    expect(JSON.parse(gpt.spec.body)).toEqual({ style: "vivid", user: "u1", model: "gpt-image-1", prompt: "a fox", n: 1, quality: "high" });
    const dalle = prepareImage(imageProtocolFor(target("openai", "dall-e-2").model), request({ n: 4, size: { width: 512, height: 512 } }), target("openai", "dall-e-2"));
    expect(JSON.parse(dalle.spec.body)).toMatchObject({ n: 4, size: "512x512", response_format: "b64_json" });
  });

  it("calls Imagen's predict endpoint, with no credential of its own", () => {
    const imagen = imageProtocolFor(target("gemini-imagen", "imagen-4").model).buildRequest(request(), target("gemini-imagen", "imagen-4"));
    expect(imagen.headers["x-goog-api-key"]).toBeUndefined();
    expect(imagen.headers.authorization).toBeUndefined();
    expect(imagen.url).toBe("https://up.example/base/models/imagen-4:predict");
  });

  it.each([
    ["openai", "dall-e-3", 1],
    ["openai", "gpt-image-1", 10],
    ["together", "flux", 4],
    ["gemini-imagen", "imagen-4", 4],
    ["gemini-generate", "gemini-2.5-flash-image", 1],
    ["chat", "google/gemini-2.5-flash-image", 1],
    ["workers-ai", "@cf/black-forest-labs/flux-1-schnell", 1],
    ["huggingface", "org/m", 1],
  ] as const)("lets %s %s make at most %i image(s) per call", (api, model, max) => {
    const t = target(api, model);
    expect(() => prepareImage(imageProtocolFor(t.model), request({ n: max }), t)).not.toThrow();
    expect(() => prepareImage(imageProtocolFor(t.model), request({ n: max + 1 }), t)).toThrow(InvalidRequestError);
  });

  it("maps sizes to the nearest aspect ratio the API offers", () => {
    const ratios = ["1:1", "3:4", "4:3", "9:16", "16:9"];
    expect(nearestRatio({ width: 1024, height: 1024 }, ratios)).toBe("1:1");
    expect(nearestRatio({ width: 1792, height: 1024 }, ratios)).toBe("16:9");
    expect(nearestRatio({ width: 1536, height: 1024 }, ratios)).toBe("4:3");
    expect(nearestRatio({ width: 256, height: 2048 }, ratios)).toBe("9:16");
  });
});

describe("reading answers", () => {
  const b64 = encodeBase64(PNG);

  it("refuses OpenAI answers that hold only a remote URL", () => {
    expect(badResponse(() => parse("openai", "dall-e-3", body({ data: [{ url: "https://cdn.example/x.png" }] })))).toContain("without b64_json");
    expect(parse("openai", "gpt-image-1", body({ data: [{ b64_json: b64 }], usage: { total_tokens: 99 } })).totalTokens).toBe(99);
  });

  it("skips Imagen's filtered images and says when all were filtered", () => {
    const some = parse("gemini-imagen", "imagen-4", body({ predictions: [{ raiFilteredReason: "x" }, { bytesBase64Encoded: b64, mimeType: "image/png" }] }));
    expect(some.images).toHaveLength(1);
    expect(badResponse(() => parse("gemini-imagen", "imagen-4", body({ predictions: [{ raiFilteredReason: "x" }] })))).toContain("every image was filtered");
    expect(badResponse(() => parse("gemini-imagen", "imagen-4", body({})))).toContain("no predictions");
  });

  it("reads Gemini inlineData beside text, and names the finish reason when there is none", () => {
    const answer = { candidates: [{ content: { parts: [{ text: "Here" }, { inlineData: { mimeType: "image/png", data: b64 } }] } }], usageMetadata: { totalTokenCount: 1300 } };
    expect(parse("gemini-generate", "g", body(answer))).toMatchObject({ images: [{ mimeType: "image/png" }], totalTokens: 1300 });
    expect(badResponse(() => parse("gemini-generate", "g", body({ candidates: [{ finishReason: "IMAGE_SAFETY" }] })))).toContain("finishReason IMAGE_SAFETY");
  });

  it("reads chat images from message.images, and nothing from a text-only message", () => {
    const message = (extra: object) => body({ choices: [{ message: { role: "assistant", content: "Here", ...extra } }] });
    expect(parse("chat", "m", message({ images: [{ type: "image_url", image_url: { url: `data:image/png;base64,${b64}` } }] })).images).toHaveLength(1);
    expect(badResponse(() => parse("chat", "m", message({})))).toContain("no images on the message");
  });

  it("takes Workers AI images as raw bytes or base64 JSON", () => {
    expect(parse("workers-ai", "m", body(PNG, "image/png")).images[0]?.bytes).toEqual(PNG);
    expect(parse("workers-ai", "m", body({ result: { image: b64 }, success: true })).images[0]?.mimeType).toBe("image/png");
    expect(badResponse(() => parse("workers-ai", "m", body({ result: {}, success: true })))).toContain("no result.image");
  });

  it("refuses Hugging Face JSON where image bytes were due", () => {
    expect(parse("huggingface", "m", body(PNG, "image/png")).images[0]?.bytes).toEqual(PNG);
    expect(badResponse(() => parse("huggingface", "m", body({ error: "Model is loading" })))).toContain("JSON instead of an image");
  });
});
