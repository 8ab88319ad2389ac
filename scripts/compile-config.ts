/**
 * Turns models.yaml text into a validated config, or one line saying what is wrong.
 * Kept apart from the CLI (build-config.ts) so tests can check every message without
 * spawning a process.
 */
import { parseDocument } from "yaml";
import type { z } from "zod";
import { configSchema, type ProxyConfig } from "../src/config/schema";

export type CompileResult = { ok: true; config: ProxyConfig } | { ok: false; message: string };

export function compileConfig(text: string, fileName: string): CompileResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = yamlError.linePos?.[0];
    const where = at ? `:${at.line}:${at.col}` : "";
    return { ok: false, message: `${fileName}${where}: ${firstLine(yamlError.message).replace(/ at line \d+, column \d+:?$/, "")}` };
  }
  const result = configSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) return { ok: false, message: formatIssue(fileName, result.error.issues) };
  return { ok: true, config: result.data };
}

function formatIssue(fileName: string, issues: z.core.$ZodIssue[]): string {
  const [issue] = issues;
  if (!issue) return `${fileName}: invalid configuration`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  const path = formatPath(issue.path);
  return `${fileName}: ${path ? `${path}: ` : ""}${firstLine(issue.message)}${more}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`))
    .join("");
}

function firstLine(message: string): string {
  return message.split("\n")[0]?.trim() ?? message;
}
