/**
 * What makes an embeddings answer honest, and the two ways a vector is written back. An
 * answer with a vector missing, or one of the wrong length, would silently corrupt a
 * client's index, so it is the provider's failure (retried, fallen back from, at worst
 * a 502), never a 200. Vectors arrive as JSON numbers, or as base64 float32 from an
 * OpenAI-compatible upstream asked for base64; each is converted only when the client
 * asked for the other form.
 */
import { UpstreamBadResponseError } from "../errors";
import { decodeBase64, encodeBase64 } from "../images/image-bytes";

/** Numbers, or base64 of little-endian float32, as OpenAI's `encoding_format` names them. */
export type Vector = number[] | string;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** How many numbers a vector holds, or undefined when it is neither form. */
function lengthOf(v: unknown): number | undefined {
  if (Array.isArray(v)) return v.every((n) => typeof n === "number") ? v.length : undefined;
  if (typeof v !== "string" || v.length % 4 !== 0 || !BASE64.test(v)) return undefined;
  const bytes = (v.length / 4) * 3 - (v.endsWith("==") ? 2 : v.endsWith("=") ? 1 : 0);
  return bytes % 4 === 0 ? bytes / 4 : undefined;
}

/**
 * The answer's vectors, if there is one per input and each has `dimensions` numbers (or,
 * when no length is known, all the same length); otherwise the provider failed.
 */
export function checkVectors(provider: string, vectors: unknown[] | undefined, count: number, dimensions: number | undefined): Vector[] {
  if (!vectors) throw new UpstreamBadResponseError(provider, "no embeddings");
  if (vectors.length !== count) throw new UpstreamBadResponseError(provider, `${vectors.length} embeddings for ${count} inputs`);
  let expected = dimensions;
  for (const v of vectors) {
    const length = lengthOf(v);
    if (length === undefined || length === 0) throw new UpstreamBadResponseError(provider, "an embedding that is not a list of numbers");
    expected ??= length;
    if (length !== expected) throw new UpstreamBadResponseError(provider, `an embedding of ${length} dimensions where ${expected} were expected`);
  }
  return vectors as Vector[];
}

export function vectorLength(v: Vector): number {
  return lengthOf(v) ?? 0;
}

/** The vector in the form the client asked for. */
export function encodeVector(v: Vector, base64: boolean): Vector {
  if (typeof v === "string") return base64 ? v : Array.from(new Float32Array(decodeBase64(v)!.buffer));
  return base64 ? encodeBase64(new Uint8Array(Float32Array.from(v).buffer)) : v;
}
