/**
 * How long an upstream asked us to wait, from every place providers put it:
 * `retry-after-ms`, `Retry-After` (seconds or HTTP-date), OpenAI/Groq-style
 * `x-ratelimit-reset-requests|tokens` durations ("1m30s", "250ms"), `X-RateLimit-Reset`
 * (epoch seconds or ms, OpenRouter), OpenRouter's `metadata.retry_after_seconds`, and
 * Gemini's `RetryInfo.retryDelay` ("17s"). Returns milliseconds, or undefined.
 * Every hint is clamped to at most 25 hours; invalid, negative or infinite values are
 * ignored as if absent (limits/time-hints.ts).
 */
import { clampHintMs } from "../limits/time-hints";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "1m30s", "6m0s", "250ms", "17s", "0.5s" -> ms. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return clampHintMs(Number(trimmed) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(trimmed); m; m = re.exec(trimmed)) {
    total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
    consumed += m[0].length;
  }
  return consumed === trimmed.length && consumed > 0 ? clampHintMs(total) : undefined;
}

function fromRetryAfter(value: string, now: number): number | undefined {
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return clampHintMs(Number(value) * 1000);
  // An HTTP-date; anything else (a negative number, garbage) is no hint at all.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : clampHintMs(Math.max(0, date - now));
}

function fromResetEpoch(value: string, now: number): number | undefined {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) return /^\s*-/.test(value) ? undefined : parseDuration(value);
  // Epoch milliseconds, epoch seconds, or (small numbers) seconds from now.
  if (n > 1e12) return clampHintMs(Math.max(0, n - now));
  if (n > 1e9) return clampHintMs(Math.max(0, n * 1000 - now));
  return clampHintMs(n * 1000);
}

/** OpenRouter puts its quota's reset (epoch ms) in `error.metadata.headers`. */
function fromMetadataHeaders(meta: unknown, now: number): number | undefined {
  const headers = meta && typeof meta === "object" ? (meta as { headers?: unknown }).headers : undefined;
  if (!headers || typeof headers !== "object") return undefined;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (name.toLowerCase() === "x-ratelimit-reset" && (typeof value === "string" || typeof value === "number")) return fromResetEpoch(String(value), now);
  }
  return undefined;
}

function fromBody(body: unknown, now: number): number | undefined {
  if (!body || typeof body !== "object") return undefined;
  const error = (body as { error?: unknown }).error;
  if (!error || typeof error !== "object") return undefined;
  const meta = (error as { metadata?: { retry_after_seconds?: unknown } }).metadata;
  const seconds = clampHintMs(typeof meta?.retry_after_seconds === "number" ? meta.retry_after_seconds * 1000 : undefined);
  if (seconds !== undefined) return seconds;
  const reset = fromMetadataHeaders(meta, now);
  if (reset !== undefined) return reset;
  const details = (error as { details?: unknown }).details;
  if (Array.isArray(details)) {
    for (const d of details) {
      const delay = (d as { retryDelay?: unknown } | null)?.retryDelay;
      if (typeof delay === "string") return parseDuration(delay);
    }
  }
  return undefined;
}

export function retryAfterMs(headers: Headers, body: unknown, now = Date.now()): number | undefined {
  const candidates: Array<number | undefined> = [];
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) candidates.push(clampHintMs(Number(ms)));
  const retryAfter = headers.get("retry-after");
  if (retryAfter !== null) candidates.push(fromRetryAfter(retryAfter, now));
  const bodyWait = fromBody(body, now);
  if (bodyWait !== undefined) candidates.push(bodyWait);
  // Explicit "retry after" hints win; reset times are the fallback.
  const explicit = candidates.find((c) => c !== undefined);
  if (explicit !== undefined) return Math.round(explicit);
  const resets: number[] = [];
  for (const name of ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens", "x-ratelimit-reset"]) {
    const value = headers.get(name);
    const parsed = value === null ? undefined : fromResetEpoch(value, now);
    if (parsed !== undefined) resets.push(parsed);
  }
  return resets.length ? Math.round(Math.max(...resets)) : undefined;
}
