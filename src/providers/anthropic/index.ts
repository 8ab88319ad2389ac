// PLACEHOLDER until the anthropic adapter lands; replaced wholesale.
import { InvalidRequestError } from "../../errors";
import type { TranslatingAdapter } from "../types";

const missing = () => {
  throw new InvalidRequestError("The anthropic protocol is not implemented yet.");
};

export const anthropicAdapter: TranslatingAdapter = {
  kind: "translate",
  buildRequest: missing,
  parseResponse: missing,
  streamTranslator: missing,
};
