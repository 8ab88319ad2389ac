/**
 * How a test steers the simulator: a directive embedded in the request's message text,
 * `<<sim {"status":429,"tag":"t1"}>>` (the last one in the request counts). Text survives
 * every adapter's translation, and a
 * per-request directive keeps parallel test files from stepping on each other (no shared
 * fault queue). `tag` groups requests so a test can read back exactly what it caused.
 */
export interface ToolCallSpec {
  name: string;
  arguments: Record<string, unknown>;
}

export interface Directive {
  /** Text of the answer; default: "Hello from <model>." */
  reply?: string;
  /** Leave usage out of a whole (non-streamed) answer, as some OpenAI-compatible upstreams do. */
  no_usage?: boolean;
  /** An answer of exactly this many words ("w1 w2 ..."), so this many output tokens, from a short prompt. */
  reply_words?: number;
  /** Answer with this HTTP status and the protocol's error body. */
  status?: number;
  /** Override the error message (or whole error body with `error_body`). */
  message?: string;
  error_body?: unknown;
  /** Extra response headers (e.g. retry-after). */
  headers?: Record<string, string>;
  /** Wait before sending headers. */
  delay_ms?: number;
  /** Wait between stream chunks. */
  chunk_delay_ms?: number;
  /** Destroy the socket after this many content chunks (mid-stream drop). */
  drop_after?: number;
  /** Destroy the socket before sending anything. */
  drop?: boolean;
  /** Answer 200 with an empty body. */
  empty?: boolean;
  /** Split every SSE frame across two TCP writes, with CRLF line endings. */
  split_writes?: boolean;
  /** Gemini: CRLF line endings, but each frame in one write (Gemini splits them by default). */
  whole_writes?: boolean;
  /** Send SSE comment / keep-alive lines between frames. */
  keepalive?: boolean;
  /** OpenAI-compatible answers: reasoning_content sent before the answer. */
  reasoning?: string;
  /** Answer with tool calls instead of text. */
  tool_calls?: ToolCallSpec[];
  finish_reason?: string;
  tag?: string;
  /** Go silent for `pause_ms` once, after this many frames (trips an idle timeout). */
  pause_after?: number;
  pause_ms?: number;
  /** After headers, wait this long before the first frame (trips a first-token timeout). */
  stall_ms?: number;
  /**
   * An error event inside the 200 stream, in the protocol's style: OpenAI `data: {"error"}`
   * ("openai"), OpenRouter's error chunk ("openrouter"), Anthropic `event: error` (its error
   * type, e.g. "overloaded_error"), the Responses API an `error` event with that code or,
   * for "response.failed", that event (responses.ts). Gemini uses `error_body`.
   */
  stream_error?: string;
  /** Content pieces sent before `stream_error` (0: before any content; default: half). */
  error_after?: number;
  /** Hostile upstreams (hostile.ts): a body of this many bytes, sent lazily. */
  body_bytes?: number;
  /** With body_bytes: a valid completion of that size made of tiny objects. */
  many_objects?: boolean;
  /** Send the body or stream gzip-encoded (a gzip bomb, with body_bytes). */
  gzip?: boolean;
  /** A stream `data:` line of this many bytes with no newline, after `line_after` frames. */
  sse_line_bytes?: number;
  /** Short `data:` lines, this many bytes of them, with no blank line ending the event. */
  sse_event_bytes?: number;
  line_after?: number;
  /** After frame i, repeat frame i for ever (as fast as the reader reads). */
  endless_from?: number;
  /** A raw 200 JSON body instead of the protocol's answer. */
  body?: unknown;
  /** Raw SSE frames instead of the protocol's stream. */
  frames?: string[];
  /** Embeddings (embeddings.ts): a vector "missing", every vector one number "short", or "none" in a 200. */
  embed?: "missing" | "short" | "none";
  /** Embeddings: OpenAI's `data` in reverse order, with the right indexes. */
  shuffle?: boolean;
  /** Apply faults (status, drop, empty, delays) only to these upstream model ids. */
  only?: string[];
  /** Apply faults only to the first N requests carrying this directive's tag. */
  times?: number;
}

const FAULTS = [
  "status", "message", "error_body", "drop", "empty", "delay_ms", "drop_after", "headers", "stall_ms", "stream_error", "chunk_delay_ms", "pause_after",
  "body_bytes", "many_objects", "gzip", "sse_line_bytes", "sse_event_bytes", "endless_from", "body", "frames", "embed",
] as const;

/** The directive without its faults, for requests the faults do not target. */
export function withoutFaults(d: Directive): Directive {
  const clean: Directive = { ...d };
  for (const key of FAULTS) delete clean[key];
  return clean;
}

const MARKER = /<<sim (\{.*?\})>>/gs;

/** The last directive in the request wins: in a conversation, the newest message steers. */
export function parseDirective(texts: readonly string[]): Directive {
  for (let i = texts.length - 1; i >= 0; i--) {
    const matches = [...texts[i]!.matchAll(MARKER)];
    const last = matches.at(-1)?.[1];
    if (last) {
      try {
        return JSON.parse(last) as Directive;
      } catch {
        return {};
      }
    }
  }
  return {};
}

/** Every string found anywhere in a JSON value: directives may sit in any text field. */
export function collectTexts(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectTexts(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) collectTexts(v, out);
  return out;
}

export function replyText(d: Directive, model: string): string {
  if (d.reply === undefined && d.reply_words !== undefined) return Array.from({ length: d.reply_words }, (_, i) => `w${i + 1}`).join(" ");
  return d.reply ?? `Hello from ${model}.`;
}

/** Split text into word-ish chunks ("Hello", " from", " x.") that concatenate back exactly. */
export function chunkText(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [text];
}

/** Deterministic token counts: words in, chunks out. */
export function countTokens(texts: readonly string[]): number {
  return texts.reduce((n, t) => n + (t.match(/\S+/g)?.length ?? 0), 0);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
