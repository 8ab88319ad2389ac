/**
 * Reads the rate-limit headers OpenAI-style providers put on successful responses
 * (`x-ratelimit-limit-requests`, `x-ratelimit-remaining-tokens`, `x-ratelimit-reset-*`...)
 * so the limiter can align its counters with what the provider itself counts.
 */
import type { RateHeaders } from "../limits/limiter-types";
import { parseDuration } from "./retry-after";

function int(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return undefined;
  return Number(raw);
}

export function readRateHeaders(headers: Headers): RateHeaders | undefined {
  const rate: RateHeaders = {};
  const set = <K extends keyof RateHeaders>(key: K, value: RateHeaders[K]) => {
    if (value !== undefined) rate[key] = value;
  };
  set("limitRequests", int(headers, "x-ratelimit-limit-requests"));
  set("remainingRequests", int(headers, "x-ratelimit-remaining-requests"));
  set("limitTokens", int(headers, "x-ratelimit-limit-tokens"));
  set("remainingTokens", int(headers, "x-ratelimit-remaining-tokens"));
  const resets = ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]
    .map((name) => headers.get(name))
    .flatMap((v) => (v === null ? [] : [parseDuration(v)]))
    .filter((v): v is number => v !== undefined);
  if (resets.length) rate.resetMs = Math.max(...resets);
  return Object.keys(rate).length ? rate : undefined;
}
