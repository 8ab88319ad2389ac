/**
 * OpenAI's Responses API as an inbound protocol: `toChatRequest` (request.ts, items.ts)
 * turns a request into the internal one; this object turns the internal answer and
 * stream back into a Response and its event sequence. Errors keep OpenAI's shape, which
 * the Responses API shares with Chat Completions.
 */
import { errorBody } from "../../errors";
import { encodeStream } from "../encode-stream";
import type { InboundProtocol } from "../types";
import { responsesEncoder, toResponse } from "./events";
import type { ResponseContext } from "./response";

export interface ResponsesContext extends ResponseContext {
  /** Runs on the whole Response before the client is told it is complete (storing it). */
  readonly onComplete?: (response: Record<string, unknown>) => Promise<void>;
}

export const responsesProtocol: InboundProtocol<ResponsesContext> = {
  errorBody,
  fromCompletion: toResponse,
  fromStream(source, ctx) {
    const encoder = responsesEncoder(ctx);
    const { onComplete } = ctx;
    return encodeStream(source, encoder, onComplete && (async () => void (encoder.response && (await onComplete(encoder.response)))));
  },
};

export { toChatRequest, toolsOf } from "./request";
