/**
 * The one way the Worker writes a log line: one JSON object, `level` first (Workers Logs
 * and `wrangler tail` index it; the tests filter on it). Errors go to console.error so
 * they surface as errors in the dashboard's log view.
 */
export type LogLevel = "info" | "error";

export function logLine(level: LogLevel, fields: Record<string, unknown>): void {
  const text = JSON.stringify({ level, ...fields });
  if (level === "error") console.error(text);
  else console.log(text);
}
