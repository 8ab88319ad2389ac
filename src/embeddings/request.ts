/**
 * OpenAI's embeddings request, validated at the edge. `input` is checked by hand rather
 * than by a zod union: a union's failure cannot say which item is wrong, and a client
 * sending a thousand texts needs to know it was `input[412]`. Token arrays are accepted
 * here; whether a target can take them is each API's call (api.ts).
 */
import * as z from "zod/mini";
import { InvalidRequestError } from "../errors";

/** OpenAI's own bound on inputs per request. */
export const MAX_INPUTS = 2048;

const nullish = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().check(z.minLength(1)),
  input: z.unknown(),
  encoding_format: nullish(z.enum(["float", "base64"])),
  dimensions: nullish(z.number().check(z.int(), z.positive())),
  user: nullish(z.string()),
});

export type EmbeddingsBody = z.output<typeof embeddingsRequestSchema>;

/** One text, or one text already split into token ids. */
export type EmbeddingInput = string | number[];

export interface EmbeddingRequest {
  readonly inputs: readonly EmbeddingInput[];
  readonly base64: boolean;
  readonly dimensions: number | undefined;
  /** The client's body: OpenAI-compatible upstreams receive what the proxy does not act on as sent. */
  readonly body: EmbeddingsBody;
}

const isTokenId = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const isTokens = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every(isTokenId);

function invalid(param: string, what: string): InvalidRequestError {
  return new InvalidRequestError(`Invalid value for '${param}': ${what}.`, { param, code: "invalid_value" });
}

function inputsOf(input: unknown): EmbeddingInput[] {
  if (typeof input === "string") {
    if (!input) throw invalid("input", "must not be an empty string");
    return [input];
  }
  if (!Array.isArray(input) || input.length === 0) throw invalid("input", "expected a string, an array of strings, or an array of token arrays, not empty");
  if (input.length > MAX_INPUTS) throw invalid("input", `at most ${MAX_INPUTS} inputs per request`);
  if (input.every(isTokenId)) return [input as number[]];
  return input.map((item: unknown, i) => {
    if ((typeof item === "string" && item) || isTokens(item)) return item;
    throw invalid(`input[${i}]`, "expected a non-empty string or a non-empty array of token ids");
  });
}

export function fromEmbeddingsBody(body: EmbeddingsBody): EmbeddingRequest {
  return { inputs: inputsOf(body.input), base64: body.encoding_format === "base64", dimensions: body.dimensions ?? undefined, body };
}
