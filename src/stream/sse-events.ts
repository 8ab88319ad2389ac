/**
 * What one OpenAI SSE event means to the proxy: the end marker, an error sent inside the
 * 200, content the client is waiting for, preamble (role-only or empty chunks) that can
 * be held back while a failure would still be invisible, or an event that is not JSON at
 * all (an HTML error page streamed as `data:`), which is no answer. Also splits text into whole
 * events, keeping each event's exact bytes, so events are forwarded untouched and a
 * failure never leaves half an event on the wire.
 */
import { type Usage, validUsage } from "../openai/chat-response";
import { type SseEvent, SseParser } from "./sse-parser";

export type EventKind = "done" | "error" | "content" | "preamble" | "comment" | "invalid";

export interface InspectedEvent {
  kind: EventKind;
  usage?: Usage;
  /** Characters of generated text and tool arguments, for usage estimates. */
  chars: number;
  error?: unknown;
}

const TERMINATOR = /\r\n\r\n|\n\n|\r\r/g;

/** Splits off every complete event; the rest waits for more bytes. */
export function splitEvents(text: string): { events: string[]; rest: string } {
  const events: string[] = [];
  let start = 0;
  TERMINATOR.lastIndex = 0;
  for (let m = TERMINATOR.exec(text); m; m = TERMINATOR.exec(text)) {
    events.push(text.slice(start, m.index + m[0].length));
    start = m.index + m[0].length;
  }
  return { events, rest: text.slice(start) };
}

/**
 * The joined `data:` lines of one whole raw event, or undefined when it has none (a
 * comment). Read by the one SSE parser, so a whole event means the same here as in a stream.
 */
export function eventData(raw: string): string | undefined {
  let data: string | undefined;
  const parser = new SseParser();
  const take = (e: SseEvent) => void (data ??= e.data);
  parser.push(raw, take);
  parser.end(take);
  return data;
}

interface ChunkShape {
  error?: unknown;
  usage?: Usage | null;
  choices?: Array<{ finish_reason?: string | null; delta?: Record<string, unknown> }>;
}

function hasValue(v: unknown): boolean {
  if (v === null || v === undefined || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

/** Length of the first `"key":"..."` string value in a JSON text, escapes counted once; 0 if absent. */
export function stringValueLength(json: string, key: string): number {
  const at = json.indexOf(`"${key}":"`);
  if (at === -1) return 0;
  let n = 0;
  for (let i = at + key.length + 4; i < json.length; i++) {
    const ch = json.charCodeAt(i);
    if (ch === 34 /* " */) return n;
    if (ch === 92 /* \ */) i++;
    n++;
  }
  return n;
}

export function inspectEvent(raw: string): InspectedEvent {
  const data = eventData(raw);
  // An empty `data:` is a keep-alive some providers send.
  if (data === undefined || data.trim() === "") return { kind: "comment", chars: 0 };
  if (data.trim() === "[DONE]") return { kind: "done", chars: 0 };
  let chunk: ChunkShape;
  try {
    chunk = JSON.parse(data) as ChunkShape;
  } catch {
    return { kind: "invalid", chars: 0 };
  }
  if (!chunk || typeof chunk !== "object") return { kind: "invalid", chars: 0 };
  if (chunk.error) return { kind: "error", chars: 0, error: chunk.error };
  let chars = 0;
  let content = false;
  // Shapes are the upstream's to get wrong: anything unexpected is simply no content.
  for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
    if (!choice || typeof choice !== "object") continue;
    if (choice.finish_reason) content = true;
    const delta = choice.delta && typeof choice.delta === "object" ? choice.delta : {};
    for (const [key, value] of Object.entries(delta)) {
      if (key === "role" || !hasValue(value)) continue;
      content = true;
      if (typeof value === "string") chars += value.length;
      else if (key === "tool_calls" && Array.isArray(value)) {
        for (const call of value as Array<{ function?: { arguments?: unknown; name?: unknown } } | null>) {
          const fn = call?.function;
          chars += (typeof fn?.arguments === "string" ? fn.arguments.length : 0) + (typeof fn?.name === "string" ? fn.name.length : 0);
        }
      }
    }
  }
  const usage = validUsage(chunk.usage);
  // A usage-only chunk ends a finished answer: it is not preamble either.
  return { kind: content || usage ? "content" : "preamble", chars, ...(usage ? { usage } : {}) };
}
