/**
 * OpenAI chunk objects out as SSE bytes, ending with `data: [DONE]` when (and only when)
 * the source stream completes normally. An errored source propagates its error instead,
 * so a broken stream never looks finished.
 */
import type { ChatCompletionChunk } from "../openai/chat-response";

const encoder = new TextEncoder();
const DONE = encoder.encode("data: [DONE]\n\n");

export function chunkSerializer(): TransformStream<ChatCompletionChunk, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
    },
    flush(controller) {
      controller.enqueue(DONE);
    },
  });
}
