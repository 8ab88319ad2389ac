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
export async function recorded(tag: string): Promise<Array<{ path: string; headers: Record<string, string>; body: Record<string, unknown> }>> {
  const res = await fetch(`${upstream()}/__requests?tag=${encodeURIComponent(tag)}`);
  return res.json();
}

export const sim = (directive: Record<string, unknown>) => `<<sim ${JSON.stringify(directive)}>>`;
