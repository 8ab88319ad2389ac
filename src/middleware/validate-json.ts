/**
 * Body validation for JSON routes: `jsonBody()` guards media type and size, then the
 * route's zod schema runs through @hono/zod-validator with `rejectInvalid` as its hook,
 * failing with a 400 that names the offending field. (The validator is built per route:
 * its types do not survive being wrapped in a generic helper.)
 *
 * Absurdly deep bodies are refused first, whatever the schema says: a 100k-deep array
 * parses fine but overflows the stack of any recursive code after it (the cache key,
 * JSON.stringify on the way upstream), which would be a 500 instead of the client's 400.
 */
import type * as z from "zod/mini";
import { InvalidRequestError } from "../errors";
import { validationError } from "../openai/validation-error";

/** Far deeper than any real request (JSON Schemas in tools included) ever nests. */
export const MAX_JSON_DEPTH = 64;

export function rejectInvalid(result: { success: true; data?: unknown } | { success: false; error: { issues: z.core.$ZodIssue[] }; data: unknown }): void {
  if (tooDeep(result.data, MAX_JSON_DEPTH)) {
    throw new InvalidRequestError(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`, { code: "invalid_json" });
  }
  if (!result.success) throw validationError(result.error.issues, result.data);
}

/** Iterative, so the check itself cannot overflow the stack it protects; only containers are visited. */
function tooDeep(root: unknown, max: number): boolean {
  if (root === null || typeof root !== "object") return false;
  const values: object[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const value = values.pop()!;
    const depth = depths.pop()!;
    if (depth >= max) return true;
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) {
      if (child === null || typeof child !== "object") continue;
      values.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}
