/**
 * Responses requests to `openai` providers that serve `/responses` themselves
 * (`responses: true`) are passed through: same protocol in and out, so hosted tools run
 * and OpenAI's own `encrypted_content` reasoning items reach the provider
 * (providers/openai-responses.ts says what changes on the way up). The answer goes back
 * as the provider wrote it; a stream is observed (providers/openai-responses-stream.ts)
 * and, failing after content, ends with an `error` event and `response.failed`, as the
 * translated stream does (events.ts), so SDKs raise.
 *
 * A request that continues a conversation this proxy stored (`previous_response_id`, or
 * an `item_reference`) is the exception: the provider does not know those ids, and the
 * conversation is expanded from the store (conversation.ts), so it takes the translated
 * path to every target. `store` goes up as the client set it, like every other field: the
 * route stores the provider's Response under its id (passthrough-store.ts), so follow-ups
 * find it here whatever the provider keeps.
 */
import { errorBody, type ProxyError } from "../../errors";
import type { RelayFor } from "../../providers/chat-attempt";
import { keepClientText } from "../../providers/json-splice";
import { responseUsage, responsesRequest } from "../../providers/openai-responses";
import { responsesObserver, type ResponsesStreamState } from "../../providers/openai-responses-stream";
import type { Relay } from "../../providers/relay";
import type { ResponsesRequest } from "./schema";

const frame = (type: string, payload: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;

/** One per attempt: the events ending a failed stream continue the upstream's numbering and name its Response. */
function responsesRelayFor(): Relay {
  const state: ResponsesStreamState = { seq: 0, response: undefined };
  return {
    answerUsage: responseUsage,
    observer: (ctx) => responsesObserver(ctx, state),
    errorEvent(error: ProxyError) {
      const { message, type, code } = errorBody(error).error;
      const failure = { code: code ?? type, message };
      let out = frame("error", { ...failure, param: null, sequence_number: ++state.seq });
      if (state.response) out += frame("response.failed", { sequence_number: ++state.seq, response: { ...state.response, status: "failed", error: failure } });
      return out;
    },
  };
}

/** Whether the request names what only this proxy's store holds. */
const continuesStored = (body: ResponsesRequest) => Boolean(body.previous_response_id) || (Array.isArray(body.input) && body.input.some((i) => i.type === "item_reference"));

/** `raw` is the client's body text (validated as `body` already), sent to each target with its changes spliced in. */
export function responsesRelay(body: ResponsesRequest, raw: string): RelayFor | undefined {
  if (continuesStored(body)) return undefined;
  keepClientText(body, raw);
  return (model, target) => {
    const p = model.providerConfig;
    if (p.type !== "openai" || p.responses !== true) return undefined;
    const spec = responsesRequest(body, target);
    return { kind: "relay", relay: responsesRelayFor(), target, spec, stream: body.stream === true };
  };
}
