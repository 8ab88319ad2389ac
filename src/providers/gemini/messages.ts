/**
 * OpenAI `messages` -> Gemini `systemInstruction` + `contents`. Gemini knows only the
 * roles `user` and `model`, wants turns to alternate, wants tool results as
 * `functionResponse` parts naming the function (OpenAI names only the call id), and wants
 * images as inline bytes or file references. A thought signature the client sent back in
 * `reasoning_details` returns to the first part of its turn. Anything that cannot be
 * carried over faithfully is a 400 naming the offending field, never a silent drop.
 */
import { InvalidRequestError } from "../../errors";
import type { ChatMessage, ContentPart } from "../../openai/chat-request";
import { GEMINI_REASONING } from "../../openai/chat-response";
import { signatureFromId } from "./tool-ids";
import { type GeminiContent, type GeminiPart, isObject, type JsonObject } from "./wire";

export interface TranslatedMessages {
  systemInstruction?: { parts: GeminiPart[] };
  contents: GeminiContent[];
}

type TextLike = string | ReadonlyArray<{ type: string; text?: unknown; refusal?: unknown }>;

/** Text of a string or text-part content; refusal parts of earlier assistant turns are text too. */
function textOf(content: TextLike | null | undefined): string[] {
  if (content === null || content === undefined) return [];
  if (typeof content === "string") return [content];
  const out: string[] = [];
  for (const part of content) {
    const text = part.type === "refusal" ? part.refusal : part.text;
    if (typeof text === "string") out.push(text);
  }
  return out;
}

const textParts = (texts: string[]): GeminiPart[] => texts.filter((t) => t !== "").map((text) => ({ text }));

const EXTENSION_MIME: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
};

// Gemini requires a concrete mimeType on fileData; JPEG is the most common web image
// type and one every Gemini vision model accepts, so it is the least surprising guess.
const DEFAULT_IMAGE_MIME = "image/jpeg";

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)((?:;[^;,]*)*);base64,([A-Za-z0-9+/=\s]*)$/s;

function imagePart(url: string, param: string): GeminiPart {
  if (url.startsWith("data:")) {
    const match = DATA_URL.exec(url);
    if (!match?.[1] || match[3] === undefined) {
      throw new InvalidRequestError("Image data URLs must look like data:<mime type>;base64,<data>.", { param });
    }
    return { inlineData: { mimeType: match[1].toLowerCase(), data: match[3].replace(/\s+/g, "") } };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidRequestError("Image URLs must be data: URLs or http(s) URLs.", { param });
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new InvalidRequestError(`Image URLs with the scheme ${parsed.protocol} cannot be sent to Gemini; use a data: or https URL.`, { param });
  }
  const extension = /\.([a-z0-9]+)$/i.exec(parsed.pathname)?.[1]?.toLowerCase() ?? "";
  return { fileData: { mimeType: EXTENSION_MIME[extension] ?? DEFAULT_IMAGE_MIME, fileUri: url } };
}

function userParts(content: string | ContentPart[], index: number): GeminiPart[] {
  if (typeof content === "string") return textParts([content]);
  const parts: GeminiPart[] = [];
  content.forEach((part, j) => {
    const param = `messages[${index}].content[${j}]`;
    if (part.type === "text") parts.push(...textParts([part.text]));
    else if (part.type === "image_url") parts.push(imagePart(part.image_url.url, `${param}.image_url.url`));
    else throw new InvalidRequestError(`Content parts of type ${part.type} are not supported for Gemini models.`, { param });
  });
  return parts;
}

function parseArguments(text: string, param: string): JsonObject {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError("Tool call arguments must be a JSON object.", { param });
  }
  if (!isObject(value)) throw new InvalidRequestError("Tool call arguments must be a JSON object.", { param });
  return value;
}

/** Gemini wants an object; OpenAI tool results are free text, often JSON. Errors go under `error`, as Gemini documents. */
function toolResponse(text: string, isError: boolean): JsonObject {
  if (isError) return { error: text };
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) return value;
  } catch {
    // Not JSON: wrapped below like any other non-object result.
  }
  return { result: text };
}

/** The turn's own thought signature (not a call's) goes back on its first part that has none. */
function signFirstPart(message: Extract<ChatMessage, { role: "assistant" }>, parts: GeminiPart[]): void {
  const detail = message.reasoning_details?.find((d) => d.format === GEMINI_REASONING && d.type === "reasoning.encrypted" && d.data);
  const part = detail && parts.find((p) => p.thoughtSignature === undefined);
  if (part && detail.data) part.thoughtSignature = detail.data;
}

export function translateMessages(messages: readonly ChatMessage[]): TranslatedMessages {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();

  const push = (role: GeminiContent["role"], parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    // Gemini expects user and model turns to alternate: same-role neighbours become one turn.
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };

  messages.forEach((message, i) => {
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...textParts(textOf(message.content)));
        return;
      case "user":
        return push("user", userParts(message.content, i));
      case "assistant": {
        const parts = textParts(textOf(message.content));
        if (typeof message.refusal === "string" && message.refusal !== "" && parts.length === 0) parts.push({ text: message.refusal });
        (message.tool_calls ?? []).forEach((call, j) => {
          callNames.set(call.id, call.function.name);
          const part: GeminiPart = {
            functionCall: { name: call.function.name, args: parseArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) },
          };
          const signature = signatureFromId(call.id);
          if (signature) part.thoughtSignature = signature;
          parts.push(part);
        });
        signFirstPart(message, parts);
        return push("model", parts);
      }
      case "tool": {
        const name = callNames.get(message.tool_call_id);
        if (name === undefined) {
          throw new InvalidRequestError(
            `Tool message ${i} answers tool_call_id ${JSON.stringify(message.tool_call_id)}, which no earlier assistant message called.`,
            { param: `messages[${i}].tool_call_id` },
          );
        }
        return push("user", [{ functionResponse: { name, response: toolResponse(textOf(message.content).join(""), message.is_error === true) } }]);
      }
    }
  });

  if (contents.length === 0) {
    throw new InvalidRequestError("Gemini needs at least one user or assistant message with content besides system messages.", { param: "messages" });
  }
  return system.length > 0 ? { systemInstruction: { parts: system }, contents } : { contents };
}
