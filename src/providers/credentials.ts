/**
 * Puts a provider's credential on an upstream request, the one place that does, just
 * before it is sent: the key of the pool the quota client chose, or an access token.
 * Adapters build requests without credentials, so a pool's keys and fetched tokens need
 * nothing from them.
 *
 * Token auth (`oauth_client_credentials`, `google_service_account`) fetches a short-lived
 * access token, cached in the isolate until a minute before it expires; concurrent
 * requests share one fetch. A 401/403 on a cached token drops it, but only if it is still
 * the cached one: of many requests refused with the same stale token, the first drops it
 * and the rest reuse the fresh one, so one refresh serves them all. A token endpoint that
 * fails is the provider's failure (a 502 naming it, counted by its breaker, whatever the
 * endpoint said left out); every token is taught to the redactor at once.
 */
import type { AuthConfig } from "../config/schema";
import { UpstreamAuthError, UpstreamError, UpstreamInvalidRequestError, UpstreamTimeoutError, UpstreamTokenError } from "../errors";
import { benchKey, fingerprint, shownAs } from "../limits/key-pool";
import { logLine } from "../observability/log-line";
import { rememberSecret } from "../security/redact";
import { serviceAccountAssertion } from "./google-jwt";
import type { TokenGrant, UpstreamHttpRequest, UpstreamTarget } from "./types";
import { openUpstream, readBody, timeoutOf, UpstreamExchange } from "./upstream-reader";

const TOKEN_TIMEOUT_MS = 10_000;
/** Refresh this long before expiry, so no request goes out with a token about to lapse. */
const EARLY_MS = 60_000;
/** When the endpoint gives no lifetime: GigaChat's, and a common default. */
const DEFAULT_TTL_MS = 30 * 60_000;
const DEFAULT_HEADER = { openai: "authorization", gigachat: "authorization", gemini: "x-goog-api-key", anthropic: "x-api-key" } as const;

interface Cached {
  token: Promise<string>;
  /** When to fetch a new one: shortly before expiry. */
  refreshAt: number;
}
const tokens = new Map<string, Cached>();
/** The cached token each target's last request went out with, to tell a stale refusal from a fresh one. */
const sentWith = new WeakMap<UpstreamTarget, Cached>();
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
    if (used !== undefined && tokens.get(k) === used) tokens.delete(k);
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
  const timeoutMs = Math.min(TOKEN_TIMEOUT_MS, target.model.timeout_ms ?? target.model.providerConfig.timeout_ms);
  entry.token = fetchToken(provider, grant, timeoutMs).catch((err: unknown) => {
    throw tokenFailure(provider, err, timeoutMs);
  }).then(
    ({ token, expiresAt }) => {
      rememberSecret(token);
      // A minute early, or a tenth of a short lifetime early.
      entry.refreshAt = expiresAt - Math.min(EARLY_MS, (expiresAt - Date.now()) / 10);
      return token;
    },
    (err: unknown) => {
      if (tokens.get(key) === entry) tokens.delete(key);
      throw err;
    },
  );
  tokens.set(key, entry);
  return entry;
}

/** A token endpoint's failure as the provider's 502, in words of ours: its answer may echo the secret. */
function tokenFailure(provider: string, err: unknown, timeoutMs: number): unknown {
  if (!(err instanceof UpstreamError)) return err;
  if (err instanceof UpstreamTokenError) return err;
  if (err instanceof UpstreamTimeoutError) return new UpstreamTokenError(provider, `its token endpoint did not answer within ${timeoutMs} ms`, true);
  if (err instanceof UpstreamAuthError || err instanceof UpstreamInvalidRequestError) {
    return new UpstreamTokenError(provider, "its token endpoint refused ai-proxy's client credentials; check the provider's auth secrets", false);
  }
  return new UpstreamTokenError(provider, `its token endpoint failed (${err.kind})`, err.retryable);
}

async function tokenRequest(grant: TokenGrant): Promise<UpstreamHttpRequest> {
  const form = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
  if (grant.type === "oauth_client_credentials") {
    const headers: Record<string, string> = { ...form, ...grant.headers, authorization: `Basic ${grant.basic}` };
    if (grant.rqUid) headers.RqUID = crypto.randomUUID();
    const body = new URLSearchParams({ grant_type: "client_credentials", ...(grant.scope ? { scope: grant.scope } : {}) });
    return { url: grant.url, headers, body: body.toString() };
  }
  const { assertion, tokenUri } = await serviceAccountAssertion(grant.json, grant.scopes);
  return { url: tokenUri, headers: form, body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString() };
}

async function fetchToken(provider: string, grant: TokenGrant, timeoutMs: number): Promise<{ token: string; expiresAt: number }> {
  const ex = new UpstreamExchange({ provider });
  ex.arm(timeoutMs, timeoutOf(provider, timeoutMs, "token"));
  try {
    const res = await openUpstream(ex, await tokenRequest(grant));
    let body: { access_token?: unknown; expires_in?: unknown; expires_at?: unknown };
    try {
      body = JSON.parse(new TextDecoder().decode(await readBody(ex, res, 64 * 1024))) as typeof body;
    } catch {
      throw new UpstreamTokenError(provider, "its token endpoint answered without JSON", true);
    }
    const token = body?.access_token;
    if (typeof token !== "string" || token === "") throw new UpstreamTokenError(provider, "its token endpoint answered without an access_token", true);
    const now = Date.now();
    // expires_in in seconds (OAuth), or GigaChat's expires_at in epoch ms on the endpoint's
    // clock, which its Date header tells (to the second) apart from ours.
    const theirNow = Date.parse(res.headers.get("date") ?? "") || now;
    const ttl = typeof body.expires_at === "number" ? body.expires_at - theirNow : typeof body.expires_in === "number" ? body.expires_in * 1000 : DEFAULT_TTL_MS;
    return { token, expiresAt: now + Math.min(Math.max(ttl, 0), 24 * 3_600_000) };
  } finally {
    ex.release();
  }
}
