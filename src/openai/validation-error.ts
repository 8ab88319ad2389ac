/**
 * Turns the first zod issue into an OpenAI-style 400 that names the offending field in
 * `param`, e.g. `messages[1].role`. zod/mini ships no message locale, so messages are
 * written here, in the words OpenAI's own API uses.
 */
import type { z } from "zod/mini";
import { InvalidRequestError } from "../errors";

export function paramPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

const list = (values: readonly unknown[]) => values.map((v) => `'${String(v)}'`).join(", ");

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      return valueAt(input, issue.path) === undefined ? "is required" : `expected ${issue.expected}`;
    case "too_small":
      return issue.origin === "array" || issue.origin === "string"
        ? `must have at least ${String(issue.minimum)} ${issue.origin === "array" ? "item(s)" : "character(s)"}`
        : `must be ${issue.inclusive ? ">=" : ">"} ${String(issue.minimum)}`;
    case "too_big":
      return issue.origin === "array" || issue.origin === "string"
        ? `must have at most ${String(issue.maximum)} ${issue.origin === "array" ? "item(s)" : "character(s)"}`
        : `must be ${issue.inclusive ? "<=" : "<"} ${String(issue.maximum)}`;
    case "invalid_value":
      return `expected one of ${list(issue.values)}`;
    case "invalid_union": {
      const options = (issue as { options?: unknown[] }).options;
      return options ? `expected one of ${list(options)}` : "has a type or shape that is not allowed here (see the API reference)";
    }
    case "invalid_format":
      return `has an invalid format`;
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return "is invalid";
  }
}

const atType = (issue: z.core.$ZodIssue) => issue.path.at(-1) === "type";

/**
 * A union failure says little; the branch that got furthest into the value before failing
 * says what the client most likely meant, e.g. a content part with an unknown `type`. Of
 * two as far, one that failed on its `type` was not what the client meant.
 */
function mostSpecific(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (!first || first.path.length === 0) continue;
    if (!best || first.path.length > best.path.length || (first.path.length === best.path.length && atType(best) && !atType(first))) best = first;
  }
  return best ? mostSpecific({ ...best, path: [...issue.path, ...best.path] }) : issue;
}

/** `input` is the value that was validated, used to tell a missing field from a wrong one. */
export function validationError(issues: readonly z.core.$ZodIssue[], input: unknown): InvalidRequestError {
  const first = issues[0];
  const issue = first && mostSpecific(first);
  if (!issue) return new InvalidRequestError("Invalid request body.");
  const param = paramPath(issue.path);
  if (!param) return new InvalidRequestError("The request body must be a JSON object.");
  return new InvalidRequestError(`Invalid value for '${param}': ${describe(issue, input)}.`, { param, code: "invalid_value" });
}
