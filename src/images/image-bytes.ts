/**
 * Bytes in, trusted image out. Providers hand images back as base64, data URLs or raw
 * bodies, and a 200 can still carry a JSON error or a truncated file; the only reliable
 * test is the file's own signature. The media type is taken from the bytes, never from
 * what the provider claimed, so `Content-Type` and data URLs are always right; a file that
 * does not end as its format requires was cut off and is refused too.
 */
import { UpstreamBadResponseError } from "../errors";
import type { GeneratedImage } from "./types";

/** Smaller than any real generated image: what is below is an error payload or a stub. */
export const MIN_IMAGE_BYTES = 64;

const SIGNATURES: ReadonlyArray<{ mimeType: string; test: (b: Uint8Array) => boolean }> = [
  { mimeType: "image/png", test: (b) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v) },
  { mimeType: "image/jpeg", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mimeType: "image/webp", test: (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP" },
  { mimeType: "image/gif", test: (b) => ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a" },
];

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/** Whether the file ends as its format requires: a cut-off download or stream fails here. */
function complete(bytes: Uint8Array, mimeType: string): boolean {
  const n = bytes.length;
  switch (mimeType) {
    case "image/png":
      return ascii(bytes, n - 8, n - 4) === "IEND";
    case "image/jpeg":
      // Some encoders pad after the end-of-image marker; it must be near the end all the same.
      return bytes.subarray(Math.max(0, n - 64)).some((b, i, tail) => b === 0xff && tail[i + 1] === 0xd9);
    case "image/webp":
      return new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true) + 8 <= n;
    default:
      return bytes[n - 1] === 0x3b;
  }
}

/** The image type the bytes announce, or undefined when they are no image we know. */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  return SIGNATURES.find((s) => s.test(bytes))?.mimeType;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Standard or URL-safe base64, whitespace tolerated; undefined when it is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, "");
  if (!BASE64.test(clean)) return undefined;
  try {
    const binary = atob(clean.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

export function encodeBase64(bytes: Uint8Array): string {
  // Chunked: spreading megabytes into one fromCharCode call overflows the stack.
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Checks decoded bytes are a whole-enough image of a known type; anything else is the provider's failure. */
export function toImage(provider: string, bytes: Uint8Array | undefined, revisedPrompt?: string): GeneratedImage {
  if (!bytes || bytes.length === 0) throw new UpstreamBadResponseError(provider, "an empty image");
  const mimeType = sniffImageType(bytes);
  if (!mimeType) throw new UpstreamBadResponseError(provider, "image data that is not a PNG, JPEG, WebP or GIF file");
  if (bytes.length < MIN_IMAGE_BYTES) throw new UpstreamBadResponseError(provider, `an image of only ${bytes.length} bytes`);
  if (!complete(bytes, mimeType)) throw new UpstreamBadResponseError(provider, `a truncated ${mimeType.slice(6).toUpperCase()} file`);
  return revisedPrompt ? { bytes, mimeType, revisedPrompt } : { bytes, mimeType };
}

export function imageFromBase64(provider: string, data: unknown, revisedPrompt?: string): GeneratedImage {
  if (typeof data !== "string") throw new UpstreamBadResponseError(provider, "image data that is not a string");
  return toImage(provider, decodeBase64(data), revisedPrompt);
}

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*?);base64,(.*)$/s;

/** `data:image/png;base64,...` as chat-based providers return it. */
export function imageFromDataUrl(provider: string, url: unknown): GeneratedImage {
  const match = typeof url === "string" ? DATA_URL.exec(url) : null;
  if (!match) throw new UpstreamBadResponseError(provider, "an image that is not a base64 data URL");
  return toImage(provider, decodeBase64(match[3]!));
}

export function dataUrl(image: GeneratedImage): string {
  return `data:${image.mimeType};base64,${encodeBase64(image.bytes)}`;
}
