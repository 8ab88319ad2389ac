/**
 * The Responses conversation (input items) as the internal Chat Completions messages.
 * `developer` is system; an assistant turn is every reasoning, assistant message and
 * function_call item between two other items, so a replayed tool round trip (Codex sends
 * the function_call back with its function_call_output) is one assistant message with
 * tool calls, then its tool messages. Reasoning items come back as `reasoning_content`,
 * and their `encrypted_content` (the reasoning state this proxy handed out, see
 * response.ts) as `reasoning_details` for the translating targets that take it. Items of
 * hosted tools (web search calls...) only OpenAI could replay: they are left out.
 */
import { InvalidRequestError } from "../../errors";
import type { ChatMessage, ContentPart, ReasoningDetailInput, ToolCall } from "../../openai/chat-request";
import type { FunctionCallItem, FunctionCallOutputItem, InputItem, InputPart, MessageItem, ReasoningItem } from "./schema";

type Assistant = Extract<ChatMessage, { role: "assistant" }>;
type TextPart = Extract<ContentPart, { type: "text" }>;

/** A namespaced function's name as one function name every target accepts. */
export const flatName = (namespace: string, name: string) => `${namespace}__${name}`.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);

/** The reasoning state inside `encrypted_content`, if this proxy wrote it (OpenAI's own blobs are not JSON). */
function detailOf(encrypted: string | null | undefined, text: string): ReasoningDetailInput | undefined {
  if (!encrypted?.startsWith("{")) return undefined;
  try {
    const d = JSON.parse(encrypted) as ReasoningDetailInput;
    if (typeof d?.type !== "string" || typeof d.format !== "string") return undefined;
    return d.type === "reasoning.text" ? { ...d, text } : d;
  } catch {
    return undefined;
  }
}

const texts = (parts: ReadonlyArray<{ text: string }> | null | undefined) => (parts ?? []).map((p) => p.text).join("");

function partOf(p: InputPart, param: string): ContentPart {
  switch (p.type) {
    case "input_image":
      if (!p.image_url) throw new InvalidRequestError("Send images by image_url; file_id cannot be sent.", { param: `${param}.image_url` });
      return { type: "image_url", image_url: { url: p.image_url, ...(p.detail ? { detail: p.detail } : {}) } };
    case "input_file":
      if (!p.file_data) throw new InvalidRequestError("Send files by file_data; file_id and file_url cannot be sent.", { param: `${param}.file_data` });
      return { type: "file", file: { file_data: p.file_data, ...(p.filename ? { filename: p.filename } : {}) } };
    case "refusal":
      return { type: "text", text: p.refusal };
    default:
      return { type: "text", text: p.text };
  }
}

const partsOf = (content: string | InputPart[], param: string): ContentPart[] =>
  typeof content === "string" ? [{ type: "text", text: content }] : content.map((p, j) => partOf(p, `${param}.content[${j}]`));

/** Text-only content as a string when it is one piece, which every server takes. */
function compact(parts: ContentPart[]): string | ContentPart[] {
  const [first] = parts;
  return parts.length === 1 && first?.type === "text" ? first.text : parts;
}

export function translateItems(items: readonly InputItem[], rich: boolean): ChatMessage[] {
  const out: ChatMessage[] = [];
  let turn: Assistant | undefined;
  // Images a tool returned follow its turn's tool messages in a user message, which every target takes.
  let moved: ContentPart[] = [];
  const assistant = (): Assistant => {
    if (!turn) out.push((turn = { role: "assistant", content: "" }));
    return turn;
  };
  const flush = () => {
    if (moved.length) out.push({ role: "user", content: moved });
    moved = [];
  };
  items.forEach((item, i) => {
    const param = `input[${i}]`;
    const type = item.type ?? "message";
    if (type !== "function_call_output") flush();
    switch (type) {
      case "message": {
        const m = item as MessageItem;
        const parts = partsOf(m.content, param);
        if (m.role === "assistant") {
          const a = assistant();
          a.content = `${a.content ?? ""}${parts.map((p) => (p.type === "text" ? p.text : "")).join("")}`;
          return;
        }
        turn = undefined;
        if (m.role === "user") out.push({ role: "user", content: compact(parts) });
        else out.push({ role: "system", content: compact(parts.filter((p) => p.type === "text")) as string | TextPart[] });
        return;
      }
      case "function_call": {
        const { call_id, name, namespace, arguments: args } = item as FunctionCallItem;
        const call: ToolCall = { id: call_id, type: "function", function: { name: namespace ? flatName(namespace, name) : name, arguments: args } };
        (assistant().tool_calls ??= []).push(call);
        return;
      }
      case "function_call_output": {
        turn = undefined;
        const { call_id, output } = item as FunctionCallOutputItem;
        const parts = partsOf(output, param);
        moved.push(...parts.filter((p) => p.type !== "text"));
        out.push({ role: "tool", tool_call_id: call_id, content: parts.map((p) => (p.type === "text" ? p.text : "")).join("") });
        return;
      }
      case "reasoning": {
        const r = item as ReasoningItem;
        const text = texts(r.summary) || texts(r.content);
        const a = assistant();
        if (text) a.reasoning_content = (a.reasoning_content ?? "") + text;
        const detail = rich ? detailOf(r.encrypted_content, text) : undefined;
        if (detail) (a.reasoning_details ??= []).push(detail);
      }
    }
  });
  flush();
  for (const m of out) if (m.role === "assistant" && m.tool_calls && m.content === "") m.content = null;
  return out;
}
