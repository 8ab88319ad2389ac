/**
 * A checker of the Responses API's streaming events, written from OpenAI's documentation
 * ("Streaming events" of the Responses API reference, and the streaming guide):
 * 1. every event names its type twice (SSE `event:` and `type` in the data), and they
 *    agree; every event carries `sequence_number`, 0 first and one more each time;
 * 2. `response.created` first (a Response with `status` and an `output` array), then
 *    `response.in_progress`;
 * 3. output items, each `response.output_item.added` with the next `output_index` (from 0)
 *    and an item with an `id`, events for that item only (their `item_id` and
 *    `output_index` name it), then `response.output_item.done` with the finished item:
 *    - a message: content parts, each `response.content_part.added` with the next
 *      `content_index`, `response.output_text.delta` events, `response.output_text.done`
 *      with their whole text, `response.content_part.done` with the part;
 *    - reasoning: summary parts likewise (`response.reasoning_summary_part.added`,
 *      `response.reasoning_summary_text.delta`/`.done`, `response.reasoning_summary_part.done`);
 *    - a function call: `response.function_call_arguments.delta` events, then
 *      `response.function_call_arguments.done` with the whole arguments (JSON);
 *    the done item holds what its deltas added up to;
 * 4. one terminal event: `response.completed` (status completed), `response.incomplete`
 *    (status incomplete, with `incomplete_details`) or `response.failed` (status failed,
 *    with `error`), whose Response lists the done items in order and, but for a failure,
 *    carries usage with `output_tokens_details.reasoning_tokens`. An `error` event may
 *    end the stream anywhere, followed by nothing but `response.failed`.
 *
 * Returns the final Response and what happened, or throws naming the first violation.
 */
export interface CheckedResponsesStream {
  outcome: "completed" | "incomplete" | "failed";
  response: Record<string, unknown> & { output: Array<Record<string, unknown>> };
  error?: { code?: unknown; message?: unknown };
  events: string[];
}

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

const ITEM_EVENTS: Record<string, string> = {
  "response.content_part.added": "message",
  "response.output_text.delta": "message",
  "response.output_text.done": "message",
  "response.content_part.done": "message",
  "response.reasoning_summary_part.added": "reasoning",
  "response.reasoning_summary_text.delta": "reasoning",
  "response.reasoning_summary_text.done": "reasoning",
  "response.reasoning_summary_part.done": "reasoning",
  "response.function_call_arguments.delta": "function_call",
  "response.function_call_arguments.done": "function_call",
};

interface OpenItem {
  item: Json;
  index: number;
  /** Message content parts or reasoning summary parts, as the deltas built them. */
  parts: string[];
  partOpen: boolean;
  partDone: boolean;
  text: string;
}

export function checkResponsesStream(text: string): CheckedResponsesStream {
  const events = parseEvents(text);
  const names = events.map((e) => e.event);
  const fail = (why: string): never => {
    throw new Error(`${why}; events: ${names.join(" ")}`);
  };
  const done: Json[] = [];
  let open: OpenItem | undefined;
  let phase = "start" as "start" | "created" | "items" | "ended" | "errored";
  let final: Json | undefined;
  let outcome: CheckedResponsesStream["outcome"] = "failed";
  let error: CheckedResponsesStream["error"];
  events.forEach(({ event, data }, seq) => {
    if (data.sequence_number !== seq) fail(`${event} has sequence_number ${String(data.sequence_number)} where ${seq} was next`);
    if (phase === "ended") fail(`${event} after the terminal event`);
    if (phase === "errored" && event !== "response.failed") fail(`${event} after an error event`);
    if (event === "error") {
      if (typeof data.message !== "string") fail("an error event without a message");
      error = { code: data.code, message: data.message };
      phase = "errored";
      return;
    }
    if (phase === "start") {
      if (event !== "response.created") fail(`${event} before response.created`);
      const r = data.response as Json;
      if (typeof r?.id !== "string" || r.object !== "response" || !Array.isArray(r.output) || typeof r.status !== "string") fail("response.created without a Response");
      phase = "created";
      return;
    }
    if (event === "response.in_progress") {
      if (phase !== "created") fail("response.in_progress after output began");
      phase = "items";
      return;
    }
    phase = "items";
    if (event === "response.output_item.added") {
      if (open) fail("output_item.added while another item is open");
      const item = data.item as Json;
      if (data.output_index !== done.length) fail(`output_index ${String(data.output_index)} where ${done.length} was next`);
      if (typeof item?.id !== "string" || !["message", "reasoning", "function_call"].includes(String(item.type))) fail("an item without an id or of an unknown type");
      if (item.type === "function_call" && (typeof item.call_id !== "string" || typeof item.name !== "string")) fail("a function_call without call_id and name");
      open = { item, index: done.length, parts: [], partOpen: false, partDone: false, text: "" };
      return;
    }
    if (event in ITEM_EVENTS) {
      const o = open ?? fail(`${event} with no item open`);
      if (data.item_id !== o.item.id || data.output_index !== o.index) fail(`${event} for an item that is not the open one`);
      if (ITEM_EVENTS[event] !== o.item.type) fail(`${event} in a ${String(o.item.type)} item`);
      const index = (data.content_index ?? data.summary_index) as number | undefined;
      if (event.endsWith("part.added")) {
        if (o.partOpen || index !== o.parts.length) fail(`${event} out of order`);
        o.partOpen = true;
        o.partDone = false;
        o.parts.push("");
      } else if (event.endsWith("text.delta")) {
        if (!o.partOpen || o.partDone || index !== o.parts.length - 1) fail(`${event} outside its part`);
        o.parts[o.parts.length - 1] += String(data.delta);
      } else if (event.endsWith("text.done")) {
        if (!o.partOpen || o.partDone || data.text !== o.parts.at(-1)) fail(`${event} whose text is not its deltas'`);
        o.partDone = true;
      } else if (event.endsWith("part.done")) {
        if (!o.partDone || (data.part as Json)?.text !== o.parts.at(-1)) fail(`${event} before its text was done, or with another text`);
        o.partOpen = false;
      } else if (event === "response.function_call_arguments.delta") {
        if (o.partDone) fail("arguments after their done event");
        o.text += String(data.delta);
      } else {
        if (data.arguments !== o.text) fail("function_call_arguments.done whose arguments are not the deltas'");
        if (o.text !== "") JSON.parse(o.text);
        o.partDone = true;
      }
      return;
    }
    if (event === "response.output_item.done") {
      const o = open ?? fail("output_item.done with no item open");
      const item = data.item as Json;
      if (data.output_index !== o.index || item?.id !== o.item.id || item.type !== o.item.type) fail("output_item.done for another item");
      if (o.partOpen) fail("output_item.done while a part is open");
      if (item.type === "message" && JSON.stringify((item.content as Json[]).map((p) => p.text)) !== JSON.stringify(o.parts)) fail("a message item whose content is not its parts");
      if (item.type === "reasoning" && JSON.stringify((item.summary as Json[]).map((p) => p.text)) !== JSON.stringify(o.parts)) fail("a reasoning item whose summary is not its parts");
      if (item.type === "function_call" && (item.arguments !== o.text || !o.partDone || item.call_id !== o.item.call_id || item.name !== o.item.name)) fail("a function_call item that is not what streamed");
      done.push(item);
      open = undefined;
      return;
    }
    const terminal = { "response.completed": "completed", "response.incomplete": "incomplete", "response.failed": "failed" }[event] as CheckedResponsesStream["outcome"] | undefined;
    if (!terminal) return fail(`unknown event ${event}`);
    const r = data.response as Json;
    if (r?.status !== terminal) fail(`${event} with status ${String(r?.status)}`);
    if (terminal !== "failed") {
      if (open) fail(`${event} while an item is open`);
      const output = r.output as Json[];
      if (JSON.stringify(output) !== JSON.stringify(done)) fail(`${event} whose output is not the items streamed`);
      const usage = r.usage as Json | undefined;
      const details = usage?.output_tokens_details as Json | undefined;
      if (typeof usage?.input_tokens !== "number" || typeof usage.output_tokens !== "number" || typeof usage.total_tokens !== "number" || typeof details?.reasoning_tokens !== "number") fail(`${event} without usage`);
      if (terminal === "incomplete" && !(r.incomplete_details as Json)?.reason) fail("response.incomplete without incomplete_details");
    } else if (typeof (r.error as Json)?.message !== "string") fail("response.failed without an error");
    else error ??= r.error as Json;
    final = r;
    outcome = terminal;
    phase = "ended";
  });
  if (phase !== "ended" && phase !== "errored") fail("the stream ended without a terminal event");
  return { outcome, response: (final ?? { output: done }) as CheckedResponsesStream["response"], ...(error ? { error } : {}), events: names };
}
