/**
 * The plain data of token auth, apart from the code that uses it: what a token is fetched
 * with, what fetching one gives, and what an isolate asks of the Durable Object that shares
 * it (limits/token-desk.ts). Kept import-free, so the provider types, the fetch and the
 * object can all name them without importing one another.
 */

/** Where an access token comes from (token-fetch.ts fetches it), resolved from the env by target.ts. */
export type TokenGrant =
  | { type: "oauth_client_credentials"; url: string; basic: string; scope?: string; headers?: Record<string, string>; rqUid: boolean }
  | { type: "google_service_account"; json: string; scopes: readonly string[] };

export type TokenOutcome =
  | { ok: true; token: string; expiresAt: number; refreshAt: number }
  | { ok: false; reason: "token"; detail: string; retryable: boolean }
  /** The grant itself is unusable (a service-account JSON without its key): a deployment error. */
  | { ok: false; reason: "config"; problem: string };

export interface TokenAsk {
  /** The provider's id, for the failure's message. */
  provider: string;
  /** Which token: the provider's base URL and a hash of its grant, so rotated secrets fetch anew. */
  key: string;
  grant: TokenGrant;
  timeoutMs: number;
  /** A token the provider refused with a 401: dropped if it is still the one held. */
  refused?: string;
}

/** What credentials.ts asks of the object holding a provider's tokens (limits/token-desk.ts). */
export interface TokenDeskRemote {
  accessToken(ask: TokenAsk): Promise<TokenOutcome>;
}
