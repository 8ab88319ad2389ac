/**
 * Serves a cached completion to a streaming request as a proper SSE stream: a role chunk,
 * the reasoning, the content, tool calls with their indexes, the finish chunk, a usage
 * chunk when the client asked for one, then `[DONE]`. What an SDK assembles equals the
 * cached answer.
 */
import type { ChatCompletion, ChatCompletionChunk, ChunkDelta } from "../openai/chat-response";

type Message = ChatCompletion["choices"][number]["message"];

/**
 * Reasoning as a stream carries it: when signed text blocks (Anthropic thinking) hold the
 * whole text, each comes with its own text, so every block is rebuilt as it was; otherwise
 * the text, then the state that goes with it (a Gemini thought signature).
 */
function reasoningDeltas({ reasoning_content: text = "", reasoning_details: details = [] }: Message): ChunkDelta[] {
  const texts = details.flatMap((d) => (d.type === "reasoning.text" ? [d.text ?? ""] : []));
  if (texts.length && texts.join("") === text) {
    return details.map((d) => (d.type === "reasoning.text" && d.text ? { reasoning_content: d.text, reasoning_details: [d] } : { reasoning_details: [d] }));
  }
  return [...(text ? [{ reasoning_content: text }] : []), ...(details.length ? [{ reasoning_details: details }] : [])];
}

export function replayAsStream(completion: ChatCompletion, includeUsage: boolean): ReadableStream<Uint8Array> {
  const chunks: ChatCompletionChunk[] = [];
  const base = { id: completion.id, object: "chat.completion.chunk" as const, created: completion.created, model: completion.model };
  for (const choice of completion.choices) {
    const { index, message } = choice;
    chunks.push({ ...base, choices: [{ index, delta: { role: "assistant", content: "" }, finish_reason: null }] });
    for (const delta of reasoningDeltas(message)) chunks.push({ ...base, choices: [{ index, delta, finish_reason: null }] });
    if (message.content) chunks.push({ ...base, choices: [{ index, delta: { content: message.content }, finish_reason: null }] });
    if (message.refusal) chunks.push({ ...base, choices: [{ index, delta: { refusal: message.refusal }, finish_reason: null }] });
    (message.tool_calls ?? []).forEach((call, i) => {
      chunks.push({ ...base, choices: [{ index, delta: { tool_calls: [{ index: i, id: call.id, type: "function", function: call.function }] }, finish_reason: null }] });
    });
    chunks.push({ ...base, choices: [{ index, delta: {}, finish_reason: choice.finish_reason }] });
  }
  if (includeUsage && completion.usage) chunks.push({ ...base, choices: [], usage: completion.usage });
  const text = `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join("")}data: [DONE]\n\n`;
  return new Response(text).body!;
}
