/**
 * Puts a provider's credential on an upstream request, the one place that does, just
 * before it is sent: the key of the pool the quota client chose, or an access token.
 * Adapters build requests without credentials, so a pool's keys and fetched tokens need
 * nothing from them.
 *
 * Token auth (`oauth_client_credentials`, `google_service_account`) uses a short-lived
 * access token, at two levels. The isolate caches it until shortly before it expires, and
 * concurrent requests share one lookup. On a miss the isolate asks the provider's Durable
 * Object (limits/token-desk.ts), which hands every isolate the same token and fetches a new
 * one once, for all of them, when it is due; without that object the isolate fetches itself.
 * A 401 on a token drops it here if it is still the cached one, and the next lookup tells
 * the object which token was refused, which it drops only if still its own: many requests
 * and isolates refused with the same stale token cost one refresh. A token endpoint that
 * fails is the provider's failure (a 502 naming it, counted by its breaker, whatever the
 * endpoint said left out); every token is taught to the redactor as it arrives.
 */
import type { AuthConfig } from "../config/schema";
import { benchKey, fingerprint, shownAs } from "../limits/key-pool";
import { logLine } from "../observability/log-line";
import { rememberSecret } from "../security/redact";
import { fetchAccessToken, tokenError, type TokenOutcome } from "./token-fetch";
import type { TokenGrant, UpstreamHttpRequest, UpstreamTarget } from "./types";

const TOKEN_TIMEOUT_MS = 10_000;
const DEFAULT_HEADER = { openai: "authorization", gigachat: "authorization", gemini: "x-goog-api-key", anthropic: "x-api-key" } as const;

interface Cached {
  token: Promise<string>;
  /** When to look up a new one: shortly before expiry. */
  refreshAt: number;
  /** The token, once it has arrived. */
  value?: string;
}
const tokens = new Map<string, Cached>();
/** The cached token each target's last request went out with, to tell a stale refusal from a fresh one. */
const sentWith = new WeakMap<UpstreamTarget, Cached>();
/** A token refused here with a 401, for the next lookup to tell the provider's object. */
const refusedHere = new Map<string, string>();
const cacheKey = (target: UpstreamTarget) => `${target.model.providerId}\n${target.baseUrl}`;

/** The request with its credential: key `key` of the target's keys, or its access token. */
export async function authorize(spec: UpstreamHttpRequest, target: UpstreamTarget, key = 0): Promise<UpstreamHttpRequest> {
  const auth: AuthConfig | undefined = target.model.providerConfig.auth;
  const value = target.grant ? await tokenFor(target, target.grant) : (target.keys[key] ?? target.keys[0]);
  if (value === undefined) return spec;
  if (auth?.type === "query") {
    const sep = spec.url.includes("?") ? "&" : "?";
    return { ...spec, url: `${spec.url}${sep}${encodeURIComponent(auth.name)}=${encodeURIComponent(value)}` };
  }
  const name = auth?.type === "header" ? auth.name.toLowerCase() : auth ? "authorization" : DEFAULT_HEADER[target.model.providerConfig.type];
  return { ...spec, headers: { ...spec.headers, [name]: name === "authorization" ? `Bearer ${value}` : value } };
}

/**
 * What to do after the provider refused the credential (401/403): `refresh` for a token
 * refused with a 401,
 * which is forgotten if it is still the cached one (the retry fetches or shares a fresh
 * one); `later` for a pool's key, benched so another key serves; undefined when nothing
 * else can be tried.
 */
export function credentialRejected(target: UpstreamTarget, key: number, status: number): "refresh" | "later" | undefined {
  if (target.grant) {
    // A 403 says the token is valid but not allowed this: a new one would be refused too,
    // and fetching one per request would flood the token endpoint.
    if (status !== 401) return undefined;
    const k = cacheKey(target);
    const used = sentWith.get(target);
    // Another request may have refreshed it already: that token is not the one refused.
    if (used !== undefined && tokens.get(k) === used) {
      tokens.delete(k);
      if (used.value !== undefined) refusedHere.set(k, used.value);
    }
    return "refresh";
  }
  const value = target.keys[key];
  if (target.keys.length < 2 || value === undefined) return undefined;
  benchKey(target.model, fingerprint(value), Date.now());
  logLine("error", { msg: "provider rejected a key; benched", provider: target.model.providerId, key: shownAs(fingerprint(value)) });
  return "later";
}

async function tokenFor(target: UpstreamTarget, grant: TokenGrant): Promise<string> {
  const entry = accessToken(target, grant);
  sentWith.set(target, entry);
  return entry.token;
}

function accessToken(target: UpstreamTarget, grant: TokenGrant): Cached {
  const key = cacheKey(target);
  const cached = tokens.get(key);
  if (cached && cached.refreshAt > Date.now()) return cached;
  const entry: Cached = { token: Promise.resolve(""), refreshAt: Number.POSITIVE_INFINITY };
  const provider = target.model.providerId;
  const refused = refusedHere.get(key);
  refusedHere.delete(key);
  entry.token = lookUp(target, grant, refused).then((outcome) => {
    if (!outcome.ok) {
      if (tokens.get(key) === entry) tokens.delete(key);
      throw tokenError(provider, outcome);
    }
    rememberSecret(outcome.token);
    entry.refreshAt = outcome.refreshAt;
    entry.value = outcome.token;
    return outcome.token;
  });
  tokens.set(key, entry);
  return entry;
}

/** The provider's shared token from its Durable Object, or from the endpoint if the object cannot be reached. */
function lookUp(target: UpstreamTarget, grant: TokenGrant, refused: string | undefined): Promise<TokenOutcome> {
  const provider = target.model.providerId;
  const timeoutMs = Math.min(TOKEN_TIMEOUT_MS, target.model.timeout_ms ?? target.model.providerConfig.timeout_ms);
  const direct = () => fetchAccessToken(provider, grant, timeoutMs);
  if (!target.tokenDesk) return direct();
  // Its hash names the grant, so rotated secrets get a token of their own and never the old one.
  const key = `${target.baseUrl}\n${fingerprint(JSON.stringify(grant))}`;
  const ask = { provider, key, grant, timeoutMs, ...(refused !== undefined ? { refused } : {}) };
  return target.tokenDesk().accessToken(ask).catch(direct);
}
