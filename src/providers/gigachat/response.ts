/**
 * A GigaChat chat answer -> an OpenAI chat.completion. The shape is OpenAI's but for the
 * function call: `message.function_call` becomes `tool_calls`, and `finish_reason:
 * "function_call"` becomes "tool_calls".
 */
import { UpstreamBadResponseError } from "../../errors";
import { type ChatCompletion, validUsage } from "../../openai/chat-response";
import type { ResponseContext } from "../types";
import { asObject, finishReason, toolCallFrom } from "./results";

type Choice = ChatCompletion["choices"][number];

export function parseGigachatResponse(body: unknown, ctx: ResponseContext): ChatCompletion {
  const choicesIn = asObject(body)?.choices;
  if (!Array.isArray(choicesIn) || choicesIn.length === 0) throw new UpstreamBadResponseError(ctx.provider, "no choices");
  const choices = choicesIn.map((raw, position): Choice => {
    const choice = asObject(raw) ?? {};
    const msg = asObject(choice.message) ?? {};
    const call = toolCallFrom(msg.function_call);
    const content = typeof msg.content === "string" && (msg.content !== "" || !call) ? msg.content : null;
    const message: Choice["message"] = { role: "assistant", content };
    if (call) message.tool_calls = [call];
    const index = typeof choice.index === "number" ? choice.index : position;
    return { index, message, finish_reason: finishReason(choice.finish_reason, ctx.provider), logprobs: null };
  });
  const b = body as Record<string, unknown>;
  const completion: ChatCompletion = { id: ctx.id, object: "chat.completion", created: ctx.created, model: typeof b.model === "string" ? b.model : ctx.model, choices };
  const usage = validUsage(b.usage);
  if (usage) completion.usage = { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens };
  return completion;
}
