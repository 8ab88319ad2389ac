/**
 * A Messages request as the internal Chat Completions request, for one kind of target.
 * OpenAI-compatible targets receive the internal body as it is, so theirs holds only what
 * Chat Completions servers take; Anthropic and Gemini targets translate it again and
 * get more (`top_k`, `cache_control`, signatures, the user id). Fields no target can act
 * on (`context_management`, betas' extras, server tools) are left out, never refused.
 */
import type { Protocol } from "../../config/schema";
import type { ChatMessage, ChatRequest, FunctionTool } from "../../openai/chat-request";
import { textPart, translateMessages } from "./content";
import type { CountTokensRequest, MessagesRequest, ToolParam } from "./schema";

/** Both routes' bodies: count_tokens lacks the sampling fields. */
type Body = CountTokensRequest & Partial<Pick<MessagesRequest, "max_tokens" | "stop_sequences" | "temperature" | "top_p" | "top_k" | "stream">>;

/** A thinking budget as the effort OpenAI-style APIs take, and back again (reasoning-budget.ts). */
function effortOfBudget(budget: number | undefined): string {
  if (budget === undefined || budget >= 16_384) return "high";
  return budget >= 4_096 ? "medium" : "low";
}

const EFFORTS = new Set(["minimal", "low", "medium", "high"]);

/** `thinking` (and adaptive thinking's `output_config.effort`) as reasoning_effort. */
function reasoningEffort(body: Body): string | undefined {
  const thinking = body.thinking;
  if (thinking?.type === "enabled") return effortOfBudget(thinking.budget_tokens);
  if (thinking?.type !== "adaptive") return undefined;
  const effort = body.output_config?.effort;
  // Anthropic's adaptive default is high, and "max" has no OpenAI word above high.
  return effort !== undefined && EFFORTS.has(effort) ? effort : "high";
}

function system(body: Body, rich: boolean): ChatMessage[] {
  const { system } = body;
  if (system === undefined || system === "" || (Array.isArray(system) && system.length === 0)) return [];
  if (typeof system === "string") return [{ role: "system", content: system }];
  return [{ role: "system", content: system.map((b) => textPart(b.text, b, rich)) }];
}

/** Client tools as functions; server tools (versioned `type`) only Anthropic runs, so they are left out. */
function tools(list: readonly ToolParam[]): FunctionTool[] {
  return list.flatMap((t): FunctionTool[] => {
    if ((t.type !== undefined && t.type !== "custom") || !t.input_schema) return [];
    // `$schema` annotates, and some JSON-Schema dialect checkers upstream refuse it.
    const { $schema: _, ...parameters } = t.input_schema;
    return [{ type: "function", function: { name: t.name, ...(t.description === undefined ? {} : { description: t.description }), parameters } }];
  });
}

function toolFields(body: Body, target: Protocol): Pick<ChatRequest, "tools" | "tool_choice" | "parallel_tool_calls"> {
  const defs = tools(body.tools ?? []);
  if (!defs.length) return {};
  const choice = body.tool_choice;
  const out: Pick<ChatRequest, "tools" | "tool_choice" | "parallel_tool_calls"> = { tools: defs };
  if (choice?.type === "auto") out.tool_choice = "auto";
  else if (choice?.type === "any") out.tool_choice = "required";
  else if (choice?.type === "none") out.tool_choice = "none";
  else if (choice?.type === "tool") out.tool_choice = { type: "function", function: { name: choice.name ?? "" } };
  // Gemini cannot be held to one call per turn; the flag is a preference there, not a rule.
  if (choice?.disable_parallel_tool_use === true && target !== "gemini") out.parallel_tool_calls = false;
  return out;
}

export function toChatRequest(body: Body, target: Protocol): ChatRequest {
  const rich = target !== "openai";
  const req: ChatRequest = {
    model: body.model,
    messages: [...system(body, rich), ...translateMessages(body.messages, rich)],
    ...toolFields(body, target),
  };
  if (body.max_tokens !== undefined) req.max_tokens = body.max_tokens;
  if (body.stop_sequences?.length) req.stop = body.stop_sequences;
  if (body.temperature !== undefined) req.temperature = body.temperature;
  if (body.top_p !== undefined) req.top_p = body.top_p;
  if (rich && body.top_k !== undefined) req.top_k = body.top_k;
  const effort = reasoningEffort(body);
  if (effort) req.reasoning_effort = effort;
  const format = body.output_config?.format;
  if (format?.type === "json_schema" && format.schema) {
    req.response_format = { type: "json_schema", json_schema: { name: "output", schema: format.schema, strict: true } };
  }
  const user = body.metadata?.user_id;
  if (rich && user) req.user = user;
  // Usage comes at the end of a stream only when asked for; message_delta reports it.
  if (body.stream) Object.assign(req, { stream: true, stream_options: { include_usage: true } });
  return req;
}
