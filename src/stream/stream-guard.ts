/**
 * Every streamed answer passes through here, whatever protocol produced it, and this is
 * what makes streaming honest:
 * - Before the first content-bearing event (text, tool call, refusal, reasoning, a
 *   finish), role-only and empty chunks are held back (up to 64 KiB). A failure in that
 *   window (broken connection, first-token timeout, the request's deadline, an error
 *   event inside the 200, an event that is not JSON, a stream that ends empty or with
 *   nothing but `[DONE]`) is thrown as a typed error, so the caller can retry or fall back
 *   and the client never sees a duplicated role chunk or text.
 * - After that, events are forwarded untouched and only whole (a failure never leaves half
 *   an event on the wire). A failure ends the stream with an OpenAI error event,
 *   `data: {"error":...}`, and no `[DONE]`, so SDKs raise instead of returning truncated
 *   text as a success. Idle and total timeouts apply. Comment and keep-alive events are
 *   dropped. Nothing after `[DONE]` is forwarded: the upstream is let go there.
 * - One event may hold at most MAX_SSE_EVENT_CHARS (a line without a newline counts as the
 *   event it would start): past it the stream fails as too large, so an upstream cannot
 *   grow the buffer until the isolate runs out of memory.
 * - Usage is read from the stream (estimated when there is none), and `done` settles with
 *   how the stream ended. Reads are pulled as the client reads; a client that leaves
 *   cancels the upstream at once.
 */
import { errorBody, ProxyError, UpstreamBadResponseError, UpstreamNetworkError, UpstreamTimeoutError, UpstreamTooLargeError } from "../errors";
import type { Usage } from "../openai/chat-response";
import type { StreamEnd } from "../routing/answer-outcome";
import { estimateTokens } from "../routing/estimate-tokens";
import { inspectEvent, inspectEventAfterContent, splitEvents } from "./sse-events";
import { MAX_SSE_EVENT_CHARS } from "./sse-parser";

export interface GuardedStream {
  body: ReadableStream<Uint8Array>;
  done: Promise<StreamEnd>;
}

export interface GuardOptions {
  provider: string;
  /** When the upstream request started: the first-token and total deadlines count from it. */
  startedAt: number;
  ttftMs: number;
  idleMs: number;
  totalMs: number;
  /** The request's deadline: the wait for the first content ends there too, with its error. */
  deadline?: { at: number; error: () => ProxyError };
  promptTokens: number;
  /** Turns an `error` object found inside the stream into a typed error. */
  classifyErrorEvent(error: unknown): ProxyError;
  /** Aborts the upstream request, closing its connection. */
  abortUpstream(reason: unknown): void;
}

const HOLD_LIMIT = 64 * 1024;
const ENDS_EVENT = /\r\n\r\n|\n\n|\r\r/;
const encoder = new TextEncoder();
const DONE = "data: [DONE]\n\n";

export async function guardStream(source: ReadableStream<Uint8Array>, opts: GuardOptions): Promise<GuardedStream> {
  const reader = source.getReader();
  const decoder = new TextDecoder();
  const totalDeadline = opts.startedAt + opts.totalMs;
  // The unterminated end of the stream so far, kept in pieces: joining a long event at
  // every chunk would copy it again and again.
  let rest: string[] = [];
  let restLength = 0;
  let restTail = "";
  const setRest = (text: string) => {
    rest = text ? [text] : [];
    restLength = text.length;
    restTail = text.slice(-3);
  };
  let usage: Usage | undefined;
  let chars = 0;
  let sawDone = false;
  let sawContent = false;
  let sawFinish = false;

  const stop = (reason: unknown) => {
    opts.abortUpstream(reason);
    reader.cancel(reason).catch(() => undefined);
  };

  /** One chunk within `ms` (null at the end), or a typed error. */
  const read = async (ms: number, timeout: () => ProxyError): Promise<Uint8Array | null> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timeout()), Math.max(0, ms));
    });
    try {
      const r = await Promise.race([reader.read(), expired]);
      return r.done ? null : r.value;
    } catch (err) {
      if (err instanceof ProxyError) throw err;
      throw new UpstreamNetworkError(opts.provider, "the connection broke during the stream");
    } finally {
      clearTimeout(timer);
    }
  };

  /** Whole events from new bytes: what to forward, or the error that ends it all. Nothing after [DONE]. */
  const take = (chunk: Uint8Array | null): { out: string; error?: ProxyError } => {
    if (sawDone) return { out: "" };
    const text = chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    const tooLarge = () => new UpstreamTooLargeError(opts.provider, "a stream event", MAX_SSE_EVENT_CHARS);
    // No event can end in this chunk: hold it without rescanning what is held.
    if (chunk && !ENDS_EVENT.test(text) && !ENDS_EVENT.test(restTail + text.slice(0, 3))) {
      rest.push(text);
      restLength += text.length;
      restTail = text.length >= 3 ? text.slice(-3) : (restTail + text).slice(-3);
      return restLength > MAX_SSE_EVENT_CHARS ? { out: "", error: tooLarge() } : { out: "" };
    }
    const split = splitEvents(rest.join("") + text);
    setRest(chunk ? split.rest : "");
    if (!chunk && split.rest.trim()) split.events.push(`${split.rest}\n\n`);
    let out = "";
    for (const raw of split.events) {
      const e = sawContent ? inspectEventAfterContent(raw) : inspectEvent(raw);
      if (e.kind === "comment") continue;
      if (e.kind === "invalid") return { out, error: new UpstreamBadResponseError(opts.provider, "a stream event that is not JSON") };
      if (e.kind === "error") return { out, error: opts.classifyErrorEvent(e.error) };
      if (e.kind === "done") {
        sawDone = true;
        setRest("");
        return { out: out + raw };
      }
      if (e.kind === "content") sawContent = true;
      if (e.usage) usage = e.usage;
      if (/"finish_reason"\s*:\s*"/.test(raw)) sawFinish = true;
      chars += e.chars;
      out += raw;
    }
    if (restLength > MAX_SSE_EVENT_CHARS) return { out, error: tooLarge() };
    return { out };
  };

  // Phase 1: nothing has reached the client; any failure is the caller's to retry.
  let firstDeadline = Math.min(opts.startedAt + opts.ttftMs, totalDeadline);
  let firstTimeout: () => ProxyError = () => new UpstreamTimeoutError(opts.provider, opts.ttftMs, "first token");
  if (opts.deadline && opts.deadline.at < firstDeadline) ({ at: firstDeadline, error: firstTimeout } = opts.deadline);
  let held = "";
  let sourceEnded = false;
  while (!sawContent && held.length <= HOLD_LIMIT) {
    let chunk: Uint8Array | null;
    try {
      chunk = await read(firstDeadline - Date.now(), firstTimeout);
    } catch (err) {
      stop(err);
      throw err;
    }
    const { out, error } = take(chunk);
    if (error) {
      stop(error);
      throw error;
    }
    held += out;
    if (chunk === null || sawDone) {
      // Ended, by the source or by [DONE]: read no further.
      sourceEnded = true;
      if (sawContent) break;
      const empty = new UpstreamBadResponseError(opts.provider, "the stream ended before any content");
      stop(empty);
      throw empty;
    }
  }

  // Phase 2: the client has the answer's start; failures are reported inside the stream.
  let settle!: (o: StreamEnd) => void;
  const done = new Promise<StreamEnd>((resolve) => (settle = resolve));
  let ended = false;
  const finish = (extra: Partial<StreamEnd>) => {
    if (ended) return;
    ended = true;
    const completed = sawDone || sawFinish;
    if (usage) return settle({ kind: "stream", completed, cancelled: false, estimated: false, usage, ...extra });
    const completion = estimateTokens(chars);
    settle({
      kind: "stream",
      completed,
      cancelled: false,
      estimated: true,
      usage: { prompt_tokens: opts.promptTokens, completion_tokens: completion, total_tokens: opts.promptTokens + completion },
      ...extra,
    });
  };
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, err: unknown) => {
    const error = err instanceof ProxyError ? err : new UpstreamNetworkError(opts.provider, "the stream failed");
    stop(error);
    controller.enqueue(encoder.encode(`data: ${JSON.stringify(errorBody(error))}\n\n`));
    finish({ completed: false, error });
    controller.close();
  };
  const end = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    // After [DONE] the upstream may still be open (or still talking): let it go.
    if (sawDone) reader.cancel().catch(() => undefined);
    if (!sawDone) {
      // A finished answer whose upstream forgot [DONE] still ends the way clients expect;
      // one that just stopped is truncated, and says so.
      if (!sawFinish) return fail(controller, new UpstreamBadResponseError(opts.provider, "the stream ended before the answer was complete"));
      controller.enqueue(encoder.encode(DONE));
    }
    finish({});
    controller.close();
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (held) controller.enqueue(encoder.encode(held));
        held = "";
        if (sourceEnded) end(controller);
      },
      async pull(controller) {
        // Loop until something is enqueued: a pull that enqueues nothing (a dropped
        // keep-alive, half an event) is not called again for the same read.
        while (!ended) {
          const left = totalDeadline - Date.now();
          let chunk: Uint8Array | null;
          try {
            chunk =
              opts.idleMs < left
                ? await read(opts.idleMs, () => new UpstreamTimeoutError(opts.provider, opts.idleMs, "chunk"))
                : await read(left, () => new UpstreamTimeoutError(opts.provider, opts.totalMs, "complete answer"));
          } catch (err) {
            return fail(controller, err);
          }
          const { out, error } = take(chunk);
          if (out) controller.enqueue(encoder.encode(out));
          if (error) return fail(controller, error);
          if (chunk === null || sawDone) return end(controller);
          if (out) return;
        }
      },
      cancel(reason) {
        finish({ cancelled: true });
        stop(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, done };
}
