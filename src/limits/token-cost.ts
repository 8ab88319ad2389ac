/**
 * What a request will probably cost in tokens, before any provider has counted it. Token
 * limits can only hold if each request reserves its likely cost before the call: its
 * input estimate, corrected by how the model's provider actually counted earlier inputs,
 * plus the expected output, which is the request's own `max_tokens` when smaller than the
 * model's running average of output tokens. The limiter learns both figures from settled
 * answers; the isolate applies the same rule to slots it holds, so both agree.
 */

export interface TokenCost {
  /** Running average of reported input tokens over the input estimate; null until measured. */
  inputRatio: number | null;
  /** Running average of reported output tokens; null until measured. */
  outputTokens: number | null;
}

export interface CostSample {
  /** The input estimate the request reserved with. */
  estimatedInput: number;
  /** Input tokens the upstream reported (absent when it reported none). */
  inputTokens?: number;
  outputTokens?: number;
}

const WEIGHT = 0.2;
/** A provider's tokenizer may count very differently from four characters a token, but not wildly. */
const MIN_RATIO = 0.1;
const MAX_RATIO = 10;

export const unknownCost = (): TokenCost => ({ inputRatio: null, outputTokens: null });

/** Tokens to reserve for a request of `estimatedInput` tokens that may write up to `maxOutputTokens`. */
export function reservationFor(estimatedInput: number, maxOutputTokens: number | undefined, cost: TokenCost): number {
  // Rounded up, but not for a product that misses a whole number by a rounding error.
  const up = (x: number) => Math.ceil(x - 1e-9);
  const input = up(estimatedInput * (cost.inputRatio ?? 1));
  const output = Math.min(maxOutputTokens ?? Number.POSITIVE_INFINITY, cost.outputTokens ?? 0);
  return Math.max(1, input + up(output));
}

const mix = (old: number | null, sample: number) => (old === null ? sample : old + WEIGHT * (sample - old));

/** Folds one answer's reported usage into the running averages. */
export function learnCost(cost: TokenCost, s: CostSample): void {
  if (s.outputTokens !== undefined && Number.isFinite(s.outputTokens) && s.outputTokens >= 0) cost.outputTokens = mix(cost.outputTokens, s.outputTokens);
  if (s.inputTokens !== undefined && Number.isFinite(s.inputTokens) && s.inputTokens >= 0 && s.estimatedInput > 0) {
    const ratio = Math.min(MAX_RATIO, Math.max(MIN_RATIO, s.inputTokens / s.estimatedInput));
    cost.inputRatio = mix(cost.inputRatio, ratio);
  }
}
