/**
 * GigaChat's chat API as the simulator speaks it, under /gigachat/api/v1 (behind the
 * token guard in oauth.ts): `functions` and `function_call`, never `tools` (a 422, as
 * GigaChat answers), one function call per answer with its arguments as an object,
 * `role: "function"` results that follow their call and hold JSON, errors as `{status, message}`,
 * and a stream of `object: "chat.completion"` chunks where a function call arrives whole
 * in one delta, finish reason and usage on the last chunk, then `data: [DONE]`.
 * `GET /models` lists its models. A request whose last message is a function result is
 * answered with text that quotes it, so a tool round trip is visible to the test.
 */
import type { ServerResponse } from "node:http";
import type { ProtocolHandler } from "./server";
import { chunkText, collectTexts, countTokens, type Directive, replyText } from "./directive";
import { sendJson } from "./openai";
import { dataFrame, startSse, writeFrames } from "./sse";

type Message = { role?: unknown; content?: unknown; name?: unknown; function_call?: { name?: unknown; arguments?: unknown } };

const MODELS = ["GigaChat", "GigaChat-Pro", "GigaChat-Max"];
const unprocessable = (res: ServerResponse, message: string) => sendJson(res, 422, { status: 422, message });

/** What real GigaChat refuses; undefined when the body is one it takes. */
function refusal(body: Record<string, unknown>): string | undefined {
  if ("tools" in body || "tool_choice" in body) return "Unknown fields: tools, tool_choice. Use functions and function_call";
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return "messages: field required";
  for (const [i, m] of (messages as Message[]).entries()) {
    if (!["system", "user", "assistant", "function"].includes(String(m.role))) return `messages[${i}].role: unexpected value ${String(m.role)}`;
    if (typeof m.content !== "string") return `messages[${i}].content: str type expected`;
    if (m.function_call && (typeof m.function_call.arguments !== "object" || m.function_call.arguments === null)) return `messages[${i}].function_call.arguments: dict type expected`;
    if (m.role === "function") {
      if (typeof m.name !== "string") return `messages[${i}].name: field required`;
      const before = (messages as Message[])[i - 1];
      if (before?.role !== "assistant" || before.function_call?.name !== m.name) return `messages[${i}]: a function result must follow the assistant's call of ${m.name}`;
      try {
        JSON.parse(m.content);
      } catch {
        return `messages[${i}].content: function result must be JSON`;
      }
    }
  }
  const functions = body.functions;
  if (functions !== undefined && (!Array.isArray(functions) || functions.some((f) => typeof (f as { name?: unknown }).name !== "string"))) return "functions: list of {name, description, parameters} expected";
  return undefined;
}

function answer(body: Record<string, unknown>, d: Directive, model: string) {
  const messages = body.messages as Message[];
  const last = messages[messages.length - 1]!;
  const offered = new Set(((body.functions as Array<{ name: string }> | undefined) ?? []).map((f) => f.name));
  const wanted = last.role === "function" || body.function_call === "none" ? undefined : d.tool_calls?.find((c) => offered.has(c.name));
  const text = last.role === "function" ? `${String(last.name)} returned ${String(last.content)}` : replyText(d, model);
  return { call: wanted ? { name: wanted.name, arguments: wanted.arguments } : undefined, text };
}

export const gigachatRoute: { test: (path: string) => boolean; handle: ProtocolHandler } = {
  test: (p) => p.startsWith("/gigachat/"),
  handle: async ({ path, body }, res, d) => {
    if (path.endsWith("/models")) return sendJson(res, 200, { object: "list", data: MODELS.map((id) => ({ id, object: "model", owned_by: "salutedevices" })) });
    if (!path.endsWith("/chat/completions")) return sendJson(res, 404, { status: 404, message: "Not found" });
    if (d.status && d.status >= 400) return sendJson(res, d.status, d.error_body ?? { status: d.status, message: d.message ?? `simulated ${d.status}` }, d.headers);
    const why = refusal(body);
    if (why) return unprocessable(res, why);
    const model = typeof body.model === "string" ? body.model : "GigaChat";
    const { call, text } = answer(body, d, model);
    const created = Math.floor(Date.now() / 1000);
    const finish = call ? "function_call" : (d.finish_reason ?? "stop");
    const pieces = call ? [] : chunkText(text);
    const prompt = countTokens(collectTexts((body.messages as Message[]).map((m) => m.content)));
    const usage = { prompt_tokens: prompt, completion_tokens: call ? 10 : pieces.length, total_tokens: prompt + (call ? 10 : pieces.length), precached_prompt_tokens: 0 };
    const message = { role: "assistant", content: call ? "" : text, ...(call ? { function_call: call, functions_state_id: crypto.randomUUID() } : {}) };
    if (!body.stream) return sendJson(res, 200, { choices: [{ message, index: 0, finish_reason: finish }], created, model: `${model}:1.0.26.20`, object: "chat.completion", usage }, d.headers);
    const chunk = (delta: unknown, last = false) =>
      dataFrame({ choices: [{ delta, index: 0, ...(last ? { finish_reason: finish } : {}) }], created, model: `${model}:1.0.26.20`, object: "chat.completion", ...(last ? { usage } : {}) });
    // Text streams word by word, the role on the first delta; a function call comes whole in the last.
    const frames = call ? [] : pieces.slice(0, -1).map((p, i) => chunk(i === 0 ? { content: p, role: "assistant" } : { content: p }));
    frames.push(chunk(call ? { content: "", role: "assistant", function_call: call } : { content: pieces[pieces.length - 1], ...(pieces.length === 1 ? { role: "assistant" } : {}) }, true));
    frames.push("data: [DONE]");
    startSse(res, d);
    await writeFrames(res, frames, d);
  },
};
