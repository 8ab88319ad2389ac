/**
 * Fetches one access token from a provider's token endpoint (OAuth client credentials, or
 * a Google service account's signed JWT), for whichever holder caches it: the provider's
 * Durable Object, which shares it with every isolate, or an isolate without one. The
 * outcome is a plain union, so it crosses RPC as is; a failure is told in words of ours,
 * since the endpoint's answer may echo the secret it was sent.
 */
import { ConfigurationError, type ProxyError, UpstreamAuthError, UpstreamError, UpstreamInvalidRequestError, UpstreamTimeoutError, UpstreamTokenError } from "../errors";
import { serviceAccountAssertion } from "./google-jwt";
import type { TokenGrant, TokenOutcome } from "./token-types";
import type { UpstreamHttpRequest } from "./types";
import { openUpstream, readBody, timeoutOf, UpstreamExchange } from "./upstream-reader";

/** Refresh this long before expiry, so no request goes out with a token about to lapse. */
const EARLY_MS = 60_000;
/** When the endpoint gives no lifetime: GigaChat's, and a common default. */
const DEFAULT_TTL_MS = 30 * 60_000;

/** A failed outcome as the error it was: the provider's 502 (counted by its breaker), or ours. */
export function tokenError(provider: string, o: Extract<TokenOutcome, { ok: false }>): ProxyError {
  return o.reason === "config" ? new ConfigurationError(o.problem) : new UpstreamTokenError(provider, o.detail, o.retryable);
}

export type { TokenOutcome } from "./token-types";

export async function fetchAccessToken(provider: string, grant: TokenGrant, timeoutMs: number): Promise<TokenOutcome> {
  try {
    const { token, expiresAt } = await fetchToken(provider, grant, timeoutMs);
    // A minute early, or a tenth of a short lifetime early.
    const refreshAt = expiresAt - Math.min(EARLY_MS, (expiresAt - Date.now()) / 10);
    return { ok: true, token, expiresAt, refreshAt };
  } catch (err) {
    return failure(err, timeoutMs);
  }
}

function failure(err: unknown, timeoutMs: number): TokenOutcome {
  const token = (detail: string, retryable: boolean) => ({ ok: false as const, reason: "token" as const, detail, retryable });
  if (err instanceof ConfigurationError) return { ok: false, reason: "config", problem: err.problem };
  if (err instanceof UpstreamTokenError) return token(err.detail, err.retryable);
  if (err instanceof UpstreamTimeoutError) return token(`its token endpoint did not answer within ${timeoutMs} ms`, true);
  if (err instanceof UpstreamAuthError || err instanceof UpstreamInvalidRequestError) {
    return token("its token endpoint refused ai-proxy's client credentials; check the provider's auth secrets", false);
  }
  // Anything else (a key WebCrypto cannot import, say) is nothing the endpoint did: not retried.
  return err instanceof UpstreamError ? token(`its token endpoint failed (${err.kind})`, err.retryable) : token("its token request failed", false);
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
