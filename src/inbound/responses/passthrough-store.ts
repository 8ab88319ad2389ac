/**
 * Stores a Response passed through from a provider (passthrough.ts) as the translated
 * path stores its own: under the provider's response id, before the client learns the
 * answer is complete, so `GET /v1/responses/{id}` and a follow-up naming it as
 * `previous_response_id` find it. A whole answer is read once and sent on as it came; a
 * stream is forwarded chunk by chunk (the stream guard hands over whole events), and the
 * chunk holding `response.completed` (or `response.incomplete`) waits for the store.
 */
import { eventData, splitEvents } from "../../stream/sse-events";

type Save = (response: Record<string, unknown>) => Promise<void>;

const isResponse = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && (v as { object?: unknown }).object === "response";

/** The Response a stream's last lifecycle event carries, if `raw` is that event. */
function finalResponse(raw: string): Record<string, unknown> | undefined {
  if (!raw.includes("response.completed") && !raw.includes("response.incomplete")) return undefined;
  try {
    const data = JSON.parse(eventData(raw) ?? "") as { type?: unknown; response?: unknown };
    return (data.type === "response.completed" || data.type === "response.incomplete") && isResponse(data.response) ? data.response : undefined;
  } catch {
    return undefined;
  }
}

function storingStream(body: ReadableStream<Uint8Array>, save: Save): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  let rest = "";
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        const split = splitEvents(rest + decoder.decode(chunk, { stream: true }));
        rest = split.rest;
        for (const raw of split.events) {
          const response = finalResponse(raw);
          if (response) await save(response);
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/** `res` is a passed-through answer (JSON or SSE); the same answer, with its Response stored on the way. */
export async function storePassedThrough(res: Response, save: Save): Promise<Response> {
  if (!res.body) return res;
  if ((res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return new Response(storingStream(res.body, save), { status: res.status, headers: res.headers });
  }
  const text = await res.text();
  try {
    const json: unknown = JSON.parse(text);
    if (isResponse(json)) await save(json);
  } catch {
    // Checked to be a Response upstream (providers/openai-responses.ts): nothing to store otherwise.
  }
  return new Response(text, { status: res.status, headers: res.headers });
}
