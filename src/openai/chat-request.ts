/**
 * The OpenAI chat completions request as clients send it, validated at the edge with
 * zod/mini (a fraction of full zod's bundle cost). Objects are loose: fields the proxy
 * does not act on (tools extras, seed, logprobs, provider-specific keys) pass through
 * untouched to OpenAI-compatible upstreams. No transforms or defaults, so the validated
 * value is the client's body as sent.
 */
import * as z from "zod/mini";

const nullish = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));

// Anthropic's prompt-caching marker, as OpenAI-compatible gateways accept it on parts; only
// Anthropic targets act on it.
const cacheControl = z.optional(z.looseObject({ type: z.string() }));
const textPart = z.looseObject({ type: z.literal("text"), text: z.string(), cache_control: cacheControl });
const imagePart = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.looseObject({ url: z.string().check(z.minLength(1)), detail: z.optional(z.string()) }),
  cache_control: cacheControl,
});
const otherPart = z.looseObject({ type: z.enum(["input_audio", "file", "refusal"]) });
const contentPart = z.discriminatedUnion("type", [textPart, imagePart, otherPart]);

const textContent = z.union([z.string(), z.array(textPart)]);
const userContent = z.union([z.string(), z.array(contentPart)]);

const toolCall = z.looseObject({
  id: z.string(),
  type: z.literal("function"),
  function: z.looseObject({ name: z.string().check(z.minLength(1)), arguments: z.string() }),
});

const systemMessage = z.looseObject({ role: z.enum(["system", "developer"]), content: textContent, name: z.optional(z.string()) });
const userMessage = z.looseObject({ role: z.literal("user"), content: userContent, name: z.optional(z.string()) });
/** Reasoning state sent back with an assistant turn (see ReasoningDetail); unknown kinds pass and are ignored. */
const reasoningDetail = z.looseObject({
  type: z.string(),
  format: z.optional(z.string()),
  text: z.optional(z.string()),
  signature: z.optional(z.string()),
  data: z.optional(z.string()),
});
const assistantMessage = z.looseObject({
  role: z.literal("assistant"),
  content: nullish(z.union([z.string(), z.array(z.discriminatedUnion("type", [textPart, otherPart]))])),
  tool_calls: nullish(z.array(toolCall)),
  refusal: nullish(z.string()),
  name: z.optional(z.string()),
  reasoning_content: nullish(z.string()),
  reasoning_details: nullish(z.array(reasoningDetail)),
});
const toolMessage = z.looseObject({
  role: z.literal("tool"),
  content: textContent,
  tool_call_id: z.string().check(z.minLength(1)),
  /** Not OpenAI's: set by inbound protocols whose tool results can be errors (Anthropic's is_error). */
  is_error: z.optional(z.boolean()),
});

export const chatMessageSchema = z.discriminatedUnion("role", [systemMessage, userMessage, assistantMessage, toolMessage]);

const functionTool = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/)),
    description: z.optional(z.string()),
    parameters: z.optional(z.record(z.string(), z.unknown())),
    strict: nullish(z.boolean()),
  }),
});

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string() }) }),
]);

const responseFormat = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    json_schema: z.looseObject({
      name: z.string(),
      description: z.optional(z.string()),
      schema: z.optional(z.record(z.string(), z.unknown())),
      strict: nullish(z.boolean()),
    }),
  }),
]);

const positiveInt = z.number().check(z.int(), z.positive());

export const chatRequestSchema = z.looseObject({
  model: z.optional(z.string().check(z.minLength(1))),
  messages: z.array(chatMessageSchema).check(z.minLength(1)),
  stream: nullish(z.boolean()),
  stream_options: nullish(z.looseObject({ include_usage: z.optional(z.boolean()) })),
  temperature: nullish(z.number().check(z.gte(0), z.lte(2))),
  top_p: nullish(z.number().check(z.gte(0), z.lte(1))),
  /** Not OpenAI's, but common among compatible servers; Anthropic and Gemini targets take it. */
  top_k: nullish(z.number().check(z.int(), z.gte(0))),
  max_tokens: nullish(positiveInt),
  max_completion_tokens: nullish(positiveInt),
  n: nullish(z.number().check(z.int(), z.gte(1), z.lte(128))),
  stop: nullish(z.union([z.string(), z.array(z.string()).check(z.maxLength(4))])),
  tools: nullish(z.array(functionTool)),
  tool_choice: nullish(toolChoice),
  parallel_tool_calls: nullish(z.boolean()),
  response_format: nullish(responseFormat),
});

export type ChatRequest = z.output<typeof chatRequestSchema>;
export type ChatMessage = z.output<typeof chatMessageSchema>;
export type ContentPart = z.output<typeof contentPart>;
export type ToolCall = z.output<typeof toolCall>;
export type FunctionTool = z.output<typeof functionTool>;
export type ReasoningDetailInput = z.output<typeof reasoningDetail>;
