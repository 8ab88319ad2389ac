/**
 * For tests that read what the app logs: requests go through the imported app (not the
 * Worker entry), so the app's console is this module's, and each request's waitUntil work
 * is awaited before the response is handed back. Log lines are collected by replacing
 * console.log itself: vitest's own console capture hides the calls from spies.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach } from "vitest";
import { app } from "../../src/app";
import { BASE, KEY } from "./helpers";

export async function appPost(path: string, body: unknown, init: { key?: string; headers?: Record<string, string>; env?: Record<string, unknown> } = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`${BASE}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${init.key ?? KEY}`, ...init.headers },
      body: JSON.stringify(body),
    }),
    { ...env, ...init.env },
    ctx,
  );
  // A log line is written once the body is done: read it, then let waitUntil work finish.
  const bytes = await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return new Response(bytes, { status: res.status, headers: res.headers });
}

export type LogLine = Record<string, unknown> & { request_id: string; attempts: Array<{ model: string; provider: string; error: string | null }> };

/** Collects every console.log and console.error line of each test; `lineFor` finds a response's request-log line. */
export function captureLogs() {
  let written: string[] = [];
  const original = { log: console.log, error: console.error };
  beforeEach(() => {
    written = [];
    console.log = console.error = (...args: unknown[]) => void written.push(args.map(String).join(" "));
  });
  afterEach(() => {
    console.log = original.log;
    console.error = original.error;
  });
  const lines = (): LogLine[] =>
    written.flatMap((text) => {
      try {
        const v = JSON.parse(text) as LogLine;
        return v.request_id ? [v] : [];
      } catch {
        return [];
      }
    });
  return {
    written: () => written,
    lines,
    lineFor(res: Response): LogLine {
      const id = res.headers.get("x-request-id");
      const line = lines().find((l) => l.request_id === id);
      if (!line) throw new Error(`no log line for ${id}`);
      return line;
    },
  };
}
