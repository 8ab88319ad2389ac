// PLACEHOLDER until the gemini simulator lands; replaced wholesale.
import type { ProtocolHandler } from "./server";
import { sendJson } from "./openai";

export const geminiRoute = {
  test: (path: string) => path.startsWith("/gemini/"),
  handle: ((_req, res) => sendJson(res, 501, { error: { message: "not implemented" } })) as ProtocolHandler,
};
