/**
 * Runtime settings from Worker variables ([vars], .dev.vars, secrets). Workers have no
 * start-up hook, so they are parsed on first use per env object and cached; a bad value
 * fails every request with a message naming the variable rather than misbehaving later.
 */
import { ConfigurationError } from "../errors";

/** Any env-like record: the Worker's bindings, or a plain object in tests. */
type Vars = Readonly<Record<string, unknown>>;

export interface Settings {
  readonly retry: { readonly maxAttempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
  readonly maxBodyBytes: number;
  /** Largest upstream answer body read (decompressed), images included; error bodies and stream events have their own, smaller caps. */
  readonly maxUpstreamBodyBytes: number;
  /** Upper bound on one request's whole life in the proxy: attempts, backoff and waits. */
  readonly requestDeadlineMs: number;
  /** How long a stored Responses API response is kept. */
  readonly responsesTtlS: number;
}

/** MAX_UPSTREAM_BODY_BYTES when unset: room for a few large images, far below an isolate's 128 MB. */
export const DEFAULT_MAX_UPSTREAM_BODY_BYTES = 16 * 1024 * 1024;

type IntSpec = { name: string; fallback: number; min: number; max: number };

function readInt(env: Vars, spec: IntSpec): number {
  const raw = env[spec.name];
  if (raw === undefined || raw === "") return spec.fallback;
  const value = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < spec.min || value > spec.max) {
    throw new ConfigurationError(`${spec.name} must be an integer from ${spec.min} to ${spec.max}`);
  }
  return value;
}

export function parseSettings(env: Vars): Settings {
  const retry = {
    maxAttempts: readInt(env, { name: "RETRY_MAX_ATTEMPTS", fallback: 3, min: 1, max: 10 }),
    baseDelayMs: readInt(env, { name: "RETRY_BASE_DELAY_MS", fallback: 250, min: 0, max: 60_000 }),
    maxDelayMs: readInt(env, { name: "RETRY_MAX_DELAY_MS", fallback: 4_000, min: 0, max: 300_000 }),
  };
  if (retry.maxDelayMs < retry.baseDelayMs) {
    throw new ConfigurationError("RETRY_MAX_DELAY_MS must not be below RETRY_BASE_DELAY_MS");
  }
  const maxBodyBytes = readInt(env, { name: "MAX_BODY_BYTES", fallback: 10 * 1024 * 1024, min: 1024, max: 100 * 1024 * 1024 });
  const requestDeadlineMs = readInt(env, { name: "REQUEST_DEADLINE_MS", fallback: 300_000, min: 1_000, max: 3_600_000 });
  // A Worker isolate has 128 MB for every request in flight: one body may not take most of it.
  const maxUpstreamBodyBytes = readInt(env, { name: "MAX_UPSTREAM_BODY_BYTES", fallback: DEFAULT_MAX_UPSTREAM_BODY_BYTES, min: 64 * 1024, max: 32 * 1024 * 1024 });
  const responsesTtlS = readInt(env, { name: "RESPONSES_TTL_S", fallback: 86_400, min: 60, max: 30 * 86_400 });
  return { retry, maxBodyBytes, maxUpstreamBodyBytes, requestDeadlineMs, responsesTtlS };
}

const cache = new WeakMap<object, Settings | ConfigurationError>();

/** Settings for this env, parsed once; throws the same ConfigurationError on every call if invalid. */
export function settingsFor(env: Vars): Settings {
  let entry = cache.get(env);
  if (!entry) {
    try {
      entry = parseSettings(env);
    } catch (err) {
      if (!(err instanceof ConfigurationError)) throw err;
      entry = err;
    }
    cache.set(env, entry);
  }
  if (entry instanceof ConfigurationError) throw entry;
  return entry;
}
