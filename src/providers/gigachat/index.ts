/**
 * GigaChat's chat API (gigachat.devices.sberbank.ru/api/v1). Close to OpenAI's, but with
 * `functions`/`function_call` instead of tools (it answers `tools` with a 422), object
 * arguments, and a function call that streams whole; so both directions are translated
 * (request.ts, response.ts, stream.ts). Its access token comes from
 * oauth_client_credentials and is added when sending (credentials.ts).
 */
import type { TranslatingAdapter } from "../types";
import { buildGigachatRequest } from "./request";
import { parseGigachatResponse } from "./response";
import { gigachatStreamTransformer } from "./stream";

export const gigachatAdapter: TranslatingAdapter = {
  kind: "translate",
  buildRequest(req, target) {
    return {
      url: `${target.baseUrl}/chat/completions`,
      headers: { "content-type": "application/json", accept: req.stream ? "text/event-stream" : "application/json", ...target.model.providerConfig.headers },
      body: JSON.stringify(buildGigachatRequest(req, target.model.model)),
    };
  },
  parseResponse: parseGigachatResponse,
  streamTransformer: gigachatStreamTransformer,
};
