/**
 * The simulator enforces the limits a model's upstream id declares (`lim/rpm3-a`,
 * `x-rpm100`), per calendar minute like the proxy, and answers past them with a 429 in
 * the protocol's own style (the protocol handler renders it). It also counts what it
 * answered per model id, so tests can assert that the proxy wasted no call on a 429.
 */
import type { Directive } from "./directive";

interface Tally {
  requests: number;
  rateLimited: number;
  minute: number;
  inMinute: number;
}

const tallies = new Map<string, Tally>();

/** The model a request names: in the body (OpenAI, Anthropic) or the path (Gemini, Workers AI). */
export function modelOf(path: string, body: Record<string, unknown>): string | undefined {
  if (typeof body.model === "string") return body.model;
  return (/\/models\/([^/:]+):/.exec(path) ?? /\/ai\/run\/(.+)$/.exec(path))?.[1];
}

/** Counts the request; returns the directive to answer with (a 429 when over the limit). */
export function enforceLimits(model: string | undefined, d: Directive, now = Date.now()): Directive {
  if (!model) return d;
  const minute = Math.floor(now / 60_000);
  let t = tallies.get(model);
  if (!t) {
    t = { requests: 0, rateLimited: 0, minute, inMinute: 0 };
    tallies.set(model, t);
  }
  if (t.minute !== minute) {
    t.minute = minute;
    t.inMinute = 0;
  }
  t.requests++;
  const rpm = /rpm(\d+)/.exec(model)?.[1];
  if (rpm !== undefined && t.inMinute >= Number(rpm)) {
    t.rateLimited++;
    const wait = Math.ceil(((minute + 1) * 60_000 - now) / 1000);
    return { ...d, status: 429, message: `Rate limit reached for ${model}: ${rpm} requests per minute.`, headers: { ...d.headers, "retry-after": String(wait) } };
  }
  t.inMinute++;
  if (d.status === 429) t.rateLimited++;
  return d;
}

export function stats(model: string): { requests: number; rate_limited: number } {
  const t = tallies.get(model);
  return { requests: t?.requests ?? 0, rate_limited: t?.rateLimited ?? 0 };
}
