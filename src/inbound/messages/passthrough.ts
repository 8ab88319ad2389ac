/**
 * Messages requests to `anthropic` providers (Anthropic's API or Claude on Vertex AI) are
 * passed through: same protocol in and out, so nothing is lost to the internal form
 * (providers/anthropic/passthrough.ts says what changes on the way up). The answer goes
 * back as the provider wrote it; a stream is observed through the Anthropic translator
 * and, failing after content, ends with Anthropic's own `event: error`.
 *
 * A request with a `system` role inside `messages` (Claude Code's first request may have
 * one) is the exception: Anthropic refuses it, the translation moves it into `system`, so
 * it takes the translated path to every target.
 */
import type { RelayFor } from "../../providers/chat-attempt";
import { messageUsage, passthroughRequest } from "../../providers/anthropic/passthrough";
import { streamTransformer } from "../../providers/anthropic/stream";
import { keepClientText } from "../../providers/json-splice";
import type { Relay } from "../../providers/relay";
import { messagesErrorBody } from "./errors";
import type { MessagesRequest } from "./schema";

const anthropicRelay: Relay = {
  answerUsage: messageUsage,
  observer: streamTransformer,
  errorEvent: (error) => `event: error\ndata: ${JSON.stringify(messagesErrorBody(error))}\n\n`,
};

/**
 * `raw` is the client's body text (validated as `body` already): each Anthropic target
 * gets it as it came, its changes spliced in, so the body goes up in the client's own key
 * order, unknown fields and all. `beta` is the client's `anthropic-beta` header.
 */
export function messagesRelay(body: MessagesRequest, raw: string, beta: string | undefined): RelayFor | undefined {
  if (body.messages.some((m) => m.role === "system")) return undefined;
  keepClientText(body, raw);
  return (model, target) => {
    if (model.providerConfig.type !== "anthropic") return undefined;
    const spec = passthroughRequest(body, beta, target);
    return { kind: "relay", relay: anthropicRelay, target, spec, stream: body.stream === true };
  };
}
