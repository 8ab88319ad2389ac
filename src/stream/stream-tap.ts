/**
 * Watches an OpenAI SSE body on its way to the client without changing a byte: it reads
 * the usage the upstream reports (or estimates it from the text when there is none) and
 * settles `done` with how the stream ended: completed with `[DONE]`, failed, or cancelled
 * by the client. Pull-based, so it reads from upstream only as fast as the client does,
 * and a client that goes away cancels the upstream read at once.
 */
import type { Usage } from "../openai/chat-response";
import { SseParser } from "./sse-parser";

export interface StreamOutcome {
  /** The stream ended with `data: [DONE]`. */
  completed: boolean;
  cancelled: boolean;
  error?: unknown;
  usage?: Usage;
  /** `usage` was estimated, not reported by the upstream. */
  estimated: boolean;
}

export interface TappedStream {
  body: ReadableStream<Uint8Array>;
  done: Promise<StreamOutcome>;
}

/** Roughly four characters a token: good enough to count quota when the provider is silent. */
export const estimateTokens = (chars: number) => Math.ceil(chars / 4);

interface ChunkShape {
  usage?: Usage | null;
  choices?: Array<{ delta?: { content?: string | null; tool_calls?: Array<{ function?: { arguments?: string } }> } }>;
}

export function tapStream(source: ReadableStream<Uint8Array>, promptTokens: number): TappedStream {
  const reader = source.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let usage: Usage | undefined;
  let completed = false;
  let outputChars = 0;
  let settle!: (o: StreamOutcome) => void;
  const done = new Promise<StreamOutcome>((resolve) => (settle = resolve));

  const onEvent = ({ data }: { data: string }) => {
    if (data === "[DONE]") {
      completed = true;
      return;
    }
    // Parsing every chunk costs little next to the network; it is what makes estimates possible.
    let chunk: ChunkShape;
    try {
      chunk = JSON.parse(data) as ChunkShape;
    } catch {
      return;
    }
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      outputChars += choice.delta?.content?.length ?? 0;
      for (const call of choice.delta?.tool_calls ?? []) outputChars += call.function?.arguments?.length ?? 0;
    }
  };
  const outcome = (extra: Partial<StreamOutcome>): StreamOutcome => {
    if (usage) return { completed, cancelled: false, usage, estimated: false, ...extra };
    const completion = estimateTokens(outputChars);
    return {
      completed,
      cancelled: false,
      estimated: true,
      usage: { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion },
      ...extra,
    };
  };

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          settle(outcome({ error }));
          controller.error(error);
          return;
        }
        if (result.done) {
          parser.push(decoder.decode(), onEvent);
          parser.end(onEvent);
          settle(outcome({}));
          controller.close();
          return;
        }
        parser.push(decoder.decode(result.value, { stream: true }), onEvent);
        controller.enqueue(result.value);
      },
      async cancel(reason) {
        settle(outcome({ cancelled: true }));
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, done };
}
