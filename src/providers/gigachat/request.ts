/**
 * An OpenAI chat request -> GigaChat's chat body. GigaChat speaks the pre-`tools` dialect:
 * `functions` and `function_call`, one call per assistant turn with its arguments as an
 * object, and results as `role: "function"` messages named after the function. Content is
 * text only (images go through GigaChat's file upload, which the proxy does not do).
 */
import { InvalidRequestError } from "../../errors";
import type { ChatMessage, ChatRequest } from "../../openai/chat-request";

type GigaMessage = { role: string; content: string; name?: string; function_call?: { name: string; arguments: unknown } };

function text(content: ChatMessage["content"], param: string): string {
  if (typeof content === "string" || content == null) return content ?? "";
  return content
    .map((part) => {
      if (part.type === "text") return part.text;
      throw new InvalidRequestError(`GigaChat models take text only, not ${part.type} parts`, { param });
    })
    .join("");
}

function args(raw: string, param: string): unknown {
  try {
    return JSON.parse(raw || "{}");
  } catch {
    throw new InvalidRequestError("tool call arguments must be JSON", { param });
  }
}

/** GigaChat wants a function's result as JSON; plain text is wrapped as `{"result": …}`. */
function result(content: string): string {
  try {
    JSON.parse(content);
    return content;
  } catch {
    return JSON.stringify({ result: content });
  }
}

type Assistant = Extract<ChatMessage, { role: "assistant" }>;
type Tool = Extract<ChatMessage, { role: "tool" }>;

/**
 * GigaChat takes one call per assistant turn, each answered by its function message: a
 * turn of parallel calls and the tool results after it become call, result, call, result.
 */
function callTurns(m: Assistant, i: number, results: Map<string, [Tool, number]>, out: GigaMessage[]): void {
  m.tool_calls!.forEach((c, j) => {
    const content = j === 0 ? text(m.content, `messages[${i}]`) : "";
    out.push({ role: "assistant", content, function_call: { name: c.function.name, arguments: args(c.function.arguments, `messages[${i}].tool_calls[${j}]`) } });
    const answer = results.get(c.id);
    results.delete(c.id);
    if (answer) out.push({ role: "function", name: c.function.name, content: result(text(answer[0].content, `messages[${answer[1]}]`)) });
  });
}

export function gigachatMessages(messages: readonly ChatMessage[]): GigaMessage[] {
  const out: GigaMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role === "assistant" && m.tool_calls?.length) {
      const at = i;
      const results = new Map<string, [Tool, number]>();
      for (let next = messages[i + 1]; next?.role === "tool"; next = messages[i + 1]) results.set(next.tool_call_id, [next, ++i]);
      callTurns(m, at, results, out);
      const stray = results.values().next().value;
      if (stray) throw new InvalidRequestError(`tool_call_id ${stray[0].tool_call_id} answers no call of the assistant turn before it`, { param: `messages[${stray[1]}]` });
    } else if (m.role === "tool") {
      throw new InvalidRequestError(`tool_call_id ${m.tool_call_id} answers no call of the assistant turn before it`, { param: `messages[${i}]` });
    } else {
      out.push({ role: m.role === "developer" ? "system" : m.role, content: text(m.content, `messages[${i}]`) });
    }
  }
  return out;
}

function functionCall(req: ChatRequest): unknown {
  const choice = req.tool_choice;
  if (choice == null || choice === "auto" || choice === "none") return choice ?? undefined;
  if (typeof choice === "object") return { name: choice.function.name };
  // "required": GigaChat can only be made to call a named function.
  return req.tools?.length === 1 ? { name: req.tools[0]!.function.name } : "auto";
}

export function buildGigachatRequest(req: ChatRequest, model: string): Record<string, unknown> {
  // Silently dropping these would change what the client gets; `stop` only trims, so it is dropped.
  if (req.n != null && req.n !== 1) throw new InvalidRequestError("GigaChat models give one choice: n must be 1", { param: "n", code: "unsupported_parameter" });
  if (req.response_format && req.response_format.type !== "text") {
    throw new InvalidRequestError("GigaChat models have no JSON mode or structured outputs", { param: "response_format", code: "unsupported_parameter" });
  }
  const body: Record<string, unknown> = { model, messages: gigachatMessages(req.messages) };
  if (req.stream) body.stream = true;
  if (req.temperature != null) body.temperature = req.temperature;
  if (req.top_p != null) body.top_p = req.top_p;
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (max != null) body.max_tokens = max;
  if (req.tools?.length) {
    body.functions = req.tools.map(({ function: f }) => ({ name: f.name, description: f.description ?? "", parameters: f.parameters ?? { type: "object", properties: {} } }));
    const call = functionCall(req);
    if (call !== undefined) body.function_call = call;
  }
  return body;
}
