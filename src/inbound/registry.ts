/**
 * Which inbound protocol a path speaks, so that every error on it, including those the
 * middleware raises before any route runs (401, 404, 405, 413, 415), has that protocol's
 * shape. Paths not listed speak Chat Completions' (OpenAI's) shape.
 */
import { messagesProtocol } from "./messages";
import type { InboundProtocol } from "./types";

const MESSAGES = /^(?:\/v1)?\/messages(?:\/|$)/;

/** `path` is normalised (middleware/path.ts). */
export function inboundForPath(path: string): InboundProtocol | undefined {
  return MESSAGES.test(path) ? messagesProtocol : undefined;
}
