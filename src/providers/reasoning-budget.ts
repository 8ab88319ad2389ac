/**
 * OpenAI's `reasoning_effort` as a thinking budget in tokens, for the protocols that size
 * thinking by budget (Anthropic `thinking.budget_tokens`, Gemini `thinkingBudget`). The
 * figures are the ones Google's own OpenAI-compatible endpoint uses; "minimal" gets the
 * smallest budget that still thinks, "none" turns thinking off.
 */
import { InvalidRequestError } from "../errors";

const BUDGET: Record<string, number> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576 };

/** The budget for an effort; a 400 naming reasoning_effort for a value no protocol knows. */
export function thinkingBudget(effort: unknown, target: string): number {
  const budget = typeof effort === "string" ? BUDGET[effort] : undefined;
  if (budget === undefined) {
    throw new InvalidRequestError(`${target} models take reasoning_effort ${Object.keys(BUDGET).join(", ")}.`, {
      param: "reasoning_effort",
    });
  }
  return budget;
}
