/**
 * Protocol conformance for upstream failures: one table of what an upstream can do wrong,
 * with, for every chat adapter (OpenAI-compatible, Anthropic, Gemini), what the client must
 * see through the official openai SDK: the error class, status and code, the message, the
 * Retry-After the proxy passes on, and how many times the proxy tried the upstream. The
 * providers' error bodies differ (the simulator speaks each one's wire format); what a
 * client sees must not, and never includes a secret, an upstream address or a path.
 *
 * The simulator's providers here never open their breakers, and each 429 row cools a model
 * of its own, so no row leaves anything behind for another.
 */
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { openaiClient } from "./clients";
import { recorded, sim } from "./helpers";

const client = openaiClient();

interface Adapter {
  provider: string;
  models: { main: string; cooled: string };
}

const ADAPTERS = {
  openai: { provider: "sim", models: { main: "sim-small", cooled: "sim-cooled" } },
  anthropic: { provider: "simanthropic", models: { main: "claude-sim", cooled: "claude-cooled" } },
  gemini: { provider: "simgemini", models: { main: "gemini-sim", cooled: "gemini-cooled" } },
} satisfies Record<string, Adapter>;
type AdapterName = keyof typeof ADAPTERS;

interface Outcome {
  /** The openai SDK's error class for the proxy's answer. */
  error: typeof OpenAI.BadRequestError | typeof OpenAI.RateLimitError | typeof OpenAI.InternalServerError;
  status: number;
  code: string;
  message: string;
  /** The Retry-After header the client gets, or null for none. */
  retryAfter: string | null;
  /** Upstream requests the proxy made: retryable failures are tried RETRY_MAX_ATTEMPTS (3) times. */
  attempts: number;
}

interface Row {
  name: string;
  /** What the simulator does, as a directive (`message` is the upstream's own error text). */
  fault: Record<string, unknown>;
  /** Which of the adapter's models takes the request. */
  model: keyof Adapter["models"];
  expected: Record<AdapterName, Outcome>;
}

/** One outcome per adapter, written once when they only differ by the provider's name. */
const perAdapter = (outcome: (a: Adapter) => Outcome) =>
  ({ openai: outcome(ADAPTERS.openai), anthropic: outcome(ADAPTERS.anthropic), gemini: outcome(ADAPTERS.gemini) }) satisfies Record<AdapterName, Outcome>;

const rejected = (status: number): Row => ({
  name: `answers ${status}`,
  fault: { status, message: "upstream says no" },
  model: "main",
  expected: perAdapter((a) => ({
    error: OpenAI.BadRequestError,
    status: 400,
    code: "upstream_invalid_request",
    message: `400 Provider ${a.provider} rejected the request: upstream says no`,
    retryAfter: null,
    attempts: 1,
  })),
});

const credentials = (status: number): Row => ({
  name: `answers ${status}`,
  fault: { status, message: "upstream says no" },
  model: "main",
  expected: perAdapter((a) => ({
    error: OpenAI.InternalServerError,
    status: 502,
    code: "upstream_auth_failed",
    message: `502 Provider ${a.provider} rejected ai-proxy's credentials (HTTP ${status}); check its API key secret.`,
    retryAfter: null,
    attempts: 1,
  })),
});

const failed = (status: number): Row => ({
  name: `answers ${status}`,
  fault: { status, message: "upstream says no" },
  model: "main",
  expected: perAdapter((a) => ({
    error: OpenAI.InternalServerError,
    status: 502,
    code: "upstream_error",
    message: `502 Provider ${a.provider} failed (HTTP ${status}).`,
    retryAfter: null,
    attempts: 3,
  })),
});

const ROWS: Row[] = [
  rejected(400),
  rejected(422),
  credentials(401),
  credentials(403),
  // A model gone upstream is the provider's problem: worth another try, like a 5xx.
  failed(404),
  failed(500),
  failed(503),
  failed(529),
  {
    // Longer than the retry budget, so the proxy answers at once. Gemini says it in the
    // body's RetryInfo rather than a header; the client gets a header either way.
    name: "answers 429 with Retry-After 30 s",
    fault: { status: 429, headers: { "retry-after": "30" }, message: "upstream says no" },
    model: "cooled",
    expected: perAdapter((a) => ({
      error: OpenAI.RateLimitError,
      status: 429,
      code: "rate_limit_exceeded",
      message: `429 No model for '${a.models.cooled}' has quota left right now; the earliest frees in 30 s.`,
      retryAfter: "30",
      attempts: 1,
    })),
  },
  {
    name: "drops the connection",
    fault: { drop: true },
    model: "main",
    expected: perAdapter((a) => ({
      error: OpenAI.InternalServerError,
      status: 502,
      code: "upstream_unreachable",
      message: `502 Could not reach provider ${a.provider}: the connection failed.`,
      retryAfter: null,
      attempts: 3,
    })),
  },
  {
    name: "answers 200 with an empty body",
    fault: { empty: true },
    model: "main",
    expected: perAdapter((a) => ({
      error: OpenAI.InternalServerError,
      status: 502,
      code: "upstream_bad_response",
      message: `502 Provider ${a.provider} sent an unusable response: empty body.`,
      retryAfter: null,
      attempts: 3,
    })),
  },
];

const LEAKS = /sk-sim|sim-anthropic-secret|sim-gemini-secret|x-api-key|x-goog-api-key|127\.0\.0\.1|\/openai\/v1|\/anthropic|v1beta|generateContent/;

describe.each(Object.keys(ADAPTERS) as AdapterName[])("upstream failures through the %s adapter", (name) => {
  const adapter: Adapter = ADAPTERS[name];

  it.each(ROWS)("when the upstream $name", async ({ fault, model, expected }) => {
    const want = expected[name];
    const tag = `conf-${crypto.randomUUID()}`;
    const err = await client.chat.completions
      .create({ model: adapter.models[model], messages: [{ role: "user", content: sim({ tag, ...fault }) }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(want.error);
    const apiError = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(want.status);
    expect(apiError.code).toBe(want.code);
    expect(apiError.message).toBe(want.message);
    expect(apiError.headers?.get("retry-after") ?? null).toBe(want.retryAfter);
    expect(`${apiError.message} ${JSON.stringify(apiError.error)}`).not.toMatch(LEAKS);
    expect(await recorded(tag)).toHaveLength(want.attempts);
  });
});
