/**
 * OpenAI's Responses API (`POST /openai/v1/responses`), for providers that declare
 * `responses: true`: a Response object, or its documented event stream (each event with
 * `event:` and `sequence_number`), as the openai SDK's strict stream reader accepts it.
 * A `web_search` tool in the request is "run": a `web_search_call` item comes first, as
 * only a provider that serves the API itself can do. `reasoning` adds a reasoning item
 * with a summary and an `encrypted_content` blob. `stream_error` sends, after
 * `error_after` text pieces, an `error` event with that code, or `response.failed` when
 * it is "response.failed".
 */
import type { ServerResponse } from "node:http";
import { chunkText, collectTexts, countTokens, type Directive, replyText } from "./directive";
import { openaiErrorBody, sendJson } from "./openai";
import { eventFrame, startSse, writeFrames } from "./sse";

type Json = Record<string, unknown>;

export async function handleResponses(body: Json, res: ServerResponse, d: Directive): Promise<void> {
  if (d.status && d.status >= 400) return sendJson(res, d.status, d.error_body ?? openaiErrorBody(d.status, d.message ?? `simulated ${d.status}`), d.headers);
  const model = typeof body.model === "string" ? body.model : "unknown";
  const hex = crypto.randomUUID().replaceAll("-", "");
  const id = `resp_sim${hex}`;
  const text = replyText(d, model);
  const pieces = d.tool_calls?.length ? [] : chunkText(text);
  const reasoning = d.reasoning ? chunkText(d.reasoning) : [];
  const searched = Array.isArray(body.tools) && body.tools.some((t) => (t as { type?: unknown })?.type === "web_search");
  const inputTokens = countTokens(collectTexts([body.input, body.instructions]));
  const outputTokens = pieces.length + reasoning.length + (d.tool_calls?.length ?? 0) * 10;
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: reasoning.length },
    total_tokens: inputTokens + outputTokens,
  };
  const output: Json[] = [];
  if (searched) output.push({ id: `ws_sim${hex}`, type: "web_search_call", status: "completed", action: { type: "search", query: "simulated" } });
  if (reasoning.length) output.push({ id: `rs_sim${hex}`, type: "reasoning", summary: [{ type: "summary_text", text: d.reasoning }], encrypted_content: `gAAAA-sim-${hex}` });
  if (d.tool_calls?.length) {
    d.tool_calls.forEach((call, i) => output.push({ id: `fc_sim${hex}_${i}`, type: "function_call", status: "completed", call_id: `call_sim_${i}`, name: call.name, arguments: JSON.stringify(call.arguments) }));
  } else {
    output.push({ id: `msg_sim${hex}`, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [], logprobs: [] }] });
  }
  const base = {
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    model,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    parallel_tool_calls: true,
    previous_response_id: null,
    store: body.store ?? true,
    tools: body.tools ?? [],
    metadata: body.metadata ?? {},
  };
  const done = { ...base, status: "completed", output, usage };
  if (!body.stream) return sendJson(res, 200, done, d.headers);

  const frames: string[] = [];
  let seq = 0;
  const push = (type: string, payload: Json) => frames.push(eventFrame(type, { type, sequence_number: seq++, ...payload }));
  const pending = { ...base, status: "in_progress", output: [], usage: null };
  push("response.created", { response: pending });
  push("response.in_progress", { response: pending });
  const errorAt = d.stream_error ? (d.error_after ?? Math.ceil(pieces.length / 2)) : -1;
  const fail = () => {
    const message = d.message ?? "The server had an error while processing your request.";
    if (d.stream_error === "response.failed") push("response.failed", { response: { ...pending, status: "failed", error: { code: "server_error", message } } });
    else push("error", { code: d.stream_error, message, param: null });
  };
  if (errorAt === 0) fail();
  for (const [index, item] of errorAt === 0 ? [] : output.entries()) {
    const at = { item_id: item.id, output_index: index };
    if (item.type === "message") {
      push("response.output_item.added", { output_index: index, item: { ...item, status: "in_progress", content: [] } });
      push("response.content_part.added", { ...at, content_index: 0, part: { type: "output_text", text: "", annotations: [] } });
      for (const [i, piece] of pieces.entries()) {
        if (i === errorAt) {
          fail();
          startSse(res, d);
          return writeFrames(res, frames, d);
        }
        push("response.output_text.delta", { ...at, content_index: 0, delta: piece, logprobs: [] });
      }
      push("response.output_text.done", { ...at, content_index: 0, text, logprobs: [] });
      push("response.content_part.done", { ...at, content_index: 0, part: { type: "output_text", text, annotations: [] } });
    } else if (item.type === "reasoning") {
      push("response.output_item.added", { output_index: index, item: { id: item.id, type: "reasoning", summary: [] } });
      push("response.reasoning_summary_part.added", { ...at, summary_index: 0, part: { type: "summary_text", text: "" } });
      for (const piece of reasoning) push("response.reasoning_summary_text.delta", { ...at, summary_index: 0, delta: piece });
      push("response.reasoning_summary_text.done", { ...at, summary_index: 0, text: d.reasoning });
      push("response.reasoning_summary_part.done", { ...at, summary_index: 0, part: { type: "summary_text", text: d.reasoning } });
    } else if (item.type === "function_call") {
      push("response.output_item.added", { output_index: index, item: { ...item, status: "in_progress", arguments: "" } });
      push("response.function_call_arguments.delta", { ...at, delta: item.arguments });
      push("response.function_call_arguments.done", { ...at, arguments: item.arguments });
    } else {
      push("response.output_item.added", { output_index: index, item: { ...item, status: "in_progress" } });
      push("response.web_search_call.in_progress", at);
      push("response.web_search_call.searching", at);
      push("response.web_search_call.completed", at);
    }
    push("response.output_item.done", { output_index: index, item });
  }
  if (errorAt < 0) push("response.completed", { response: done });
  else if (errorAt > pieces.length) fail();
  startSse(res, d);
  await writeFrames(res, frames, d);
}
