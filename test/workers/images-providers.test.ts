/**
 * Image generation through every upstream image API, on both endpoints: the request each
 * provider receives, and images that decode to the format and size asked for.
 */
import { describe, expect, it } from "vitest";
import { openaiClient } from "./clients";
import { postJson, recorded, sim } from "./helpers";
import { base64Bytes, type ImageInfo, imageInfo, pngScanlines } from "./image-files";

const tag = () => `t-${crypto.randomUUID()}`;

interface Case {
  model: string;
  size?: string;
  /** What /v1/images/generations returns for `size`. */
  image: ImageInfo;
  /** What /image returns with no size: the provider's default. */
  legacy: ImageInfo;
  path: string;
  /** The upstream body, less the prompt (which carries the directive). */
  body: Record<string, unknown>;
  auth: [string, string];
}

const bearer: [string, string] = ["authorization", "Bearer sk-sim-openai-secret"];
const goog: [string, string] = ["x-goog-api-key", "sim-gemini-secret"];
const square = (format: "png" | "jpeg", side = 1024): ImageInfo => ({ format, width: side, height: side });

const cases: Case[] = [
  {
    model: "img-gpt",
    size: "1536x1024",
    image: { format: "png", width: 1536, height: 1024 },
    legacy: square("png"),
    path: "/openai/v1/images/generations",
    body: { model: "gpt-image-1", n: 1, size: "1536x1024" },
    auth: bearer,
  },
  {
    model: "img-dalle",
    size: "1024x1792",
    image: { format: "png", width: 1024, height: 1792 },
    legacy: square("png"),
    path: "/openai/v1/images/generations",
    body: { model: "dall-e-3", n: 1, size: "1024x1792", response_format: "b64_json" },
    auth: bearer,
  },
  {
    model: "img-together",
    size: "768x512",
    image: { format: "jpeg", width: 768, height: 512 },
    legacy: { format: "jpeg", width: 1024, height: 768 },
    path: "/together/v1/images/generations",
    body: { model: "black-forest-labs/FLUX.1-schnell-Free", n: 1, width: 768, height: 512, response_format: "b64_json" },
    auth: bearer,
  },
  {
    model: "img-imagen",
    size: "1792x1024",
    image: { format: "png", width: 1408, height: 768 },
    legacy: square("png"),
    path: "/gemini/v1beta/models/imagen-4.0-generate-001:predict",
    body: { parameters: { sampleCount: 1, aspectRatio: "16:9" } },
    auth: goog,
  },
  {
    model: "img-gemini",
    size: "1024x1792",
    image: { format: "png", width: 768, height: 1344 },
    legacy: square("png"),
    path: "/gemini/v1beta/models/gemini-2.5-flash-image:generateContent",
    body: { generationConfig: { responseModalities: ["TEXT", "IMAGE"], imageConfig: { aspectRatio: "9:16" } } },
    auth: goog,
  },
  {
    model: "img-openrouter",
    size: "1536x1024",
    image: { format: "png", width: 1248, height: 832 },
    legacy: square("png"),
    path: "/openrouter/api/v1/chat/completions",
    body: { model: "google/gemini-2.5-flash-image", modalities: ["image", "text"], image_config: { aspect_ratio: "3:2" } },
    auth: bearer,
  },
  {
    model: "img-workers",
    image: square("jpeg"),
    legacy: square("jpeg"),
    path: "/cloudflare/client/v4/accounts/sim-account/ai/run/@cf/black-forest-labs/flux-1-schnell",
    body: {},
    auth: bearer,
  },
  {
    model: "img-workers-sdxl",
    image: square("png"),
    legacy: square("png"),
    path: "/cloudflare/client/v4/accounts/sim-account/ai/run/@cf/stabilityai/stable-diffusion-xl-base-1.0",
    body: {},
    auth: bearer,
  },
  {
    model: "img-hf",
    size: "512x768",
    image: { format: "jpeg", width: 512, height: 768 },
    legacy: square("jpeg"),
    path: "/huggingface/models/black-forest-labs/FLUX.1-schnell",
    body: { parameters: { width: 512, height: 768 } },
    auth: bearer,
  },
];

const withoutPrompt = (body: Record<string, unknown>) => {
  const { prompt: _p, inputs: _i, instances: _n, contents: _c, messages: _m, ...rest } = body;
  return rest;
};

describe.each(cases)("$model", (c) => {
  it("answers /v1/images/generations with base64 images of the requested size, from the right upstream request", async () => {
    const t = tag();
    const prompt = `a lighthouse at dusk ${sim({ tag: t })}`;
    const res = await postJson("/v1/images/generations", { model: c.model, prompt, ...(c.size ? { size: c.size } : {}) });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe(c.model);
    const body = (await res.json()) as { created: number; data: Array<{ b64_json?: string; url?: string }> };
    expect(body.created).toBeGreaterThan(1_700_000_000);
    expect(body.data).toHaveLength(1);
    expect(body.data[0]!.url).toBeUndefined();
    expect(imageInfo(base64Bytes(body.data[0]!.b64_json!))).toEqual(c.image);

    const [upstream] = await recorded(t);
    expect(upstream?.path).toBe(c.path);
    expect(upstream?.headers[c.auth[0]]).toBe(c.auth[1]);
    expect(withoutPrompt(upstream!.body)).toEqual(c.body);
    expect(JSON.stringify(upstream!.body)).toContain("a lighthouse at dusk");
  });

  it("answers /image with the raw bytes and their content type", async () => {
    const res = await postJson("/image", { model: c.model, prompt: "a lighthouse at dusk" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(`image/${c.legacy.format}`);
    expect(res.headers.get("x-proxy-model")).toBe(c.model);
    expect(imageInfo(new Uint8Array(await res.arrayBuffer()))).toEqual(c.legacy);
  });
});

describe("image responses", () => {
  it("returns PNG pixels that inflate to whole scanlines", async () => {
    const res = await postJson("/image", { model: "img-gpt", prompt: "a gradient" });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const { width, height } = imageInfo(bytes);
    const rows = await pngScanlines(bytes);
    expect(rows.length).toBe(height * (1 + width * 3));
    // The simulator paints a gradient to white: the last pixel of a row is white.
    expect([...rows.subarray(width * 3 - 2, width * 3 + 1)]).toEqual([255, 255, 255]);
  });

  it("accepts `inputs` as the prompt on /image, and /v1/image too", async () => {
    const t = tag();
    const res = await postJson("/v1/image", { model: "img-hf", inputs: `a kite ${sim({ tag: t })}` });
    expect(res.status).toBe(200);
    expect(imageInfo(new Uint8Array(await res.arrayBuffer())).format).toBe("jpeg");
    expect((await recorded(t))[0]?.body.inputs).toContain("a kite");
  });

  it("answers response_format url with data URLs of the same bytes", async () => {
    const res = await postJson("/images/generations", { model: "img-hf", prompt: "a kite", size: "256x256", response_format: "url" });
    const body = (await res.json()) as { data: Array<{ url: string; b64_json?: string }> };
    const [, mime, data] = /^data:([^;]+);base64,(.+)$/.exec(body.data[0]!.url)!;
    expect(mime).toBe("image/jpeg");
    expect(body.data[0]!.b64_json).toBeUndefined();
    expect(imageInfo(base64Bytes(data!))).toEqual({ format: "jpeg", width: 256, height: 256 });
  });

  it("returns n images where the API makes several per call", async () => {
    const t = tag();
    const res = await postJson("/v1/images/generations", { model: "img-imagen", prompt: `two cats ${sim({ tag: t })}`, n: 3 });
    const body = (await res.json()) as { data: Array<{ b64_json: string }> };
    expect(body.data.map((d) => imageInfo(base64Bytes(d.b64_json)))).toEqual([square("png"), square("png"), square("png")]);
    expect((await recorded(t))[0]?.body.parameters).toEqual({ sampleCount: 3 });
  });

  it("passes OpenAI's other fields through, and says what DALL-E 3 revised", async () => {
    const t = tag();
    const gpt = await postJson("/v1/images/generations", {
      model: "img-gpt",
      prompt: `a logo ${sim({ tag: t })}`,
      quality: "high",
      output_format: "jpeg",
      background: "opaque",
      user: "u-42",
    });
    const gptBody = (await gpt.json()) as { data: Array<{ b64_json: string }> };
    expect(imageInfo(base64Bytes(gptBody.data[0]!.b64_json)).format).toBe("jpeg");
    expect(withoutPrompt((await recorded(t))[0]!.body)).toEqual({ model: "gpt-image-1", n: 1, quality: "high", output_format: "jpeg", background: "opaque", user: "u-42" });

    const dalle = await postJson("/v1/images/generations", { model: "img-dalle", prompt: "a logo", response_format: "b64_json" });
    const dalleBody = (await dalle.json()) as { data: Array<{ revised_prompt?: string }> };
    expect(dalleBody.data[0]!.revised_prompt).toBe("A vivid rendering of: a logo");
  });

  it("works with the official openai SDK", async () => {
    const client = openaiClient();
    const result = await client.images.generate({ model: "img-gemini", prompt: "a red bicycle", size: "1024x1024" });
    expect(imageInfo(base64Bytes(result.data![0]!.b64_json!))).toEqual(square("png"));
  });
});
