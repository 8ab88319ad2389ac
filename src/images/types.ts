/**
 * The contract every image protocol implements, mirroring the chat adapters: a protocol
 * only translates (builds the upstream request, reads images out of the answer). Fetching,
 * timeouts, error classification and checking the bytes are shared (call.ts); choosing the
 * model is routing's job.
 */
import type { ResolvedModel } from "../config/catalog";
import type { UpstreamHttpRequest, UpstreamTarget } from "../providers/types";

/** A requested size, parsed from OpenAI's `WxH`. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** What both image endpoints ask for, once validated. */
export interface ImageRequest {
  readonly prompt: string;
  readonly n: number;
  /** Undefined for `auto` or no size: the provider's default. */
  readonly size: ImageSize | undefined;
  readonly quality: string | undefined;
  /**
   * The client's other fields (style, background, output_format, user...), which only
   * OpenAI-shaped upstreams understand and receive as sent.
   */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** One image, checked: real bytes of a known type. */
export interface GeneratedImage {
  readonly bytes: Uint8Array;
  readonly mimeType: string;
  readonly revisedPrompt?: string;
}

/** A 2xx upstream answer, read whole. */
export interface UpstreamBody {
  readonly contentType: string;
  readonly bytes: Uint8Array;
  /** The body as JSON; throws UpstreamBadResponseError when it is not. */
  json(): unknown;
}

export interface ParsedImages {
  readonly images: GeneratedImage[];
  /** Tokens the provider reports having used, when it does. */
  readonly totalTokens?: number;
}

export interface ImageProtocol {
  /** Most images one upstream call can return for this model. */
  maxImages(model: ResolvedModel): number;
  /** Throws InvalidRequestError for what the protocol cannot express. */
  buildRequest(req: ImageRequest, target: UpstreamTarget): UpstreamHttpRequest;
  /** Throws UpstreamBadResponseError when the answer holds no usable image. */
  parseResponse(body: UpstreamBody, provider: string): ParsedImages;
}

/** The provider's credential is added when the request is sent (providers/credentials.ts). */
export function jsonHeaders(target: UpstreamTarget): Record<string, string> {
  return { "content-type": "application/json", ...target.model.providerConfig.headers };
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
