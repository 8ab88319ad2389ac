/**
 * A checker of Anthropic's streaming grammar, written from the Messages API's streaming
 * documentation ("Streaming Messages", event types and flow):
 * 1. `message_start`, whose `message` has empty `content`, a null `stop_reason` and `usage`;
 * 2. content blocks, each a `content_block_start`, one or more `content_block_delta` and a
 *    `content_block_stop`, whose `index` is the block's position in the final content;
 * 3. one or more `message_delta` (the stop reason, cumulative usage);
 * 4. a final `message_stop`.
 * `ping` may appear anywhere; an `error` event may end the stream at any point. Every
 * event names its type twice (SSE `event:` and `type` in the data), and they agree.
 * Delta types must fit their block: text_delta (and citations_delta) in text blocks,
 * thinking_delta and signature_delta in thinking blocks, input_json_delta in tool_use
 * blocks, whose fragments must add up to a JSON object. A redacted_thinking block arrives
 * whole in its start event.
 *
 * Returns the message the stream describes, or throws naming the first violation.
 */
export interface CheckedStream {
  outcome: "completed" | "error";
  /** The message as accumulated: message_start's, with content and message_delta applied. */
  message: { id: string; model: string; content: Array<Record<string, unknown>>; stop_reason: string | null; usage: Record<string, unknown> };
  error?: { type: string; message: string };
  events: string[];
}

const STOP_REASONS = new Set(["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded"]);
const DELTAS: Record<string, string[]> = {
  text: ["text_delta", "citations_delta"],
  thinking: ["thinking_delta", "signature_delta"],
  tool_use: ["input_json_delta"],
  redacted_thinking: [],
};

type Json = Record<string, unknown>;

function parseEvents(text: string): Array<{ event: string; data: Json }> {
  return text
    .split(/\r?\n\r?\n/)
    .filter((raw) => raw.trim() !== "")
    .map((raw) => {
      const lines = raw.split(/\r?\n/);
      const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim();
      const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      if (!event) throw new Error(`an event without an event name: ${raw}`);
      const parsed = JSON.parse(data) as Json;
      if (parsed.type !== event) throw new Error(`event ${event} carries type ${String(parsed.type)}`);
      return { event, data: parsed };
    });
}

export function checkMessagesStream(text: string): CheckedStream {
  const events = parseEvents(text);
  const names = events.map((e) => e.event);
  let message: CheckedStream["message"] | undefined;
  let open: { index: number; block: Json; deltas: number; json: string } | undefined;
  let phase: "start" | "blocks" | "delta" | "stopped" | "errored" = "start";
  const fail = (why: string): never => {
    throw new Error(`${why}; events: ${names.join(" ")}`);
  };
  for (const { event, data } of events) {
    if (phase === "stopped" || phase === "errored") fail(`${event} after the stream ended`);
    if (event === "ping") continue;
    if (event === "error") {
      const error = data.error as Json | undefined;
      if (typeof error?.type !== "string" || typeof error.message !== "string") fail("an error event without error.type and error.message");
      phase = "errored";
      continue;
    }
    if (phase === "start") {
      if (event !== "message_start") fail(`${event} before message_start`);
      const m = data.message as Json;
      const usage = m.usage as Json | undefined;
      if (m.type !== "message" || m.role !== "assistant" || !Array.isArray(m.content) || m.content.length !== 0 || m.stop_reason !== null) fail("message_start's message is not an empty assistant message");
      if (typeof usage?.input_tokens !== "number" || typeof usage.output_tokens !== "number") fail("message_start without usage");
      message = { id: String(m.id), model: String(m.model), content: [], stop_reason: null, usage: { ...usage } };
      phase = "blocks";
      continue;
    }
    const msg = message!;
    if (event === "content_block_start") {
      if (phase !== "blocks" || open) fail("content_block_start while a block is open or after message_delta");
      const block = data.content_block as Json;
      if (data.index !== msg.content.length) fail(`block index ${String(data.index)} where ${msg.content.length} was next`);
      if (!(String(block.type) in DELTAS)) fail(`unknown block type ${String(block.type)}`);
      if (block.type === "tool_use" && (typeof block.id !== "string" || typeof block.name !== "string")) fail("tool_use without id and name");
      open = { index: data.index as number, block: { ...block }, deltas: 0, json: "" };
      msg.content.push(open.block);
    } else if (event === "content_block_delta") {
      if (!open || data.index !== open.index) fail(`a delta for block ${String(data.index)}, which is not open`);
      const delta = data.delta as Json;
      const block = open!.block;
      if (!DELTAS[String(block.type)]!.includes(String(delta.type))) fail(`${String(delta.type)} in a ${String(block.type)} block`);
      open!.deltas++;
      if (delta.type === "text_delta") block.text = String(block.text) + String(delta.text);
      if (delta.type === "thinking_delta") block.thinking = String(block.thinking) + String(delta.thinking);
      if (delta.type === "signature_delta") block.signature = delta.signature;
      if (delta.type === "input_json_delta") open!.json += String(delta.partial_json);
    } else if (event === "content_block_stop") {
      if (!open || data.index !== open.index) fail(`content_block_stop for block ${String(data.index)}, which is not open`);
      if (open!.deltas === 0 && open!.block.type !== "redacted_thinking") fail(`block ${open!.index} closed without a delta`);
      if (open!.block.type === "tool_use") {
        const input: unknown = open!.json === "" ? {} : JSON.parse(open!.json);
        if (!input || typeof input !== "object" || Array.isArray(input)) fail("tool input is not a JSON object");
        open!.block.input = input;
      }
      open = undefined;
    } else if (event === "message_delta") {
      if (open) fail("message_delta while a block is open");
      const delta = data.delta as Json;
      const usage = data.usage as Json | undefined;
      if (!STOP_REASONS.has(String(delta.stop_reason))) fail(`stop_reason ${String(delta.stop_reason)}`);
      if (typeof usage?.output_tokens !== "number") fail("message_delta without usage.output_tokens");
      msg.stop_reason = delta.stop_reason as string;
      Object.assign(msg.usage, usage);
      phase = "delta";
    } else if (event === "message_stop") {
      if (phase !== "delta") fail("message_stop without a message_delta before it");
      phase = "stopped";
    } else fail(`unknown event ${event}`);
  }
  if (phase !== "stopped" && phase !== "errored") fail("the stream ended without message_stop or error");
  const last = events.at(-1)?.data.error as { type: string; message: string } | undefined;
  return {
    outcome: phase === "stopped" ? "completed" : "error",
    message: message ?? { id: "", model: "", content: [], stop_reason: null, usage: {} },
    ...(phase === "errored" ? { error: last } : {}),
    events: names,
  };
}
