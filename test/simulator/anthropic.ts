// PLACEHOLDER until the anthropic simulator lands; replaced wholesale.
import type { ProtocolHandler } from "./server";
import { sendJson } from "./openai";

export const anthropicRoute = {
  test: (path: string) => path.startsWith("/anthropic/"),
  handle: ((_req, res) => sendJson(res, 501, { error: { message: "not implemented" } })) as ProtocolHandler,
};
