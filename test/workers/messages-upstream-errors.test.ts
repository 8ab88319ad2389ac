/**
 * Upstream failures as an Anthropic client sees them: the table of chat-upstream-errors,
 * asked on POST /v1/messages through the real @anthropic-ai/sdk, against each target type
 * (OpenAI-compatible, Gemini, Anthropic). What reaches the client is Anthropic's error
 * shape: the SDK's error class, `error.type`, the status, the message (a provider's own
 * words kept, secrets redacted) and Retry-After; never an upstream address or key.
 */
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { anthropicClient } from "./clients";
import { recorded, sim } from "./helpers";

const { client } = anthropicClient();

interface Target {
  provider: string;
  models: { main: string; cooled: string };
}

const TARGETS = {
  "openai-compatible": { provider: "sim", models: { main: "sim-small", cooled: "msg-sim-cooled" } },
  gemini: { provider: "simgemini", models: { main: "gemini-sim", cooled: "msg-gemini-cooled" } },
  anthropic: { provider: "simanthropic", models: { main: "claude-sim", cooled: "msg-claude-cooled" } },
} satisfies Record<string, Target>;
type TargetName = keyof typeof TARGETS;

type ErrorClass = typeof Anthropic.BadRequestError | typeof Anthropic.RateLimitError | typeof Anthropic.InternalServerError;

interface Outcome {
  error: ErrorClass;
  status: number;
  type: string;
  message: (t: Target, stream: boolean) => string;
  retryAfter?: string;
  /** Upstream requests made: retryable failures are tried RETRY_MAX_ATTEMPTS (3) times. */
  attempts: number;
  /** The same for the streamed request that follows, when it differs. */
  streamAttempts?: number;
}

interface Row {
  name: string;
  fault: Record<string, unknown>;
  model?: keyof Target["models"];
  want: Outcome;
}

// The provider quotes a key back; the client must not see it.
const QUOTED = "upstream says no to Bearer sk-sim-openai-secret";
const SAID = "upstream says no to Bearer [redacted]";

const failed = (status: number, type: string): Row => ({
  name: `answers ${status}`,
  fault: { status, message: QUOTED },
  want: { error: Anthropic.InternalServerError, status: 502, type, message: (t) => `Provider ${t.provider} failed (HTTP ${status}).`, attempts: 3 },
});

const credentials = (status: number): Row => ({
  name: `answers ${status}`,
  fault: { status, message: QUOTED },
  // The proxy's own key is wrong, not the client's: not an authentication_error, which
  // would send Claude Code's user to log in again.
  want: {
    error: Anthropic.InternalServerError,
    status: 502,
    type: "api_error",
    message: (t) => `Provider ${t.provider} rejected ai-proxy's credentials (HTTP ${status}); check its API key secret.`,
    attempts: 1,
  },
});

const ROWS: Row[] = [
  {
    name: "answers 400",
    fault: { status: 400, message: QUOTED },
    want: { error: Anthropic.BadRequestError, status: 400, type: "invalid_request_error", message: (t) => `Provider ${t.provider} rejected the request: ${SAID}`, attempts: 1 },
  },
  {
    name: "answers 400 for a prompt over the context window",
    fault: { status: 400, message: "prompt is too long: 250000 tokens > 200000 maximum" },
    want: {
      error: Anthropic.BadRequestError,
      status: 400,
      type: "invalid_request_error",
      message: (t) => `Provider ${t.provider}: prompt is too long: 250000 tokens > 200000 maximum`,
      attempts: 1,
    },
  },
  credentials(401),
  credentials(403),
  failed(404, "api_error"),
  failed(500, "api_error"),
  // Overloaded, in Anthropic's word for it (its own 529), whichever provider said it.
  failed(503, "overloaded_error"),
  failed(529, "overloaded_error"),
  {
    name: "answers 429 with Retry-After 30 s",
    fault: { status: 429, headers: { "retry-after": "30" }, message: QUOTED },
    model: "cooled",
    want: {
      error: Anthropic.RateLimitError,
      status: 429,
      type: "rate_limit_error",
      message: (t) => `No model for '${t.models.cooled}' has quota left right now; the earliest frees in 30 s.`,
      retryAfter: "30",
      attempts: 1,
      // The model is cooling by then: the streamed request is answered without asking it.
      streamAttempts: 0,
    },
  },
  {
    name: "drops the connection",
    fault: { drop: true },
    want: { error: Anthropic.InternalServerError, status: 502, type: "api_error", message: (t) => `Could not reach provider ${t.provider}: the connection failed.`, attempts: 3 },
  },
  {
    name: "answers 200 with an empty body",
    fault: { empty: true },
    want: {
      error: Anthropic.InternalServerError,
      status: 502,
      type: "api_error",
      message: (t, stream) => `Provider ${t.provider} sent an unusable response: ${stream ? EMPTY_STREAM[t.provider] : "empty body"}.`,
      attempts: 3,
    },
  },
];

/** What each adapter says of an event stream that ends at once. */
const EMPTY_STREAM: Record<string, string> = {
  sim: "the stream ended before any content",
  simgemini: "the stream ended without an answer",
  simanthropic: "the stream ended before message_stop",
};

const LEAKS = /sk-sim|sim-anthropic-secret|sim-gemini-secret|x-api-key|x-goog-api-key|127\.0\.0\.1|\/openai\/v1|\/anthropic|v1beta|generateContent/;

describe.each(Object.keys(TARGETS) as TargetName[])("upstream failures on /v1/messages, %s target", (name) => {
  const target: Target = TARGETS[name];

  it.each(ROWS)("when the upstream $name", async ({ fault, model, want }) => {
    const tag = `merr-${crypto.randomUUID()}`;
    const request = { model: target.models[model ?? "main"], max_tokens: 64, messages: [{ role: "user" as const, content: sim({ tag, ...fault }) }] };
    let tries = 0;
    for (const stream of [false, true]) {
      const attempt = stream ? client.messages.stream(request).finalMessage() : client.messages.create(request);
      const err = await attempt.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(want.error);
      const apiError = err as InstanceType<typeof Anthropic.APIError>;
      expect(apiError.status).toBe(want.status);
      expect(apiError.error).toEqual({ type: "error", error: { type: want.type, message: want.message(target, stream) } });
      expect(apiError.headers?.get("retry-after") ?? null).toBe(want.retryAfter ?? null);
      expect(`${apiError.message} ${JSON.stringify(apiError.error)}`).not.toMatch(LEAKS);
      tries += stream ? (want.streamAttempts ?? want.attempts) : want.attempts;
      expect(await recorded(tag)).toHaveLength(tries);
    }
  });
});
