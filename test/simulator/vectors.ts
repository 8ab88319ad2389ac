/**
 * The simulator's deterministic embeddings: the same text (or token ids) always gives the
 * same unit vector, whichever upstream shape serves it, so tests can check that every
 * vector came back at its input's index. Values are float32, so a vector sent as numbers
 * and one sent as base64 are the same vector. No Node imports: workerd tests use it too.
 */
export const DEFAULT_DIMENSIONS = 8;

export function simVector(input: string | readonly number[], dimensions = DEFAULT_DIMENSIONS): number[] {
  const text = typeof input === "string" ? input : input.join(",");
  // FNV-1a seeds a small PRNG (mulberry32).
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193);
  const values: number[] = [];
  for (let i = 0; i < dimensions; i++) {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values.push((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1);
  }
  const norm = Math.hypot(...values) || 1;
  return values.map((v) => Math.fround(v / norm));
}

/** The dimensions an upstream model id implies: `...-16d` has 16, others the default. */
export function dimensionsOf(model: string): number {
  const match = /-(\d+)d(?:$|[-/:@.])/.exec(model);
  return match ? Number(match[1]) : DEFAULT_DIMENSIONS;
}

/** Little-endian float32 bytes in base64, as OpenAI sends `encoding_format: "base64"`. */
export function base64Of(vector: readonly number[]): string {
  const bytes = new Uint8Array(Float32Array.from(vector).buffer);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
