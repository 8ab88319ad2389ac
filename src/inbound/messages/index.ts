/**
 * Anthropic's Messages API as an inbound protocol: `toChatRequest` (request.ts) turns a
 * request into the internal one; this object turns the internal answer, stream and
 * errors back into Messages shapes.
 */
import type { InboundProtocol } from "../types";
import { messagesErrorBody } from "./errors";
import { toMessage } from "./response";
import { messagesStream } from "./stream";

export const messagesProtocol: InboundProtocol = {
  errorBody: messagesErrorBody,
  fromCompletion: (completion, ctx) => toMessage(completion, ctx.model, ctx.inputTokens),
  fromStream: (source, ctx) => messagesStream(source, ctx),
};

export { toChatRequest } from "./request";
