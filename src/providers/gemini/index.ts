// PLACEHOLDER until the gemini adapter lands; replaced wholesale.
import { InvalidRequestError } from "../../errors";
import type { TranslatingAdapter } from "../types";

const missing = () => {
  throw new InvalidRequestError("The gemini protocol is not implemented yet.");
};

export const geminiAdapter: TranslatingAdapter = {
  kind: "translate",
  buildRequest: missing,
  parseResponse: missing,
  streamTranslator: missing,
};
