/**
 * Rebuilds a chat.completion from an OpenAI chunk stream, so a streamed answer can be
 * cached once and later served to plain and streaming requests alike, reasoning included
 * (its text, and the signatures a provider needs back in the next turn). Incremental: it is
 * fed the bytes the client is sent, as they are sent, and holds at most `maxChars` of
 * them; past that, or for anything but a stream that completed with `[DONE]`, it gives
 * nothing to cache. Whatever follows `[DONE]` is ignored.
 */
import type { AssistantToolCall, ChatCompletion, ChatCompletionChunk, FinishReason, ReasoningDetail, Usage } from "../openai/chat-response";
import { SseParser } from "../stream/sse-parser";

interface Choice {
  content: string;
  hasContent: boolean;
  refusal: string | null;
  tools: AssistantToolCall[];
  reasoning: string;
  details: ReasoningDetail[];
  finish: FinishReason | null;
}

/** Abandons the assembly: too large to cache, or not an answer. */
class GiveUp extends Error {}

export class CompletionAssembler {
  private readonly parser = new SseParser(() => new GiveUp());
  private readonly decoder = new TextDecoder();
  private readonly choices = new Map<number, Choice>();
  private head: Pick<ChatCompletion, "id" | "created" | "model"> | undefined;
  private usage: Usage | undefined;
  private done = false;
  private failed = false;
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  /** Feeds bytes the client was sent. */
  push(bytes: Uint8Array): void {
    if (this.failed || this.done) return;
    this.chars += bytes.byteLength;
    if (this.chars > this.maxChars) return void (this.failed = true);
    this.run(() => this.parser.push(this.decoder.decode(bytes, { stream: true }), (e) => this.onEvent(e.data)));
  }

  /** The completion, once the stream has ended; undefined when it must not be cached. */
  finish(): ChatCompletion | undefined {
    if (!this.failed && !this.done) this.run(() => this.parser.end((e) => this.onEvent(e.data)));
    if (!this.done || this.failed || !this.head) return undefined;
    return {
      ...this.head,
      object: "chat.completion",
      choices: [...this.choices.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, c]) => ({
          index,
          message: {
            role: "assistant" as const,
            content: c.hasContent || c.tools.length === 0 ? c.content : null,
            ...(c.refusal ? { refusal: c.refusal } : {}),
            ...(c.tools.length ? { tool_calls: c.tools } : {}),
            ...(c.reasoning ? { reasoning_content: c.reasoning } : {}),
            ...(c.details.length ? { reasoning_details: c.details } : {}),
          },
          finish_reason: c.finish,
          logprobs: null,
        })),
      ...(this.usage ? { usage: this.usage } : {}),
    };
  }

  private run(step: () => void): void {
    try {
      step();
    } catch {
      this.failed = true;
    }
  }

  private onEvent(data: string): void {
    if (this.done || this.failed) return;
    if (data === "[DONE]") return void (this.done = true);
    let chunk: Partial<ChatCompletionChunk> & { error?: unknown };
    try {
      chunk = JSON.parse(data) as typeof chunk;
    } catch {
      return;
    }
    if (chunk.error) throw new GiveUp();
    this.head ??= { id: chunk.id ?? "", created: chunk.created ?? 0, model: chunk.model ?? "" };
    if (chunk.usage) this.usage = chunk.usage;
    for (const c of chunk.choices ?? []) this.addDelta(c);
  }

  private addDelta(c: ChatCompletionChunk["choices"][number]): void {
    const choice = this.choices.get(c.index) ?? { content: "", hasContent: false, refusal: null, tools: [], reasoning: "", details: [], finish: null };
    if (typeof c.delta.content === "string") {
      choice.content += c.delta.content;
      choice.hasContent ||= c.delta.content.length > 0;
    }
    if (c.delta.refusal) choice.refusal = (choice.refusal ?? "") + c.delta.refusal;
    // Some OpenAI-compatible providers name the reasoning text `reasoning`.
    const reasoning = c.delta.reasoning_content ?? (c.delta as { reasoning?: unknown }).reasoning;
    if (typeof reasoning === "string") choice.reasoning += reasoning;
    if (Array.isArray(c.delta.reasoning_details)) choice.details.push(...c.delta.reasoning_details);
    for (const t of c.delta.tool_calls ?? []) {
      const call = (choice.tools[t.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
      if (t.id) call.id = t.id;
      if (t.function?.name) call.function.name += t.function.name;
      if (t.function?.arguments) call.function.arguments += t.function.arguments;
    }
    if (c.finish_reason) choice.finish = c.finish_reason;
    this.choices.set(c.index, choice);
  }
}
