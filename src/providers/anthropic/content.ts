/**
 * One OpenAI content part as one Anthropic content block. Images travel as base64 or by
 * URL, PDFs sent as `file` parts become document blocks, and parts Anthropic has no block
 * for (audio, uploaded file ids) are refused with the path of the offending part, because
 * dropping them would answer a question the client did not ask.
 */
import { InvalidRequestError } from "../../errors";
import type { ContentPart } from "../../openai/chat-request";
import { type CacheControl, type ContentBlock, type DocumentBlock, isRecord, type TextBlock } from "./wire";

/** The only image types the Messages API decodes. */
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s;

interface DataUrl {
  mediaType: string;
  base64: boolean;
  data: string;
}

function parseDataUrl(url: string): DataUrl | undefined {
  const match = DATA_URL.exec(url);
  if (!match) return undefined;
  const params = (match[2] ?? "").split(";").map((p) => p.trim().toLowerCase());
  return { mediaType: (match[1] ?? "").trim().toLowerCase(), base64: params.includes("base64"), data: match[3] ?? "" };
}

/** Empty text blocks are a 400 upstream, and carry nothing, so they are left out. */
export function textBlock(text: string, cacheControl?: CacheControl): TextBlock[] {
  if (text === "") return [];
  return cacheControl ? [{ type: "text", text, cache_control: cacheControl }] : [{ type: "text", text }];
}

function imageBlock(url: string, param: string): ContentBlock {
  if (url.startsWith("data:")) {
    const parsed = parseDataUrl(url);
    if (!parsed?.base64 || !parsed.data) {
      throw new InvalidRequestError("Image data URLs must be base64-encoded: data:<media type>;base64,<data>.", { param });
    }
    if (!IMAGE_TYPES.has(parsed.mediaType)) {
      throw new InvalidRequestError(
        `Anthropic models accept image/jpeg, image/png, image/gif and image/webp images, not ${parsed.mediaType || "an untyped data URL"}.`,
        { param },
      );
    }
    return { type: "image", source: { type: "base64", media_type: parsed.mediaType, data: parsed.data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  throw new InvalidRequestError("Image URLs must be https:// (or http://) URLs or base64 data: URLs.", { param });
}

/** OpenAI `file` parts: a PDF given inline is a document block; anything else has no equivalent. */
function fileBlock(file: unknown, param: string): ContentBlock {
  const data = isRecord(file) ? file.file_data : undefined;
  const filename = isRecord(file) && typeof file.filename === "string" ? file.filename : undefined;
  if (typeof data === "string" && data !== "") {
    const parsed = data.startsWith("data:") ? parseDataUrl(data) : undefined;
    const isPdf = parsed ? parsed.base64 && parsed.mediaType === "application/pdf" : /\.pdf$/i.test(filename ?? "");
    const base64 = parsed ? parsed.data : data;
    if (isPdf && base64) {
      const block: DocumentBlock = { type: "document", source: { type: "base64", media_type: "application/pdf", data: base64 } };
      if (filename) block.title = filename;
      return block;
    }
  }
  throw new InvalidRequestError(
    "Anthropic models accept files only as inline PDFs (file.file_data as a data:application/pdf;base64 URL); uploaded file ids and other file types cannot be sent.",
    { param },
  );
}

/** `param` is the part's path in the client's request, e.g. `messages[2].content[1]`. */
export function partToBlocks(part: ContentPart, param: string): ContentBlock[] {
  switch (part.type) {
    case "text":
      return textBlock(part.text, part.cache_control);
    case "image_url": {
      const block = imageBlock(part.image_url.url, `${param}.image_url.url`);
      return [part.cache_control && block.type === "image" ? { ...block, cache_control: part.cache_control } : block];
    }
    case "file":
      return [fileBlock(part.file, `${param}.file`)];
    case "refusal":
      // An earlier assistant refusal replayed as history is still what the assistant said.
      return typeof part.refusal === "string" ? textBlock(part.refusal) : [];
    case "input_audio":
      throw new InvalidRequestError("Anthropic models do not accept audio input.", { param });
  }
}
