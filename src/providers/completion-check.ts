/**
 * A 200 is not an answer by itself. A chat completion counts as one only when it holds a
 * message: `{"choices":[]}`, a choice without its message, or an `error` object sent with
 * the 200 are upstream failures, retried or fallen back from and counted against the
 * model, never passed on as an empty success.
 */
import { UpstreamBadResponseError } from "../errors";
import { type Usage, validUsage } from "../openai/chat-response";
import { classifyErrorObject } from "./upstream-errors";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Throws the typed failure for a completion body that holds no answer; returns its usage otherwise. */
export function checkCompletion(provider: string, body: unknown): { usage: Usage | undefined } {
  if (!isRecord(body)) throw new UpstreamBadResponseError(provider, "the body is not a JSON object");
  if (body.error) throw classifyErrorObject(provider, body.error, "inside its 200 answer");
  const choices = body.choices;
  if (!Array.isArray(choices) || choices.length === 0) throw new UpstreamBadResponseError(provider, "no choices");
  if (!choices.every((c) => isRecord(c) && isRecord(c.message))) throw new UpstreamBadResponseError(provider, "a choice without a message");
  return { usage: validUsage(body.usage) };
}
