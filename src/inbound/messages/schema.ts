/**
 * Anthropic's Messages request as clients send it (the Anthropic SDK, Claude Code),
 * validated at the edge with zod/mini. Every object is loose: fields added to the API
 * after this was written (`context_management`, `output_config.*`, `cache_control` on any
 * block, betas' extras) pass validation, and the translation decides what each target
 * takes. Block types this proxy does not know pass too (a later pass-through to Anthropic
 * must not refuse them); the translation refuses those it cannot carry, naming them.
 */
import * as z from "zod/mini";

const positiveInt = z.number().check(z.int(), z.positive());
const cacheControl = z.optional(z.looseObject({ type: z.string() }));

const textBlock = z.looseObject({ type: z.literal("text"), text: z.string(), cache_control: cacheControl });
/** Image and document sources: base64 (`media_type`, `data`), `url`, `text` (`data`), or kinds only Anthropic resolves (file). */
const source = z.looseObject({ type: z.string(), media_type: z.optional(z.string()), data: z.optional(z.string()), url: z.optional(z.string()) });
const imageBlock = z.looseObject({ type: z.literal("image"), source, cache_control: cacheControl });
const documentBlock = z.looseObject({ type: z.literal("document"), source, title: z.optional(z.nullable(z.string())), cache_control: cacheControl });

const KNOWN = new Set(["text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking"]);
/**
 * A block of a type this proxy does not know: `type` is all it can rely on. Its check
 * aborts, so that for a malformed known block zod reports both branches and the error
 * names the field at fault in the known one.
 */
const otherBlock = z.looseObject({ type: z.string().check(z.regex(new RegExp(`^(?!(?:${[...KNOWN].join("|")})$)`), { abort: true })) });

const knownToolResultItem = z.discriminatedUnion("type", [textBlock, imageBlock, documentBlock]);
const toolResultItem = z.union([knownToolResultItem, otherBlock]);
const toolUseBlock = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  input: z.record(z.string(), z.unknown()),
});
const toolResultBlock = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string().check(z.minLength(1)),
  content: z.optional(z.union([z.string(), z.array(toolResultItem)])),
  is_error: z.optional(z.boolean()),
  cache_control: cacheControl,
});
const thinkingBlock = z.looseObject({ type: z.literal("thinking"), thinking: z.string(), signature: z.optional(z.string()) });
const redactedThinkingBlock = z.looseObject({ type: z.literal("redacted_thinking"), data: z.string() });

const knownBlock = z.discriminatedUnion("type", [textBlock, imageBlock, documentBlock, toolUseBlock, toolResultBlock, thinkingBlock, redactedThinkingBlock]);
const contentBlock = z.union([knownBlock, otherBlock]);

const message = z.looseObject({
  // "system" inside messages is a newer client's habit; translated where the target allows.
  role: z.enum(["user", "assistant", "system"]),
  content: z.union([z.string(), z.array(contentBlock)]),
});

const tool = z.looseObject({
  name: z.string().check(z.minLength(1)),
  /** Absent or "custom" for client tools; server tools (web search, code execution...) name a versioned type. */
  type: z.optional(z.string()),
  description: z.optional(z.string()),
  input_schema: z.optional(z.record(z.string(), z.unknown())),
});

const toolChoice = z.looseObject({ type: z.enum(["auto", "any", "tool", "none"]), name: z.optional(z.string()), disable_parallel_tool_use: z.optional(z.boolean()) });

/** What count_tokens takes: a Messages request without max_tokens and the sampling fields. */
const countTokensShape = {
  model: z.string().check(z.minLength(1)),
  messages: z.array(message).check(z.minLength(1)),
  system: z.optional(z.union([z.string(), z.array(textBlock)])),
  tools: z.optional(z.array(tool)),
  tool_choice: z.optional(toolChoice),
  // Any type: `enabled` and `adaptive` are translated, later ones are accepted and left out.
  thinking: z.optional(z.looseObject({ type: z.string(), budget_tokens: z.optional(positiveInt) })),
  output_config: z.optional(
    z.looseObject({
      effort: z.optional(z.string()),
      format: z.optional(z.looseObject({ type: z.string(), schema: z.optional(z.record(z.string(), z.unknown())) })),
    }),
  ),
  metadata: z.optional(z.looseObject({ user_id: z.optional(z.nullable(z.string())) })),
};
export const countTokensRequestSchema = z.looseObject(countTokensShape);

// The shape is spread rather than extended: z.extend pulls in code the bundle does without.
export const messagesRequestSchema = z.looseObject({
  ...countTokensShape,
  max_tokens: positiveInt,
  stop_sequences: z.optional(z.array(z.string())),
  temperature: z.optional(z.number().check(z.gte(0), z.lte(1))),
  top_p: z.optional(z.number().check(z.gte(0), z.lte(1))),
  top_k: z.optional(z.number().check(z.int(), z.gte(0))),
  stream: z.optional(z.boolean()),
});

export type MessagesRequest = z.output<typeof messagesRequestSchema>;
export type CountTokensRequest = z.output<typeof countTokensRequestSchema>;
export type MessageParam = z.output<typeof message>;
export type ContentBlockParam = z.output<typeof contentBlock>;
export type KnownBlock = z.output<typeof knownBlock>;
export type ToolResultItem = z.output<typeof toolResultItem>;

/** Narrows a validated block to the types this proxy knows (validation put their fields in shape). */
export const isKnownBlock = (block: { type: string }): block is KnownBlock => KNOWN.has(block.type);
export type ToolParam = z.output<typeof tool>;
