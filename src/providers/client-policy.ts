/**
 * What a client may not steer: which upstream model or account serves it, and how much a
 * request may cost past the model's declared caps. Applied per candidate model, before
 * translation:
 * - OpenRouter's routing fields (`models`, `route`, `provider`) would let a client pick
 *   another upstream model or account than the one configured; they are dropped unless
 *   the provider sets `allow_routing_fields: true`;
 * - `n` above the model's `max_choices` (default 1) is refused: each choice is billed;
 * - `max_tokens` / `max_completion_tokens` are lowered to the model's `max_output_tokens`,
 *   and set to it when the client sends neither.
 */
import type { ResolvedModel } from "../config/catalog";
import { InvalidRequestError } from "../errors";
import type { ChatRequest } from "../openai/chat-request";

const ROUTING_FIELDS = ["models", "route", "provider"] as const;

export function applyClientPolicy(req: ChatRequest, model: ResolvedModel): ChatRequest {
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
