/**
 * OpenAI's Responses API request as clients send it (Codex CLI, the openai SDK's
 * `responses.create`, the AI SDK's default OpenAI provider), validated at the edge with
 * zod/mini. Objects are loose and only what the translation reads is checked: fields the
 * proxy does not act on (`include`, `prompt_cache_key`, `client_metadata`, `truncation`,
 * later additions) pass. Item and tool types this proxy does not know pass too: hosted
 * tools and their calls are dropped by the translation, never refused.
 */
import * as z from "zod/mini";

const nullish = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));
/** A `type` other than the listed ones; its check aborts so a malformed known entry reports its own branch. */
const otherType = (known: readonly string[]) => z.looseObject({ type: z.string().check(z.regex(new RegExp(`^(?!(?:${known.join("|")})$)`), { abort: true })) });

const text = z.looseObject({ type: z.enum(["input_text", "output_text"]), text: z.string() });
const image = z.looseObject({ type: z.literal("input_image"), image_url: nullish(z.string()), detail: nullish(z.string()) });
const file = z.looseObject({ type: z.literal("input_file"), file_data: nullish(z.string()), filename: nullish(z.string()) });
const refusal = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });
const part = z.discriminatedUnion("type", [text, image, file, refusal]);
const content = z.union([z.string(), z.array(part)]);

/** A message item; `type` may be left out (the "easy" input message). */
const message = z.looseObject({ type: z.optional(z.literal("message")), role: z.enum(["user", "assistant", "system", "developer"]), content });
const functionCall = z.looseObject({
  type: z.literal("function_call"),
  call_id: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  arguments: z.string(),
  namespace: nullish(z.string()),
});
const functionCallOutput = z.looseObject({ type: z.literal("function_call_output"), call_id: z.string().check(z.minLength(1)), output: content });
const reasoning = z.looseObject({
  type: z.literal("reasoning"),
  summary: z.optional(z.array(z.looseObject({ text: z.string() }))),
  content: nullish(z.array(z.looseObject({ text: z.string() }))),
  encrypted_content: nullish(z.string()),
});
const itemReference = z.looseObject({ type: z.literal("item_reference"), id: z.string() });
const KNOWN_ITEMS = ["message", "function_call", "function_call_output", "reasoning", "item_reference"];
const item = z.union([message, z.discriminatedUnion("type", [functionCall, functionCallOutput, reasoning, itemReference]), otherType(KNOWN_ITEMS)]);

const functionTool = z.looseObject({
  type: z.literal("function"),
  name: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/)),
  description: nullish(z.string()),
  parameters: nullish(z.record(z.string(), z.unknown())),
  strict: nullish(z.boolean()),
});
const hostedTool = otherType(["function", "namespace"]);
/** A group of functions under one name (Codex sends its sub-agent tools so); flattened for every target. */
const namespaceTool = z.looseObject({ type: z.literal("namespace"), name: z.string().check(z.minLength(1)), tools: z.array(z.union([functionTool, hostedTool])) });
const tool = z.union([z.discriminatedUnion("type", [functionTool, namespaceTool]), hostedTool]);

export const responsesRequestSchema = z.looseObject({
  model: z.optional(z.string().check(z.minLength(1))),
  input: z.optional(z.union([z.string(), z.array(item)])),
  instructions: nullish(z.string()),
  previous_response_id: nullish(z.string()),
  tools: nullish(z.array(tool)),
  tool_choice: nullish(z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.string(), name: z.optional(z.string()), mode: z.optional(z.string()) })])),
  parallel_tool_calls: nullish(z.boolean()),
  max_output_tokens: nullish(z.number().check(z.int(), z.positive())),
  temperature: nullish(z.number().check(z.gte(0), z.lte(2))),
  top_p: nullish(z.number().check(z.gte(0), z.lte(1))),
  reasoning: nullish(z.looseObject({ effort: nullish(z.string()), summary: nullish(z.string()) })),
  text: nullish(
    z.looseObject({
      format: nullish(z.looseObject({ type: z.string(), name: z.optional(z.string()), schema: z.optional(z.record(z.string(), z.unknown())), strict: nullish(z.boolean()) })),
    }),
  ),
  metadata: nullish(z.record(z.string(), z.string())),
  store: nullish(z.boolean()),
  stream: nullish(z.boolean()),
});

export type ResponsesRequest = z.output<typeof responsesRequestSchema>;
export type InputItem = z.output<typeof item>;
export type InputPart = z.output<typeof part>;
export type MessageItem = z.output<typeof message>;
export type FunctionCallItem = z.output<typeof functionCall>;
export type FunctionCallOutputItem = z.output<typeof functionCallOutput>;
export type ReasoningItem = z.output<typeof reasoning>;
export type ToolParam = z.output<typeof tool>;
export type FunctionToolParam = z.output<typeof functionTool>;
export type NamespaceToolParam = z.output<typeof namespaceTool>;
