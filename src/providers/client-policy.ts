/**
 * What a client may not steer: which upstream model or account serves it, and how much a
 * request may cost past the model's declared caps. Applied per candidate model, before
 * translation:
 * - OpenRouter's routing fields (`models`, `route`, `provider`) would let a client pick
 *   another upstream model or account than the one configured; they are dropped unless
 *   the provider sets `allow_routing_fields: true`;
 * - `n` above the model's `max_choices` (default 1) is refused: each choice is billed;
 * - `max_tokens` / `max_completion_tokens` are lowered to the model's `max_output_tokens`,
 *   and set to it when the client sends neither;
 * - a top-level key that is one of these fields written in other letters (`MODEL`, `N`,
 *   `Max_Tokens`) is refused: Go's JSON decoder, which OpenAI-compatible servers such as
 *   Ollama use, matches keys case-insensitively and lets the last win, so it would read
 *   the client's value in place of the proxy's.
 */
import type { ResolvedModel } from "../config/catalog";
import { InvalidRequestError } from "../errors";
import type { ChatRequest } from "../openai/chat-request";

const ROUTING_FIELDS = ["models", "route", "provider"] as const;
const STEERED = new Set<string>(["model", "n", "max_tokens", "max_completion_tokens", ...ROUTING_FIELDS]);

/** Go folds case the Unicode way: `ſ` matches `s` and the Kelvin sign `k`, as upper-then-lower case does. */
function refuseCaseVariants(req: ChatRequest): void {
  for (const key of Object.keys(req)) {
    const folded = key.toUpperCase().toLowerCase();
    if (folded !== key && STEERED.has(folded)) {
      throw new InvalidRequestError(`Unknown field '${key}': field names are case-sensitive; use '${folded}'.`, { param: key, code: "invalid_field" });
    }
  }
}

export function applyClientPolicy(req: ChatRequest, model: ResolvedModel): ChatRequest {
  refuseCaseVariants(req);
  let out: ChatRequest = req;
  const edit = (): ChatRequest => (out === req ? (out = { ...req }) : out);

  if (model.providerConfig.allow_routing_fields !== true) {
    for (const field of ROUTING_FIELDS) if (field in req) delete edit()[field];
  }

  const maxChoices = model.max_choices ?? 1;
  if ((req.n ?? 1) > maxChoices) {
    throw new InvalidRequestError(
      `The model '${model.name}' gives at most ${maxChoices} choice${maxChoices === 1 ? "" : "s"} per request; lower 'n'.`,
      { param: "n", code: "invalid_value" },
    );
  }

  const cap = model.max_output_tokens;
  if (cap !== undefined) {
    if (req.max_tokens != null && req.max_tokens > cap) edit().max_tokens = cap;
    if (req.max_completion_tokens != null && req.max_completion_tokens > cap) edit().max_completion_tokens = cap;
    if (req.max_tokens == null && req.max_completion_tokens == null) edit().max_tokens = cap;
  }
  return out;
}
