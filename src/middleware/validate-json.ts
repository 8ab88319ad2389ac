/**
 * Body validation for JSON routes: `jsonBody()` guards media type and size, then the
 * route's zod schema runs through @hono/zod-validator with `rejectInvalid` as its hook,
 * failing with a 400 that names the offending field. (The validator is built per route:
 * its types do not survive being wrapped in a generic helper.)
 */
import type * as z from "zod/mini";
import { validationError } from "../openai/validation-error";

export function rejectInvalid(result: { success: true } | { success: false; error: { issues: z.core.$ZodIssue[] }; data: unknown }): void {
  if (!result.success) throw validationError(result.error.issues, result.data);
}
