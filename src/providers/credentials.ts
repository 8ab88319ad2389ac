/**
 * Puts a provider's credential on an upstream request, the one place that does, just
 * before it is sent: the key of the pool the quota client chose, or an access token.
 * Adapters build requests without credentials, so a pool's keys and fetched tokens need
 * nothing from them.
 *
 * Token auth (`oauth_client_credentials`, `google_service_account`) fetches a short-lived
 * access token, cached in the isolate until a minute before it expires; concurrent
 * requests share one fetch. A token endpoint that fails is the provider's failure (a 502
 * naming it, counted by its breaker); every token is taught to the redactor at once.
 */
import type { AuthConfig } from "../config/schema";
import { UpstreamAuthError, UpstreamBadResponseError, UpstreamInvalidRequestError } from "../errors";
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
const cacheKey = (target: UpstreamTarget) => `${target.model.providerId}\n${target.baseUrl}`;

/** The request with its credential: key `key` of the target's keys, or its access token. */
export async function authorize(spec: UpstreamHttpRequest, target: UpstreamTarget, key = 0): Promise<UpstreamHttpRequest> {
  const auth: AuthConfig | undefined = target.model.providerConfig.auth;
  const value = target.grant ? await accessToken(target, target.grant) : (target.keys[key] ?? target.keys[0]);
  if (value === undefined) return spec;
  if (auth?.type === "query") {
    const sep = spec.url.includes("?") ? "&" : "?";
    return { ...spec, url: `${spec.url}${sep}${encodeURIComponent(auth.name)}=${encodeURIComponent(value)}` };
  }
  const name = auth?.type === "header" ? auth.name.toLowerCase() : auth ? "authorization" : DEFAULT_HEADER[target.model.providerConfig.type];
  return { ...spec, headers: { ...spec.headers, [name]: name === "authorization" ? `Bearer ${value}` : value } };
}

/**
 * The provider refused the credential: a token is forgotten (the next attempt fetches a
 * fresh one), a pool's key is benched. True when another attempt may fare better.
 */
export function credentialRejected(target: UpstreamTarget, key: number): boolean {
  if (target.grant) return tokens.delete(cacheKey(target));
  const value = target.keys[key];
  if (target.keys.length < 2 || value === undefined) return false;
  benchKey(target.model, fingerprint(value), Date.now());
  logLine("error", { msg: "provider rejected a key; benched", provider: target.model.providerId, key: shownAs(fingerprint(value)) });
  return true;
}

function accessToken(target: UpstreamTarget, grant: TokenGrant): Promise<string> {
  const key = cacheKey(target);
  const cached = tokens.get(key);
  if (cached && cached.refreshAt > Date.now()) return cached.token;
  const entry: Cached = { token: Promise.resolve(""), refreshAt: Number.POSITIVE_INFINITY };
  entry.token = fetchToken(target.model.providerId, grant).then(
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
  return entry.token;
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

async function fetchToken(provider: string, grant: TokenGrant): Promise<{ token: string; expiresAt: number }> {
  const ex = new UpstreamExchange({ provider });
  ex.arm(TOKEN_TIMEOUT_MS, timeoutOf(provider, TOKEN_TIMEOUT_MS, "token"));
  try {
    const res = await openUpstream(ex, await tokenRequest(grant)).catch((err: unknown) => {
      // A token endpoint that refuses the request refuses the credentials: a provider failure, never the client's 400.
      throw err instanceof UpstreamInvalidRequestError ? new UpstreamAuthError(provider, 400) : err;
    });
    let body: { access_token?: unknown; expires_in?: unknown; expires_at?: unknown };
    try {
      body = JSON.parse(new TextDecoder().decode(await readBody(ex, res, 64 * 1024))) as typeof body;
    } catch {
      throw new UpstreamBadResponseError(provider, "its token endpoint answered without JSON");
    }
    const token = body?.access_token;
    if (typeof token !== "string" || token === "") throw new UpstreamBadResponseError(provider, "its token endpoint answered without an access_token");
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
