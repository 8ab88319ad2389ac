/** Shared helpers for the workerd tests: call the Worker the way a client would. */
import { env, exports } from "cloudflare:workers";

export const KEY = "test-key-1";
export const BASE = "http://proxy.test";

export function call(path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const { key = KEY, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (key !== null && !headers.has("authorization")) headers.set("authorization", `Bearer ${key}`);
  return exports.default.fetch(new Request(`${BASE}${path}`, { ...rest, headers }));
}

export function postJson(path: string, body: unknown, init: RequestInit & { key?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  return call(path, { ...init, method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

export function upstream(): string {
  return env.UPSTREAM as string;
}

/** What the simulator received for requests tagged `tag`. */
export async function recorded(
  tag: string,
): Promise<Array<{ path: string; headers: Record<string, string>; body: Record<string, unknown>; raw: string; at: number; closedAt?: number; finished?: boolean; sent: number; blocked: boolean }>> {
  const res = await fetch(`${upstream()}/__requests?tag=${encodeURIComponent(tag)}`);
  return res.json();
}

/**
 * What an upstream receives for `JSON.stringify(body, null, 2)` passed through: each
 * top-level member as the client wrote it, but `model`, spliced in (src/providers/json-splice.ts).
 */
export const prettySent = (body: Record<string, unknown>, model: string) =>
  `{${Object.entries(body)
    .map(([k, v]) => (k === "model" ? `"model":${JSON.stringify(model)}` : `${JSON.stringify(k)}: ${JSON.stringify(v, null, 2).replaceAll("\n", "\n  ")}`))
    .join(",")}}`;

export const sim = (directive: Record<string, unknown>) => `<<sim ${JSON.stringify(directive)}>>`;

/** Requests and 429s the simulator has answered for an upstream model id. */
export async function simStats(model: string): Promise<{ requests: number; rate_limited: number }> {
  return (await fetch(`${upstream()}/__stats?model=${encodeURIComponent(model)}`)).json();
}

export const chat = (model: string, content = "hi", extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  postJson("/v1/chat/completions", { model, messages: [{ role: "user", content }], ...extra }, { headers });

/**
 * Limits count per calendar minute, in the proxy and the simulator alike. A test that
 * fills a minute's quota must not straddle a boundary, so it starts early in a minute.
 */
/** Waits out the end of a window when fewer than `needMs` of it remain, so a test's requests share one window. */
async function awayFromWindowEdge(windowMs: number, needMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 50));
}

export const awayFromMinuteEdge = (needMs = 15_000) => awayFromWindowEdge(60_000, needMs);
/** For tests whose assertions reach to the next UTC midnight (a daily reset), on whatever date they run. */
export const awayFromDayEdge = (needMs = 15_000) => awayFromWindowEdge(86_400_000, needMs);
