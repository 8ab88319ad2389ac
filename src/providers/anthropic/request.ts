/**
 * An OpenAI chat request as a Messages API body. Every parameter is either translated,
 * accepted as a hint with no effect on the answer, or refused with a 400 naming it: a
 * gateway that silently dropped `n: 3` or `logprobs: true` would hand back something
 * other than what was asked for.
 */
import { InvalidRequestError } from "../../errors";
import type { ChatRequest } from "../../openai/chat-request";
import { thinkingBudget } from "../reasoning-budget";
import { translateMessages } from "./messages";
import type { AnthropicMessage, AnthropicTool, AnthropicToolChoice, MessagesRequest } from "./wire";

/**
 * Anthropic requires max_tokens; OpenAI does not. 4096 is the output ceiling of the
 * smallest current Claude models (every model accepts it) and ample for a chat turn.
 * Clients that want longer answers say so with max_completion_tokens / max_tokens.
 */
export const DEFAULT_MAX_TOKENS = 4096;

type Neutral = (value: unknown) => boolean;
const never: Neutral = () => false;
const isZero: Neutral = (v) => v === 0;

/**
 * OpenAI parameters Anthropic cannot honour. A parameter set to its no-op value (n: 1,
 * logprobs: false, penalties of 0) asks for nothing and is accepted. `seed`, `store`,
 * `metadata`, `service_tier`, `stream_options` and the like are accepted and dropped:
 * OpenAI itself documents them as best-effort or as bookkeeping, not as part of the answer.
 */
const UNSUPPORTED: ReadonlyArray<[param: string, neutral: Neutral, why: string]> = [
  ["n", (v) => v === 1, "Anthropic models return one choice per request; n must be 1."],
  ["logprobs", (v) => v === false, "Anthropic models do not return log probabilities."],
  ["top_logprobs", isZero, "Anthropic models do not return log probabilities."],
  ["presence_penalty", isZero, "Anthropic models have no presence penalty."],
  ["frequency_penalty", isZero, "Anthropic models have no frequency penalty."],
  ["logit_bias", (v) => typeof v === "object" && v !== null && Object.keys(v).length === 0, "Anthropic models do not support logit_bias."],
  ["audio", never, "Anthropic models do not produce audio."],
  ["modalities", (v) => Array.isArray(v) && v.every((m) => m === "text"), "Anthropic models answer in text only."],
  ["prediction", never, "Anthropic models do not support predicted outputs."],
  ["web_search_options", never, "web_search_options cannot be translated for Anthropic models."],
  ["functions", never, "Use `tools`; the deprecated `functions` parameter is not translated."],
  ["function_call", never, "Use `tool_choice`; the deprecated `function_call` parameter is not translated."],
];

function rejectUntranslatable(req: ChatRequest): void {
  const body = req as Record<string, unknown>;
  for (const [param, neutral, why] of UNSUPPORTED) {
    const value = body[param];
    if (value !== undefined && value !== null && !neutral(value)) throw new InvalidRequestError(why, { param, code: "unsupported_parameter" });
  }
}

function tools(req: ChatRequest): Pick<MessagesRequest, "tools" | "tool_choice"> {
  if (!req.tools?.length) return {};
  const defs = req.tools.map(({ function: fn }): AnthropicTool => {
    const tool: AnthropicTool = { name: fn.name, input_schema: fn.parameters ?? { type: "object", properties: {} } };
    if (fn.description !== undefined) tool.description = fn.description;
    if (fn.strict === true) tool.strict = true;
    return tool;
  });
  const noParallel = req.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  const choice = req.tool_choice;
  let toolChoice: AnthropicToolChoice | undefined;
  if (choice === "none") toolChoice = { type: "none" };
  else if (choice === "required") toolChoice = { type: "any", ...noParallel };
  else if (typeof choice === "object" && choice) toolChoice = { type: "tool", name: choice.function.name, ...noParallel };
  else if (choice === "auto" || req.parallel_tool_calls === false) toolChoice = { type: "auto", ...noParallel };
  return toolChoice ? { tools: defs, tool_choice: toolChoice } : { tools: defs };
}

/**
 * json_schema maps to structured outputs, which the Messages API has as a GA feature
 * (`output_config.format`, no beta header). There is no schema-less JSON mode, so
 * json_object is refused rather than approximated with a prompt.
 */
function outputConfig(req: ChatRequest): Pick<MessagesRequest, "output_config"> {
  const format = req.response_format;
  if (!format || format.type === "text") return {};
  if (format.type === "json_object") {
    throw new InvalidRequestError(
      "Anthropic models have no schema-less JSON mode; use response_format {type: \"json_schema\"} with a schema.",
      { param: "response_format", code: "unsupported_parameter" },
    );
  }
  if (!format.json_schema.schema) {
    throw new InvalidRequestError("Anthropic structured outputs need response_format.json_schema.schema.", {
      param: "response_format.json_schema.schema",
    });
  }
  return { output_config: { format: { type: "json_schema", schema: format.json_schema.schema } } };
}

/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;

/**
 * With thinking on, Anthropic refuses a tool-use turn that does not open with the thinking
 * block it came with. History from another provider (a fallback, a moved conversation) has
 * none, so such a request is sent without thinking rather than refused.
 */
function canThink(messages: readonly AnthropicMessage[]): boolean {
  const last = messages.findLast((m) => m.role === "assistant");
  if (!last?.content.some((b) => b.type === "tool_use")) return true;
  const first = last.content[0]?.type;
  return first === "thinking" || first === "redacted_thinking";
}

/**
 * reasoning_effort as extended thinking. OpenAI counts reasoning inside the answer's token
 * limit, Anthropic wants max_tokens above the budget: without a client limit the budget is
 * added to the default, with one the budget shrinks to fit under it.
 */
function addThinking(req: ChatRequest, body: MessagesRequest, askedMax: number | null | undefined): void {
  if (req.reasoning_effort == null) return;
  const budget = thinkingBudget(req.reasoning_effort, "Anthropic");
  if (budget === 0 || !canThink(body.messages)) return;
  if (askedMax == null) {
    body.max_tokens = DEFAULT_MAX_TOKENS + budget;
    body.thinking = { type: "enabled", budget_tokens: budget };
    return;
  }
  const fitted = Math.min(budget, askedMax - 1);
  if (fitted < MIN_THINKING_BUDGET) {
    throw new InvalidRequestError(`Anthropic models reason only with max_tokens above ${MIN_THINKING_BUDGET}.`, {
      param: "max_tokens",
      code: "unsupported_value",
    });
  }
  body.thinking = { type: "enabled", budget_tokens: fitted };
}

export function translateRequest(req: ChatRequest, model: string): MessagesRequest {
  rejectUntranslatable(req);
  // OpenAI's 0..2 scale is not Anthropic's 0..1 stretched: 1 means the model's natural
  // sampling on both. Rescaling would change every caller's meaning, and clamping would
  // do so silently, so values above 1 are refused.
  if (req.temperature != null && req.temperature > 1) {
    throw new InvalidRequestError("Anthropic models accept temperature from 0 to 1.", { param: "temperature", code: "unsupported_value" });
  }
  const { system, messages } = translateMessages(req.messages);
  const body: MessagesRequest = {
    model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
    messages,
    ...tools(req),
    ...outputConfig(req),
  };
  if (system !== undefined) body.system = system;
  if (req.temperature != null) body.temperature = req.temperature;
  if (req.top_p != null) body.top_p = req.top_p;
  if (req.top_k != null) body.top_k = req.top_k;
  const stop = typeof req.stop === "string" ? [req.stop] : (req.stop ?? []);
  if (stop.length) body.stop_sequences = stop;
  const user = (req as { user?: unknown }).user;
  if (typeof user === "string" && user !== "") body.metadata = { user_id: user };
  addThinking(req, body, req.max_completion_tokens ?? req.max_tokens);
  if (req.stream) body.stream = true;
  return body;
}
