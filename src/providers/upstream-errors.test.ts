import { describe, expect, it } from "vitest";
import {
  ContextLengthExceededError,
  UpstreamAuthError,
  UpstreamInvalidRequestError,
  UpstreamRateLimitError,
  UpstreamServerError,
} from "../errors";
import { parseDuration, retryAfterMs } from "./retry-after";
import { classifyUpstreamError } from "./upstream-errors";

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const h = (init: Record<string, string>) => new Headers(init);

describe("retryAfterMs", () => {
  it.each([
    ["Retry-After seconds", h({ "retry-after": "7" }), undefined, 7000],
    ["Retry-After HTTP-date", h({ "retry-after": new Date(NOW + 30_000).toUTCString() }), undefined, 30_000],
    ["retry-after-ms", h({ "retry-after-ms": "1500", "retry-after": "9" }), undefined, 1500],
    ["OpenAI reset durations (longest)", h({ "x-ratelimit-reset-requests": "1m30s", "x-ratelimit-reset-tokens": "250ms" }), undefined, 90_000],
    ["X-RateLimit-Reset epoch ms", h({ "x-ratelimit-reset": String(NOW + 12_000) }), undefined, 12_000],
    ["X-RateLimit-Reset epoch s", h({ "x-ratelimit-reset": String(NOW / 1000 + 60) }), undefined, 60_000],
    ["OpenRouter metadata", h({}), { error: { code: 429, metadata: { retry_after_seconds: 42 } } }, 42_000],
    ["Gemini RetryInfo", h({}), { error: { code: 429, details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "17s" }] } }, 17_000],
    ["nothing", h({}), { error: { message: "slow down" } }, undefined],
  ])("%s", (_, headers, body, expected) => {
    expect(retryAfterMs(headers, body, NOW)).toBe(expected);
  });

  const DAY_PLUS = 25 * 3_600_000;
  it.each([
    ["Retry-After 9000000000000 s (clamped)", h({ "retry-after": "9000000000000" }), undefined, DAY_PLUS],
    ["Retry-After a year (clamped)", h({ "retry-after": "31536000" }), undefined, DAY_PLUS],
    ["Retry-After of 400 digits (ignored)", h({ "retry-after": "9".repeat(400) }), undefined, undefined],
    ["Retry-After negative (ignored)", h({ "retry-after": "-5" }), undefined, undefined],
    ["Retry-After an invalid date (ignored)", h({ "retry-after": "tomorrow-ish" }), undefined, undefined],
    ["Retry-After a date in 2 years (clamped)", h({ "retry-after": new Date(NOW + 2 * 365 * 86_400_000).toUTCString() }), undefined, DAY_PLUS],
    ["retry-after-ms of 400 digits, then a sane Retry-After", h({ "retry-after-ms": "9".repeat(400), "retry-after": "4" }), undefined, 4000],
    ["x-ratelimit-reset-requests in weeks (clamped)", h({ "x-ratelimit-reset-requests": "9999h" }), undefined, DAY_PLUS],
    ["X-RateLimit-Reset of 400 digits (ignored)", h({ "x-ratelimit-reset": "9".repeat(400) }), undefined, undefined],
    ["X-RateLimit-Reset negative (ignored)", h({ "x-ratelimit-reset": "-100" }), undefined, undefined],
    ["OpenRouter retry_after_seconds infinite-ish (clamped)", h({}), { error: { metadata: { retry_after_seconds: 1e300 } } }, DAY_PLUS],
    ["OpenRouter metadata X-RateLimit-Reset (epoch ms)", h({}), { error: { code: 429, metadata: { headers: { "X-RateLimit-Reset": String(NOW + 3_600_000) } } } }, 3_600_000],
    ["OpenRouter metadata X-RateLimit-Reset in 10 years (clamped)", h({}), { error: { metadata: { headers: { "X-RateLimit-Reset": String(NOW + 3650 * 86_400_000) } } } }, DAY_PLUS],
    ["Gemini retryDelay huge (clamped)", h({}), { error: { details: [{ retryDelay: "9000000000000s" }] } }, DAY_PLUS],
    ["Gemini retryDelay of 400 digits (ignored)", h({}), { error: { details: [{ retryDelay: `${"9".repeat(400)}s` }] } }, undefined],
  ])("never returns an unusable wait: %s", (_, headers, body, expected) => {
    expect(retryAfterMs(headers, body, NOW)).toBe(expected);
  });

  it("parses Go-style durations", () => {
    expect(parseDuration("6m0s")).toBe(360_000);
    expect(parseDuration("0.5s")).toBe(500);
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration("soon")).toBeUndefined();
  });
});

describe("classifyUpstreamError", () => {
  it("maps 429 with the wait and scope", () => {
    const model = classifyUpstreamError("openrouter", 429, h({ "retry-after": "3" }), '{"error":{"message":"qwen is temporarily rate-limited upstream"}}');
    expect(model).toBeInstanceOf(UpstreamRateLimitError);
    expect(model).toMatchObject({ retryable: true, retryAfterMs: 3000, scope: "model", status: 429 });
    const pool = classifyUpstreamError("openrouter", 429, h({}), '{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits"}}');
    expect(pool).toMatchObject({ scope: "account", pool: "free" });
    const account = classifyUpstreamError("openai", 429, h({}), '{"error":{"message":"You exceeded your current quota","type":"insufficient_quota"}}');
    expect(account).toMatchObject({ scope: "account", pool: undefined });
  });

  it("maps 5xx and 529 to retryable server errors", () => {
    for (const status of [500, 502, 503, 529, 404]) {
      const err = classifyUpstreamError("p", status, h({}), "boom");
      expect(err).toBeInstanceOf(UpstreamServerError);
      expect(err.retryable).toBe(true);
      expect(err.status).toBe(502);
    }
  });

  it("passes the upstream's message on for invalid requests, not retryable", () => {
    const err = classifyUpstreamError("groq", 400, h({}), '{"error":{"message":"tools[0].function.name is invalid","type":"invalid_request_error"}}');
    expect(err).toBeInstanceOf(UpstreamInvalidRequestError);
    expect(err.retryable).toBe(false);
    expect(err.message).toBe("Provider groq rejected the request: tools[0].function.name is invalid");
  });

  it("recognises context length errors from each provider", () => {
    for (const message of [
      "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
      "prompt is too long: 210000 tokens > 200000 maximum",
      "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
    ]) {
      const err = classifyUpstreamError("p", 400, h({}), JSON.stringify({ error: { message } }));
      expect(err, message).toBeInstanceOf(ContextLengthExceededError);
      expect(err.code).toBe("context_length_exceeded");
    }
  });

  it("answers upstream 401/403 as a 502 naming the provider, without the upstream's text", () => {
    const err = classifyUpstreamError("anthropic", 401, h({}), '{"error":{"message":"invalid x-api-key sk-ant-123"}}');
    expect(err).toBeInstanceOf(UpstreamAuthError);
    expect(err.status).toBe(502);
    expect(err.message).toContain("anthropic");
    expect(err.message).not.toContain("sk-ant");
  });
});
