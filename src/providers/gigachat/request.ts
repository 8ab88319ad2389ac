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

export function gigachatMessages(messages: readonly ChatMessage[]): GigaMessage[] {
  const names = new Map<string, string>();
  const out: GigaMessage[] = [];
  messages.forEach((m, i) => {
    const param = `messages[${i}]`;
    if (m.role === "tool") {
      const name = names.get(m.tool_call_id);
      if (!name) throw new InvalidRequestError(`tool_call_id ${m.tool_call_id} answers no earlier tool call`, { param });
      out.push({ role: "function", name, content: result(text(m.content, param)) });
    } else if (m.role === "assistant" && m.tool_calls?.length) {
      // One call per assistant turn: parallel calls become consecutive turns.
      m.tool_calls.forEach((c, j) => {
        names.set(c.id, c.function.name);
        const content = j === 0 ? text(m.content, param) : "";
        out.push({ role: "assistant", content, function_call: { name: c.function.name, arguments: args(c.function.arguments, `${param}.tool_calls[${j}]`) } });
      });
    } else {
      out.push({ role: m.role === "developer" ? "system" : m.role, content: text(m.content, param) });
    }
  });
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
