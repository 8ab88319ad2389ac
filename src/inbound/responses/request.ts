/**
 * A Responses request as the internal Chat Completions request, for one kind of target.
 * `instructions` and the conversation (items.ts) become messages; function tools stay
 * functions, a namespace's functions are flattened to `<namespace>__<name>` (the answer
 * maps the calls back, response.ts); hosted tools (web search, file search, computer
 * use...) that no Chat Completions target can run are left out and named in the request
 * log, and a request is refused only when `tool_choice` forces one of them.
 */
import type { Protocol } from "../../config/schema";
import { InvalidRequestError } from "../../errors";
import type { ChatRequest, FunctionTool } from "../../openai/chat-request";
import { flatName, translateItems } from "./items";
import type { FunctionToolParam, InputItem, NamespaceToolParam, ResponsesRequest } from "./schema";

/** A flattened function's name -> where it came from, so calls are answered under their own names. */
export type ToolNames = ReadonlyMap<string, { namespace: string; name: string }>;

export interface Tools {
  tools: FunctionTool[];
  names: ToolNames;
  /** Types of the hosted tools left out. */
  dropped: string[];
}

/** Absent fields stay undefined, which the JSON sent upstream leaves out. */
const functionOf = (t: FunctionToolParam, name = t.name): FunctionTool => ({
  type: "function",
  function: { name, description: t.description ?? undefined, parameters: t.parameters ?? undefined, strict: t.strict ?? undefined },
});

export function toolsOf(body: Pick<ResponsesRequest, "tools">): Tools {
  const out: Tools = { tools: [], names: new Map(), dropped: [] };
  const names = out.names as Map<string, { namespace: string; name: string }>;
  for (const t of body.tools ?? []) {
    if (t.type === "function") out.tools.push(functionOf(t as FunctionToolParam));
    else if (t.type === "namespace") {
      const ns = t as NamespaceToolParam;
      for (const inner of ns.tools) {
        if (inner.type !== "function") {
          out.dropped.push(inner.type);
          continue;
        }
        const fn = inner as FunctionToolParam;
        const flat = flatName(ns.name, fn.name);
        names.set(flat, { namespace: ns.name, name: fn.name });
        out.tools.push(functionOf(fn, flat));
      }
    } else out.dropped.push(t.type);
  }
  return out;
}

/** OpenAI's efforts above `high` have no word in the other APIs. */
const effortOf = (effort: string | null | undefined) => (effort === "xhigh" || effort === "max" ? "high" : (effort ?? undefined));

function toolChoice(body: ResponsesRequest, tools: Tools): ChatRequest["tool_choice"] {
  const choice = body.tool_choice;
  if (!choice || typeof choice === "string") return choice ?? undefined;
  if (choice.type === "allowed_tools") return choice.mode === "required" ? "required" : "auto";
  const name = choice.name ?? "";
  const flat = typeof choice.namespace === "string" ? flatName(choice.namespace, name) : name;
  if (choice.type === "function" && tools.tools.some((t) => t.function.name === flat)) return { type: "function", function: { name: flat } };
  throw new InvalidRequestError(`tool_choice forces the tool ${choice.type === "function" ? name : choice.type}, which this model cannot run.`, { param: "tool_choice" });
}

/** `items` is the whole conversation: stored items of `previous_response_id` first, references resolved. */
export function toChatRequest(body: ResponsesRequest, items: readonly InputItem[], tools: Tools, target: Protocol): ChatRequest {
  const messages = translateItems(items, target !== "openai");
  if (body.instructions) messages.unshift({ role: "system", content: body.instructions });
  if (!messages.length) throw new InvalidRequestError("input is required.", { param: "input" });
  const req: ChatRequest = { messages };
  if (body.model) req.model = body.model;
  if (tools.tools.length) {
    req.tools = tools.tools;
    const choice = toolChoice(body, tools);
    if (choice) req.tool_choice = choice;
    // Gemini cannot be held to one call per turn; the flag is a preference there, not a rule.
    if (typeof body.parallel_tool_calls === "boolean" && (body.parallel_tool_calls || target !== "gemini")) req.parallel_tool_calls = body.parallel_tool_calls;
  } else if (body.tool_choice && typeof body.tool_choice !== "string") toolChoice(body, tools);
  if (body.max_output_tokens) req.max_tokens = body.max_output_tokens;
  if (typeof body.temperature === "number") req.temperature = body.temperature;
  if (typeof body.top_p === "number") req.top_p = body.top_p;
  const effort = effortOf(body.reasoning?.effort);
  if (effort) req.reasoning_effort = effort;
  const format = body.text?.format;
  if (format?.type === "json_schema" && format.schema) {
    req.response_format = { type: "json_schema", json_schema: { name: format.name ?? "output", schema: format.schema, strict: format.strict ?? true } };
  } else if (format?.type === "json_object") req.response_format = { type: "json_object" };
  // Usage comes at the end of a stream only when asked for; response.completed reports it.
  if (body.stream) Object.assign(req, { stream: true, stream_options: { include_usage: true } });
  return req;
}
