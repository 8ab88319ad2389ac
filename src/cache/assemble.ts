/**
 * Rebuilds a chat.completion from an OpenAI chunk stream, so a streamed answer can be
 * cached once and later served to plain and streaming requests alike. Returns undefined
 * for anything but a stream that completed.
 */
import type { AssistantToolCall, ChatCompletion, ChatCompletionChunk, FinishReason, Usage } from "../openai/chat-response";
import { SseParser } from "../stream/sse-parser";

interface Choice {
  content: string;
  hasContent: boolean;
  refusal: string | null;
  tools: AssistantToolCall[];
  finish: FinishReason | null;
}

export async function assembleCompletion(body: ReadableStream<Uint8Array>): Promise<ChatCompletion | undefined> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const choices = new Map<number, Choice>();
  let head: Pick<ChatCompletion, "id" | "created" | "model"> | undefined;
  let usage: Usage | undefined;
  let done = false;
  let broken = false;
  const onEvent = ({ data }: { data: string }) => {
    if (data === "[DONE]") return void (done = true);
    let chunk: Partial<ChatCompletionChunk> & { error?: unknown };
    try {
      chunk = JSON.parse(data) as typeof chunk;
    } catch {
      return;
    }
    if (chunk.error) return void (broken = true);
    head ??= { id: chunk.id ?? "", created: chunk.created ?? 0, model: chunk.model ?? "" };
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices ?? []) {
      const choice = choices.get(c.index) ?? { content: "", hasContent: false, refusal: null, tools: [], finish: null };
      if (typeof c.delta.content === "string") {
        choice.content += c.delta.content;
        choice.hasContent ||= c.delta.content.length > 0;
      }
      if (c.delta.refusal) choice.refusal = (choice.refusal ?? "") + c.delta.refusal;
      for (const t of c.delta.tool_calls ?? []) {
        const call = (choice.tools[t.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
        if (t.id) call.id = t.id;
        if (t.function?.name) call.function.name += t.function.name;
        if (t.function?.arguments) call.function.arguments += t.function.arguments;
      }
      if (c.finish_reason) choice.finish = c.finish_reason;
      choices.set(c.index, choice);
    }
  };
  const reader = body.getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      parser.push(decoder.decode(r.value, { stream: true }), onEvent);
    }
    parser.end(onEvent);
  } catch {
    return undefined;
  }
  if (!done || broken || !head) return undefined;
  return {
    ...head,
    object: "chat.completion",
    choices: [...choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, c]) => ({
        index,
        message: {
          role: "assistant" as const,
          content: c.hasContent || c.tools.length === 0 ? c.content : null,
          ...(c.refusal ? { refusal: c.refusal } : {}),
          ...(c.tools.length ? { tool_calls: c.tools } : {}),
        },
        finish_reason: c.finish,
        logprobs: null,
      })),
    ...(usage ? { usage } : {}),
  };
}
