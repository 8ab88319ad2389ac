/**
 * The internal stream (OpenAI chunks, as the stream guard passes them on) as the Responses
 * API's documented event sequence, every event numbered by `sequence_number`:
 * response.created and response.in_progress; then output items one at a time, each
 * output_item.added ... output_item.done: a reasoning item (reasoning_summary_part and
 * reasoning_summary_text events when it has text), a message (content_part, output_text
 * delta/done), or a function call (function_call_arguments delta/done); then
 * response.completed (response.incomplete when cut short) with the whole Response and
 * its usage. An OpenAI error event after content becomes an `error` event followed by
 * response.failed, so the openai SDK raises and Codex and the AI SDK see the failure.
 */
import { type InternalChunk, STREAM_FAILED, type StreamEncoder, type ToolCallDelta } from "../encode-stream";
import type { ReasoningDetail, Usage } from "../../openai/chat-response";
import { callItem, encrypted, type Item, itemId, messageItem, outputText, reasoningItem, type ResponseContext, responseOf, statusOf, usageOf } from "./response";

type Chunk = InternalChunk;

interface Open {
  kind: "message" | "reasoning" | "function_call";
  index: number;
  id: string;
  text: string;
  /** Reasoning: whether its summary part was announced; calls: the call id and name. */
  summary?: boolean;
  detail?: ReasoningDetail;
  callId?: string;
  name?: string;
}

interface State {
  readonly ctx: ResponseContext;
  seq: number;
  model: string | undefined;
  ended: boolean;
  open: Open | undefined;
  readonly output: Item[];
  /** OpenAI tool-call index -> its output index, so a late fragment of a closed call is caught. */
  readonly calls: Map<number, number>;
  finish: string | null | undefined;
  usage: Usage | null | undefined;
  chars: number;
  reasoningChars: number;
  final: Record<string, unknown> | undefined;
}

function frame(s: State, type: string, fields: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: s.seq++, ...fields })}\n\n`;
}

const at = (o: Open) => ({ item_id: o.id, output_index: o.index });
const response = (s: State, fields: Record<string, unknown> = {}) => responseOf(s.ctx, s.model, { ...fields, output: s.output });

function start(s: State): string {
  const r = response(s);
  return frame(s, "response.created", { response: r }) + frame(s, "response.in_progress", { response: r });
}

function close(s: State): string {
  const o = s.open;
  if (!o) return "";
  s.open = undefined;
  let out = "";
  let item: Item;
  if (o.kind === "message") {
    out = frame(s, "response.output_text.done", { ...at(o), content_index: 0, text: o.text, logprobs: [] });
    out += frame(s, "response.content_part.done", { ...at(o), content_index: 0, part: outputText(o.text) });
    item = messageItem(o.id, o.text);
  } else if (o.kind === "reasoning") {
    if (o.summary) {
      out = frame(s, "response.reasoning_summary_text.done", { ...at(o), summary_index: 0, text: o.text });
      out += frame(s, "response.reasoning_summary_part.done", { ...at(o), summary_index: 0, part: { type: "summary_text", text: o.text } });
    }
    item = reasoningItem(o.id, o.text, o.detail);
  } else {
    out = frame(s, "response.function_call_arguments.done", { ...at(o), arguments: o.text });
    item = callItem(s.ctx, o.id, o.callId!, o.name!, o.text);
  }
  s.output.push(item);
  return out + frame(s, "response.output_item.done", { output_index: o.index, item });
}

function openItem(s: State, kind: Open["kind"], extra: Partial<Open> = {}): string {
  const out = close(s);
  const index = s.output.length;
  const o: Open = { kind, index, id: itemId(s.ctx, kind === "message" ? "msg" : kind === "reasoning" ? "rs" : "fc", index), text: "", ...extra };
  s.open = o;
  const item = kind === "message" ? messageItem(o.id, "", "in_progress") : kind === "reasoning" ? reasoningItem(o.id, "", undefined) : callItem(s.ctx, o.id, o.callId!, o.name!, "", "in_progress");
  const added = frame(s, "response.output_item.added", { output_index: index, item });
  return out + added + (kind === "message" ? frame(s, "response.content_part.added", { ...at(o), content_index: 0, part: outputText("") }) : "");
}

function text(s: State, value: string): string {
  const out = s.open?.kind === "message" ? "" : openItem(s, "message");
  const o = s.open!;
  o.text += value;
  s.chars += value.length;
  return out + frame(s, "response.output_text.delta", { ...at(o), content_index: 0, delta: value, logprobs: [] });
}

function reasoning(s: State, value: string): string {
  let out = s.open?.kind === "reasoning" ? "" : openItem(s, "reasoning");
  const o = s.open!;
  if (!o.summary) {
    o.summary = true;
    out += frame(s, "response.reasoning_summary_part.added", { ...at(o), summary_index: 0, part: { type: "summary_text", text: "" } });
  }
  o.text += value;
  s.reasoningChars += value.length;
  return out + frame(s, "response.reasoning_summary_text.delta", { ...at(o), summary_index: 0, delta: value });
}

/** A detail ends the reasoning item its text was in; one without text (redacted thinking, a late signature) is an item of its own. */
function detail(s: State, d: ReasoningDetail): string {
  const out = s.open?.kind === "reasoning" && (d.type === "reasoning.text" || s.open.summary) ? "" : openItem(s, "reasoning");
  s.open!.detail = d;
  return out + close(s);
}

function toolCall(s: State, call: ToolCallDelta): string {
  const key = call.index ?? 0;
  const known = s.calls.get(key);
  let out = "";
  if (known === undefined) {
    out = openItem(s, "function_call", { callId: call.id ?? `call_${key}`, name: call.function?.name ?? "" });
    s.calls.set(key, s.open!.index);
  } else if (s.open?.index !== known) {
    // Items are streamed one at a time; a call resumed after another began cannot be expressed.
    return fail(s, { type: "upstream_error", message: "The provider interleaved the arguments of two tool calls." });
  }
  const args = call.function?.arguments;
  if (!args) return out;
  const o = s.open!;
  o.text += args;
  s.chars += args.length;
  return out + frame(s, "response.function_call_arguments.delta", { ...at(o), delta: args });
}

function stop(s: State): string {
  const out = close(s);
  s.ended = true;
  const { status, incomplete_details } = statusOf(s.finish);
  s.final = response(s, { status, incomplete_details, usage: usageOf(s.usage, s.ctx, s.chars + s.reasoningChars, s.reasoningChars) });
  return out + frame(s, status === "completed" ? "response.completed" : "response.incomplete", { response: s.final });
}

function fail(s: State, error: unknown): string {
  s.ended = true;
  const e = (error ?? {}) as { message?: unknown; type?: unknown; code?: unknown };
  const code = typeof e.code === "string" ? e.code : typeof e.type === "string" ? e.type : "server_error";
  const message = String(e.message ?? STREAM_FAILED);
  return frame(s, "error", { code, message, param: null }) + frame(s, "response.failed", { response: response(s, { status: "failed", error: { code, message } }) });
}

function lead(s: State, model?: string): string {
  if (s.seq !== 0) return "";
  s.model = model;
  return start(s);
}

function take(s: State, chunk: Chunk): string {
  let out = lead(s, chunk.model);
  if (chunk.error) return out + fail(s, chunk.error);
  if (chunk.usage) s.usage = chunk.usage;
  const choice = chunk.choices?.[0];
  if (!choice) return out;
  const d = choice.delta ?? {};
  const r = d.reasoning_content ?? d.reasoning;
  if (typeof r === "string" && r) out += reasoning(s, r);
  if (Array.isArray(d.reasoning_details)) for (const x of d.reasoning_details) if (x && typeof x.format === "string") out += detail(s, x);
  const content = d.content || d.refusal;
  if (typeof content === "string" && content) out += text(s, content);
  if (Array.isArray(d.tool_calls)) for (const call of d.tool_calls) if (!s.ended) out += toolCall(s, call);
  if (choice.finish_reason) s.finish = choice.finish_reason;
  return out;
}

function event(s: State, data: string): string {
  if (s.ended) return "";
  if (data === "[DONE]") return lead(s) + stop(s);
  try {
    return take(s, JSON.parse(data) as Chunk);
  } catch {
    return "";
  }
}

export interface ResponsesEncoder extends StreamEncoder {
  /** The whole Response, once the stream completed. */
  readonly response: Record<string, unknown> | undefined;
}

const state = (ctx: ResponseContext): State => ({ ctx, seq: 0, model: undefined, ended: false, open: undefined, output: [], calls: new Map(), finish: undefined, usage: undefined, chars: 0, reasoningChars: 0, final: undefined });

export function responsesEncoder(ctx: ResponseContext): ResponsesEncoder {
  const s = state(ctx);
  return {
    event: (data) => event(s, data),
    end: () => (s.ended ? "" : lead(s) + fail(s, { type: "upstream_error", message: STREAM_FAILED })),
    fail: (error) => (s.ended ? "" : lead(s) + fail(s, error)),
    get done() {
      return s.ended;
    },
    get response() {
      return s.final;
    },
  };
}

interface CompletionLike {
  model?: string;
  usage?: Usage | null;
  choices?: Array<{ finish_reason?: string | null; message?: Record<string, unknown> & { tool_calls?: unknown; reasoning_details?: unknown } }>;
}

/**
 * A whole chat.completion as a Response: its message replayed as the chunks a stream of
 * it would carry, so both answers are built by one encoder. Signed reasoning blocks each
 * come with their own text, as a stream sends them.
 */
export function toResponse(body: unknown, ctx: ResponseContext): Record<string, unknown> {
  const { model, usage, choices } = body as CompletionLike;
  const { message = {}, finish_reason } = choices?.[0] ?? {};
  // An OpenAI-compatible provider's body arrives as it sent it: read it, do not trust it.
  const details = (Array.isArray(message.reasoning_details) ? (message.reasoning_details as ReasoningDetail[]) : []).filter((d) => typeof d?.format === "string");
  const signed = details.some((d) => d.type === "reasoning.text" && typeof d.text === "string");
  const reasoning = signed
    ? details.map((d) => ({ reasoning_content: d.type === "reasoning.text" ? d.text : null, reasoning_details: [d] }))
    : [{ reasoning_content: message.reasoning_content, reasoning: message.reasoning, reasoning_details: details }];
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as ToolCallDelta[]).map((c, index) => ({ ...c, index })) : [];
  const s = state(ctx);
  for (const delta of [...reasoning, { content: message.content, refusal: message.refusal, tool_calls: calls }]) take(s, { model, choices: [{ delta: delta as never }] });
  take(s, { choices: [{ finish_reason, delta: {} }], usage });
  stop(s);
  return s.final!;
}
