/**
 * A generateContent answer -> an OpenAI chat.completion: one choice per candidate, text
 * parts joined into `content`, thought summaries into `reasoning_content`, functionCall
 * parts as tool_calls, thought signatures of other parts in `reasoning_details`, finish
 * reason and usage mapped. A prompt Gemini blocked outright has no candidates, only promptFeedback; that is
 * still an answer (a content_filter choice), not a broken response.
 */
import { UpstreamBadResponseError } from "../../errors";
import type { AssistantToolCall, ChatCompletion, ReasoningDetail } from "../../openai/chat-response";
import type { ResponseContext } from "../types";
import { finishReason, inBandError, signatureDetail, toolCallFrom, usageFrom } from "./results";
import { responseToken } from "./tool-ids";
import { asArray, asObject, asString, isObject } from "./wire";

type Choice = ChatCompletion["choices"][number];

export function parseGeminiResponse(body: unknown, ctx: ResponseContext): ChatCompletion {
  if (!isObject(body)) throw new UpstreamBadResponseError(ctx.provider, "the body is not a JSON object");
  const error = inBandError(ctx.provider, body);
  if (error) throw error;

  const token = responseToken();
  let calls = 0;
  const choices: Choice[] = asArray(body.candidates).flatMap((raw, position): Choice[] => {
    const candidate = asObject(raw);
    if (!candidate) return [];
    const texts: string[] = [];
    const thoughts: string[] = [];
    const details: ReasoningDetail[] = [];
    const toolCalls: AssistantToolCall[] = [];
    for (const rawPart of asArray(asObject(candidate.content)?.parts)) {
      const part = asObject(rawPart);
      if (!part) continue;
      const detail = signatureDetail(part);
      if (detail) details.push({ ...detail, index: details.length });
      // Thought summaries are the model's notes, not its answer.
      if (part.thought === true) {
        if (typeof part.text === "string") thoughts.push(part.text);
        continue;
      }
      if (typeof part.text === "string") texts.push(part.text);
      const call = toolCallFrom(part, calls, token);
      if (call) {
        toolCalls.push(call);
        calls++;
      }
    }
    const message: Choice["message"] = { role: "assistant", content: texts.length > 0 ? texts.join("") : null };
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    if (thoughts.length > 0) message.reasoning_content = thoughts.join("");
    if (details.length > 0) message.reasoning_details = details;
    const index = typeof candidate.index === "number" ? candidate.index : position;
    const finish = finishReason(asString(candidate.finishReason) ?? "STOP", toolCalls.length > 0);
    return [{ index, message, finish_reason: finish, logprobs: null }];
  });

  if (choices.length === 0) {
    if (!asString(asObject(body.promptFeedback)?.blockReason)) throw new UpstreamBadResponseError(ctx.provider, "no candidates");
    choices.push({ index: 0, message: { role: "assistant", content: null }, finish_reason: "content_filter", logprobs: null });
  }

  const completion: ChatCompletion = {
    id: ctx.id,
    object: "chat.completion",
    created: ctx.created,
    model: asString(body.modelVersion) ?? ctx.model,
    choices: choices.sort((a, b) => a.index - b.index),
  };
  const usage = usageFrom(body.usageMetadata);
  if (usage) completion.usage = usage;
  return completion;
}
