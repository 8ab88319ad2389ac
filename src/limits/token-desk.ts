/**
 * A provider's access tokens, held by its Durable Object for every isolate: an isolate
 * that has none cached asks here instead of the token endpoint, so a thousand isolates
 * share one token rather than fetching one each. A token is fetched by one caller at a
 * time: whoever asks while a fetch is under way waits for it. A token the provider
 * refused is dropped only while it is still the one held, so many refusals of one stale
 * token cost one refresh.
 *
 * Tokens are kept in the object's SQLite storage, so an evicted object does not fetch
 * again: they are short-lived, and never logged or answered. The grant (client secret or
 * service-account JSON) only passes through, for the fetch; it is never stored.
 */
import { fetchAccessToken } from "../providers/token-fetch";
import type { TokenAsk, TokenOutcome } from "../providers/token-types";

export type { TokenAsk } from "../providers/token-types";

interface Held {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

export class TokenDesk {
  private held: Map<string, Held> | undefined;
  private readonly flights = new Map<string, Promise<TokenOutcome>>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at INTEGER NOT NULL, refresh_at INTEGER NOT NULL)");
  }

  /** The held token while it is fresh; else the one fetch under way, or a new one. */
  get(ask: TokenAsk, now: number): Promise<TokenOutcome> {
    const held = this.load(now);
    const current = held.get(ask.key);
    if (current && current.token === ask.refused) this.drop(ask.key);
    else if (current && current.refreshAt > now) return Promise.resolve({ ok: true, ...current });
    let flight = this.flights.get(ask.key);
    if (!flight) {
      flight = fetchAccessToken(ask.provider, ask.grant, ask.timeoutMs).then((outcome) => {
        this.flights.delete(ask.key);
        if (outcome.ok) this.keep(ask.key, { token: outcome.token, expiresAt: outcome.expiresAt, refreshAt: outcome.refreshAt });
        return outcome;
      });
      this.flights.set(ask.key, flight);
    }
    return flight;
  }

  private load(now: number): Map<string, Held> {
    if (this.held) return this.held;
    this.held = new Map();
    const rows = this.sql.exec<{ key: string; token: string; expires_at: number; refresh_at: number }>("SELECT key, token, expires_at, refresh_at FROM tokens");
    // An expired row is harmless: it is due for a refresh, which replaces it.
    for (const r of rows) if (r.expires_at > now) this.held.set(r.key, { token: r.token, expiresAt: r.expires_at, refreshAt: r.refresh_at });
    return this.held;
  }

  private keep(key: string, h: Held): void {
    this.held?.set(key, h);
    this.sql.exec("INSERT OR REPLACE INTO tokens (key, token, expires_at, refresh_at) VALUES (?, ?, ?, ?)", key, h.token, h.expiresAt, h.refreshAt);
  }

  private drop(key: string): void {
    this.held?.delete(key);
    this.sql.exec("DELETE FROM tokens WHERE key = ?", key);
  }
}
