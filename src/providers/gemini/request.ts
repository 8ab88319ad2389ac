/**
 * The whole OpenAI chat request -> a Gemini generateContent body: messages (messages.ts),
 * tools and tool_choice, response_format and the sampling parameters. The request schema
 * lets unknown fields through for OpenAI-compatible upstreams; here every field that would
 * change the answer must either be translated or refused with a 400 naming it, because a
 * silently ignored parameter is a wrong answer the client cannot detect.
 */
import { InvalidRequestError } from "../../errors";
import type { ChatRequest } from "../../openai/chat-request";
import { thinkingBudget } from "../reasoning-budget";
import { translateMessages } from "./messages";
import type { GeminiGenerationConfig, GeminiRequest } from "./wire";
import { isObject } from "./wire";

const present = (value: unknown) => value !== undefined && value !== null;

function reject(param: string, why: string): never {
  throw new InvalidRequestError(`The parameter ${param} is not supported for Gemini models: ${why}.`, { param });
}

/** Fields Gemini has no equivalent for, refused unless set to their no-op value. */
function rejectUntranslatable(req: ChatRequest): void {
  if (req.logprobs === true) reject("logprobs", "log probabilities are not translated");
  if (present(req.top_logprobs)) reject("top_logprobs", "log probabilities are not translated");
  if (isObject(req.logit_bias) && Object.keys(req.logit_bias).length > 0) reject("logit_bias", "Gemini has no token biasing");
  if (present(req.audio)) reject("audio", "audio output is not available through this endpoint");
  if (Array.isArray(req.modalities) && req.modalities.some((m) => m !== "text")) reject("modalities", "only text output is available");
  if (present(req.prediction)) reject("prediction", "Gemini has no predicted outputs");
  if (present(req.web_search_options)) reject("web_search_options", "web search is not translated");
  if (present(req.functions)) reject("functions", "use tools instead");
  if (present(req.function_call)) reject("function_call", "use tool_choice instead");
  if (present(req.verbosity)) reject("verbosity", "Gemini has no verbosity control");
  // Gemini may always call several functions at once; there is no switch to prevent it.
  if (req.parallel_tool_calls === false) reject("parallel_tool_calls", "Gemini cannot be limited to one call per turn");
}

function numberParam(req: ChatRequest, name: "seed" | "presence_penalty" | "frequency_penalty"): number | undefined {
  const value = req[name];
  if (!present(value)) return undefined;
  const ok = typeof value === "number" && Number.isFinite(value) && (name !== "seed" || Number.isInteger(value));
  if (!ok || (name !== "seed" && Math.abs(value) > 2)) {
    throw new InvalidRequestError(`${name} must be ${name === "seed" ? "an integer" : "a number between -2 and 2"}.`, { param: name });
  }
  return value;
}

function generationConfig(req: ChatRequest): GeminiGenerationConfig | undefined {
  const config: GeminiGenerationConfig = {};
  if (req.temperature != null) config.temperature = req.temperature;
  if (req.top_p != null) config.topP = req.top_p;
  if (req.top_k != null) config.topK = req.top_k;
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (req.stop != null) config.stopSequences = typeof req.stop === "string" ? [req.stop] : [...req.stop];
  if (req.n != null && req.n !== 1) config.candidateCount = req.n;
  const seed = numberParam(req, "seed");
  if (seed !== undefined) config.seed = seed;
  const presence = numberParam(req, "presence_penalty");
  if (presence !== undefined) config.presencePenalty = presence;
  const frequency = numberParam(req, "frequency_penalty");
  if (frequency !== undefined) config.frequencyPenalty = frequency;

  const format = req.response_format;
  if (format?.type === "json_object") config.responseMimeType = "application/json";
  if (format?.type === "json_schema") {
    config.responseMimeType = "application/json";
    // responseJsonSchema takes JSON Schema as written; responseSchema would need it cut down to OpenAPI.
    if (format.json_schema.schema) config.responseJsonSchema = format.json_schema.schema;
  }

  if (present(req.reasoning_effort)) {
    const budget = thinkingBudget(req.reasoning_effort, "Gemini");
    // Thought summaries come back only when asked for; they become reasoning_content.
    config.thinkingConfig = budget > 0 ? { thinkingBudget: budget, includeThoughts: true } : { thinkingBudget: 0 };
  }
  return Object.keys(config).length > 0 ? config : undefined;
}

function toolFields(req: ChatRequest): Pick<GeminiRequest, "tools" | "toolConfig"> {
  const tools = req.tools ?? [];
  const choice = req.tool_choice;
  if (tools.length === 0) {
    if (present(choice) && choice !== "none") throw new InvalidRequestError("tool_choice needs tools.", { param: "tool_choice" });
    return {};
  }
  const functionDeclarations = tools.map(({ function: fn }) => ({
    name: fn.name,
    ...(fn.description === undefined ? {} : { description: fn.description }),
    // parametersJsonSchema accepts JSON Schema as OpenAI clients write it (additionalProperties,
    // $defs, anyOf...), where `parameters` only takes Gemini's OpenAPI subset.
    ...(fn.parameters === undefined ? {} : { parametersJsonSchema: fn.parameters }),
  }));
  const out: Pick<GeminiRequest, "tools" | "toolConfig"> = { tools: [{ functionDeclarations }] };
  if (choice == null) return out;
  if (choice === "none") out.toolConfig = { functionCallingConfig: { mode: "NONE" } };
  else if (choice === "auto") out.toolConfig = { functionCallingConfig: { mode: "AUTO" } };
  else if (choice === "required") out.toolConfig = { functionCallingConfig: { mode: "ANY" } };
  else {
    const name = choice.function.name;
    if (!tools.some((t) => t.function.name === name)) {
      throw new InvalidRequestError(`tool_choice names ${JSON.stringify(name)}, which is not among the tools.`, { param: "tool_choice" });
    }
    out.toolConfig = { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [name] } };
  }
  return out;
}

export function buildGeminiRequest(req: ChatRequest): GeminiRequest {
  rejectUntranslatable(req);
  const { systemInstruction, contents } = translateMessages(req.messages);
  const body: GeminiRequest = { contents };
  if (systemInstruction) body.systemInstruction = systemInstruction;
  Object.assign(body, toolFields(req));
  const config = generationConfig(req);
  if (config) body.generationConfig = config;
  return body;
}
