/**
 * The two image request shapes clients send, validated at the edge with zod/mini:
 * OpenAI's `POST /v1/images/generations`, and the legacy `POST /image` (`{model?, prompt}`,
 * `inputs` being Hugging Face's name for the prompt). Both become one ImageRequest.
 */
import * as z from "zod/mini";
import { InvalidRequestError } from "../errors";
import type { ImageRequest, ImageSize } from "./types";

/** gpt-image's limit, the longest any provider takes; shorter limits are the provider's to enforce. */
export const MAX_PROMPT_CHARS = 32_000;
/** OpenAI's own bound on `n`. */
export const MAX_IMAGES = 10;

const nullish = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));

const prompt = z.string().check(z.minLength(1), z.maxLength(MAX_PROMPT_CHARS));
const size = z.string().check(z.regex(/^(auto|[1-9]\d{1,3}x[1-9]\d{1,3})$/));

export const imageGenerationSchema = z.looseObject({
  model: z.optional(z.string().check(z.minLength(1))),
  prompt,
  n: nullish(z.number().check(z.int(), z.gte(1), z.lte(MAX_IMAGES))),
  size: nullish(size),
  quality: nullish(z.enum(["auto", "standard", "hd", "low", "medium", "high"])),
  response_format: nullish(z.enum(["b64_json", "url"])),
  stream: nullish(z.boolean()),
});

export const legacyImageSchema = z.looseObject({
  model: z.optional(z.string().check(z.minLength(1))),
  prompt: z.optional(prompt),
  inputs: z.optional(prompt),
});

export type ImageGenerationBody = z.output<typeof imageGenerationSchema>;
export type LegacyImageBody = z.output<typeof legacyImageSchema>;

/** Fields the proxy acts on; everything else is passed to OpenAI-shaped upstreams as sent. */
const HANDLED = new Set(["model", "prompt", "n", "size", "quality", "response_format", "stream"]);

function parseSize(text: string | null | undefined): ImageSize | undefined {
  const match = text ? /^(\d+)x(\d+)$/.exec(text) : null;
  return match ? { width: Number(match[1]), height: Number(match[2]) } : undefined;
}

export function fromGenerationBody(body: ImageGenerationBody): ImageRequest {
  if (body.stream) throw new InvalidRequestError("Streamed image generation is not supported; leave 'stream' unset.", { param: "stream", code: "unsupported_parameter" });
  const extra = Object.fromEntries(Object.entries(body).filter(([key]) => !HANDLED.has(key)));
  return { prompt: body.prompt, n: body.n ?? 1, size: parseSize(body.size), quality: body.quality ?? undefined, extra };
}

export function fromLegacyBody(body: LegacyImageBody): ImageRequest {
  const text = body.prompt ?? body.inputs;
  if (text === undefined) throw new InvalidRequestError("Invalid value for 'prompt': is required.", { param: "prompt", code: "invalid_value" });
  return { prompt: text, n: 1, size: undefined, quality: undefined, extra: {} };
}
