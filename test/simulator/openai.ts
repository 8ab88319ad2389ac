/**
 * OpenAI chat completions as OpenAI-compatible upstreams speak it: JSON, or SSE with a
 * role chunk, content (or tool-call) deltas, a finish chunk, a usage chunk with
 * `choices: []` when `stream_options.include_usage` is set, then `data: [DONE]`.
 */
import type { ServerResponse } from "node:http";
import { chunkText, collectTexts, countTokens, type Directive, replyText } from "./directive";
import { dataFrame, startSse, writeFrames } from "./sse";

interface ChatBody {
  model?: string;
  reasoning_effort?: string;
  stream?: boolean;
  messages?: unknown[];
  stream_options?: { include_usage?: boolean };
}

export function openaiErrorBody(status: number, message: string) {
  const type = status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error";
  return { error: { message, type, param: null, code: status === 429 ? "rate_limit_exceeded" : null } };
}

/** An error inside a 200 stream, as OpenAI ("openai") or OpenRouter ("openrouter") sends it. */
function streamErrorFrame(style: string, id: string, created: number, model: string, message?: string): string {
  if (style === "openrouter") {
    return dataFrame({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      provider: "Chutes",
      error: { code: 502, message: "Provider returned error", metadata: { raw: message ?? "upstream overloaded" } },
      choices: [{ index: 0, delta: { content: "" }, finish_reason: "error", native_finish_reason: "error" }],
    });
  }
  return dataFrame({ error: { message: message ?? "The server had an error while processing your request.", type: "server_error", param: null, code: null } });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export async function handleOpenAIChat(body: ChatBody, res: ServerResponse, d: Directive): Promise<void> {
  const model = body.model ?? "unknown";
  if (d.status && d.status >= 400) {
    const errorBody = d.error_body ?? openaiErrorBody(d.status, d.message ?? `simulated ${d.status}`);
    return sendJson(res, d.status, errorBody, d.headers);
  }
  const id = `chatcmpl-sim${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const text = replyText(d, model);
  const reasoning = d.reasoning ?? (body.reasoning_effort ? `Reasoning at ${body.reasoning_effort} effort.` : undefined);
  const toolCalls = (d.tool_calls ?? []).map((call, i) => ({
    id: `call_sim_${i}`,
    type: "function" as const,
    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
  }));
  const finish = d.finish_reason ?? (toolCalls.length ? "tool_calls" : "stop");
  const promptTokens = countTokens(collectTexts((body.messages ?? []).map((m) => (m as { content?: unknown }).content)));
  const pieces = toolCalls.length ? [] : chunkText(text);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: toolCalls.length ? toolCalls.length * 10 : pieces.length,
    total_tokens: 0,
  };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;

  if (!body.stream) {
    const message = {
      ...(toolCalls.length ? { role: "assistant", content: null, tool_calls: toolCalls } : { role: "assistant", content: text }),
      ...(reasoning ? { reasoning_content: reasoning } : {}),
    };
    return sendJson(
      res,
      200,
      { id, object: "chat.completion", created, model, choices: [{ index: 0, message, finish_reason: finish, logprobs: null }], ...(d.no_usage ? {} : { usage }) },
      d.headers,
    );
  }

  const chunk = (delta: unknown, finish_reason: string | null = null) =>
    dataFrame({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason, logprobs: null }] });
  const frames = [chunk({ role: "assistant", content: "" })];
  for (const piece of reasoning ? chunkText(reasoning) : []) frames.push(chunk({ reasoning_content: piece }));
  const errorAt = d.stream_error ? (d.error_after ?? Math.ceil(pieces.length / 2)) : -1;
  for (const [i, piece] of pieces.entries()) {
    if (i === errorAt) {
      frames.push(streamErrorFrame(d.stream_error!, id, created, model, d.message));
      startSse(res, d);
      return writeFrames(res, frames, d);
    }
    frames.push(chunk({ content: piece }));
  }
  toolCalls.forEach((call, index) => {
    frames.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }));
    frames.push(chunk({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] }));
  });
  frames.push(chunk({}, finish));
  if (body.stream_options?.include_usage) {
    frames.push(dataFrame({ id, object: "chat.completion.chunk", created, model, choices: [], usage }));
  }
  frames.push("data: [DONE]");
  startSse(res, d);
  await writeFrames(res, frames, d);
}
