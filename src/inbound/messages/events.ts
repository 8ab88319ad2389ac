/**
 * The internal stream (OpenAI chunks, as the stream guard passes them on) as Anthropic's
 * event grammar: message_start with usage; then content blocks, each opened, fed at least
 * one delta and closed before the next opens, indexed from 0 without gaps (text_delta,
 * thinking_delta and signature_delta, input_json_delta for tool arguments); then
 * message_delta with the stop reason and usage, and message_stop. An OpenAI error event
 * becomes `event: error` with nothing after it, so the Anthropic SDK raises.
 *
 * Cheap per event: one JSON.parse of the chunk (its shape varies by provider), and
 * frames written as strings around JSON-escaped values, never whole objects stringified.
 */
import { ANTHROPIC_REASONING, type ReasoningDetail, type Usage } from "../../openai/chat-response";
import { type InternalChunk, STREAM_FAILED, type StreamEncoder, type ToolCallDelta } from "../encode-stream";
import { errorEventFrom } from "./errors";
import { foreignSignature, messageId, messageUsage, stopReason, stopSequence } from "./response";

type Chunk = InternalChunk;

type Block = { kind: "text" | "thinking"; index: number } | { kind: "tool"; index: number; deltas: number };

const TEXT = '{"type":"text","text":""}';
const THINKING = '{"type":"thinking","thinking":"","signature":""}';
const frame = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;
const delta = (index: number, type: string, field: string, value: string) =>
  frame("content_block_delta", `{"type":"content_block_delta","index":${index},"delta":{"type":"${type}","${field}":${JSON.stringify(value)}}}`);

export interface EncoderContext {
  /** The model to name until the stream names its own. */
  model: string;
  /** Estimated input tokens, for message_start (the provider counts only at the end). */
  inputTokens: number;
}

/** One stream's state; the functions below are module-level, so the minifier shortens their names. */
interface State {
  readonly ctx: EncoderContext;
  started: boolean;
  ended: boolean;
  next: number;
  open: Block | undefined;
  /** OpenAI tool-call index -> its block, so a late fragment of a closed call is caught. */
  readonly tools: Map<number, number>;
  finish: string | null | undefined;
  /** The stop sequence the provider says ended the answer, when it says. */
  matched: unknown;
  usage: Usage | null | undefined;
  chars: number;
}

function fail(s: State, error: unknown): string {
  s.ended = true;
  return errorEventFrom(error);
}

function start(s: State, chunk: Chunk): string {
  if (s.started) return "";
  s.started = true;
  const message = {
    id: messageId(chunk.id),
    type: "message",
    role: "assistant",
    model: chunk.model ?? s.ctx.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: s.ctx.inputTokens, output_tokens: 0 },
  };
  return frame("message_start", JSON.stringify({ type: "message_start", message }));
}

function close(s: State): string {
  const block = s.open;
  if (!block) return "";
  s.open = undefined;
  // Every block gets a delta; a tool called without arguments gets an empty one, as Anthropic sends.
  const empty = block.kind === "tool" && block.deltas === 0 ? delta(block.index, "input_json_delta", "partial_json", "") : "";
  return `${empty}${frame("content_block_stop", `{"type":"content_block_stop","index":${block.index}}`)}`;
}

function openBlock(s: State, block: Block, contentBlock: string): string {
  const out = close(s);
  s.open = block;
  return `${out}${frame("content_block_start", `{"type":"content_block_start","index":${block.index},"content_block":${contentBlock}}`)}`;
}

/** A delta for a text or thinking block, opening one unless it is open already. */
function append(s: State, kind: "text" | "thinking", type: string, field: string, value: string): string {
  let out = "";
  if (s.open?.kind !== kind) out = openBlock(s, { kind, index: s.next++ }, kind === "text" ? TEXT : THINKING);
  return out + delta(s.open!.index, type, field, value);
}

/** A signature ends its thinking block (a signature alone gets an empty one); redacted thinking is a block of its own. */
function detail(s: State, d: ReasoningDetail): string {
  if (d.type === "reasoning.encrypted" && d.format === ANTHROPIC_REASONING) {
    return openBlock(s, { kind: "thinking", index: s.next++ }, JSON.stringify({ type: "redacted_thinking", data: d.data })) + close(s);
  }
  const signature = d.type === "reasoning.encrypted" ? foreignSignature(d) : d.signature;
  return signature ? append(s, "thinking", "signature_delta", "signature", signature) + close(s) : "";
}

function toolCall(s: State, call: ToolCallDelta): string {
  const key = call.index ?? 0;
  const known = s.tools.get(key);
  let out = "";
  if (known === undefined) {
    const index = s.next++;
    s.tools.set(key, index);
    out = openBlock(s, { kind: "tool", index, deltas: 0 }, JSON.stringify({ type: "tool_use", id: call.id ?? `toolu_${index}`, name: call.function?.name ?? "", input: {} }));
  } else if (s.open?.index !== known) {
    // Anthropic's grammar has one open block at a time; a call resumed after another began cannot be expressed.
    return fail(s, { type: "upstream_error", message: "The provider interleaved the arguments of two tool calls." });
  }
  const args = call.function?.arguments;
  if (!args) return out;
  const block = s.open as Extract<Block, { kind: "tool" }>;
  s.chars += args.length;
  block.deltas++;
  return out + delta(block.index, "input_json_delta", "partial_json", args);
}

function stop(s: State): string {
  const first = start(s, {});
  s.ended = true;
  // Usage here is cumulative, input included: the SDK replaces message_start's estimate with it.
  const usage = messageUsage(s.usage, s.ctx.inputTokens, Math.ceil(s.chars / 4));
  const messageDelta = { type: "message_delta", delta: { stop_reason: stopReason(s.finish, s.matched), stop_sequence: stopSequence(s.finish, s.matched) }, usage };
  return `${first}${close(s)}${frame("message_delta", JSON.stringify(messageDelta))}${frame("message_stop", '{"type":"message_stop"}')}`;
}

function event(s: State, data: string): string {
  if (s.ended) return "";
  if (data === "[DONE]") return stop(s);
  let chunk: Chunk;
  try {
    chunk = JSON.parse(data) as Chunk;
  } catch {
    return "";
  }
  if (chunk.error) return fail(s, chunk.error);
  let out = start(s, chunk);
  if (chunk.usage) s.usage = chunk.usage;
  // Messages has one answer; a provider asked for one sends it as choice 0.
  const choice = chunk.choices?.[0];
  if (!choice) return out;
  const d = choice.delta ?? {};
  const reasoning = d.reasoning_content ?? d.reasoning;
  if (typeof reasoning === "string" && reasoning) {
    s.chars += reasoning.length;
    out += append(s, "thinking", "thinking_delta", "thinking", reasoning);
  }
  if (Array.isArray(d.reasoning_details)) for (const r of d.reasoning_details) out += detail(s, r);
  const content = d.content || d.refusal;
  if (typeof content === "string" && content) {
    s.chars += content.length;
    out += append(s, "text", "text_delta", "text", content);
  }
  if (Array.isArray(d.tool_calls)) for (const call of d.tool_calls) out += toolCall(s, call);
  if (choice.finish_reason) s.finish = choice.finish_reason;
  if (choice.stop_reason !== undefined) s.matched = choice.stop_reason;
  return out;
}

export function messagesEncoder(ctx: EncoderContext): StreamEncoder {
  const s: State = { ctx, started: false, ended: false, next: 0, open: undefined, tools: new Map(), finish: undefined, matched: undefined, usage: undefined, chars: 0 };
  return {
    event: (data) => event(s, data),
    end: () => (s.ended ? "" : fail(s, { type: "upstream_error", message: STREAM_FAILED })),
    fail: (error) => fail(s, error),
    get done() {
      return s.ended;
    },
  };
}
