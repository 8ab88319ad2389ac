/**
 * What a guarded stream has said so far, event by event: whether content has begun, its
 * usage, its finish, `[DONE]`, and the characters of text it carried (for an estimate
 * when no usage comes). Before the first content every event is parsed; after it, an
 * event that mentions no error, usage or end is content, recognised by a few substring
 * checks without parsing, which is the path nearly every event of a long stream takes.
 */
import type { ProxyError } from "../errors";
import type { Usage } from "../openai/chat-response";
import type { StreamEnd } from "../routing/answer-outcome";
import { estimateTokens } from "../routing/estimate-tokens";
import { type InspectedEvent, inspectEvent, stringValueLength } from "./sse-events";

/** How an event goes on: forwarded, dropped (comments, keep-alives), or the end of it all. */
export type EventVerdict = { kind: "forward" } | { kind: "drop" } | { kind: "done" } | { kind: "invalid" } | { kind: "error"; error: unknown };

const FORWARD: EventVerdict = { kind: "forward" };
const DROP: EventVerdict = { kind: "drop" };
const DONE: EventVerdict = { kind: "done" };
const INVALID: EventVerdict = { kind: "invalid" };
const FINISH = /"finish_reason"\s*:\s*"/;
const REAL_USAGE = /"usage"\s*:\s*\{/;

/** After content: true when a plain data event can be taken as content without parsing it. */
function plainContent(raw: string): boolean {
  if (!raw.startsWith("data: {") && !raw.startsWith("data:{")) return false;
  if (raw.includes('"error"') || raw.includes("[DONE]")) return false;
  // `"usage":null` rides on every chunk of some streams; only a usage object needs a parse.
  return !raw.includes('"usage"') || !REAL_USAGE.test(raw);
}

export class StreamTally {
  usage: Usage | undefined;
  chars = 0;
  sawContent = false;
  sawFinish = false;
  sawDone = false;

  constructor(private readonly promptTokens: number) {}

  /** Takes one whole raw event into account and says what becomes of it. */
  see(raw: string): EventVerdict {
    if (this.sawContent && plainContent(raw)) {
      if (!raw.includes('"finish_reason":null') && FINISH.test(raw)) this.sawFinish = true;
      this.chars += stringValueLength(raw, "content") + stringValueLength(raw, "arguments");
      return FORWARD;
    }
    return this.verdict(inspectEvent(raw), raw);
  }

  private verdict(e: InspectedEvent, raw: string): EventVerdict {
    switch (e.kind) {
      case "comment":
        return DROP;
      case "invalid":
        return INVALID;
      case "error":
        return { kind: "error", error: e.error };
      case "done":
        this.sawDone = true;
        return DONE;
      case "content":
        this.sawContent = true;
        break;
      case "preamble":
        break;
    }
    if (e.usage) this.usage = e.usage;
    if (FINISH.test(raw)) this.sawFinish = true;
    this.chars += e.chars;
    return FORWARD;
  }

  /** How the stream ended, with its usage, reported or estimated from its text. */
  outcome(extra: { cancelled?: boolean; error?: ProxyError; completed?: boolean }): StreamEnd {
    const completed = extra.completed ?? (this.sawDone || this.sawFinish);
    const base = { kind: "stream" as const, completed, cancelled: extra.cancelled ?? false, ...(extra.error ? { error: extra.error } : {}) };
    if (this.usage) return { ...base, estimated: false, usage: this.usage };
    const completion = estimateTokens(this.chars);
    return { ...base, estimated: true, usage: { prompt_tokens: this.promptTokens, completion_tokens: completion, total_tokens: this.promptTokens + completion } };
  }
}
