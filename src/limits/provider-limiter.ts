/**
 * One Durable Object per provider holds the exact, global counters, breakers and
 * cooldowns of that provider's models and of its account-wide limits, so a model limit and
 * its provider's shared limit are checked in the same synchronous step. Sharding by
 * provider spreads load as providers are added; leases (see quota-client.ts) keep most
 * requests from calling it at all.
 *
 * Persistence is write-behind: state lives in memory, and changed rows go to SQLite at
 * most once a second from a timer, so no RPC ever waits for a storage write. The cost: an
 * object lost to a crash forgets at most the last second of counts.
 *
 * It also holds the provider's access tokens for every isolate (token-desk.ts).
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";
import type { AcquireRequest, AcquireResult, AttemptReport, LeaseReturn, LimiterRemote, ProviderStatus, SettleResult } from "./limiter-types";
import { ProviderLedger } from "./provider-ledger";
import { type TokenAsk, TokenDesk } from "./token-desk";
import type { TokenOutcome } from "../providers/token-fetch";

const PERSIST_EVERY_MS = 1_000;

export class ProviderLimiter extends DurableObject<Bindings> implements LimiterRemote {
  /** The clock every decision uses; tests replace it to move through windows. */
  now: () => number = () => Date.now();
  private ledger: ProviderLedger | undefined;
  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  private desk: TokenDesk | undefined;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  private ledgerFor(): ProviderLedger {
    if (!this.ledger) {
      // Named by its provider id; a "#…" suffix names an independent object for the same
      // provider (the tests' way to start from an empty ledger).
      const provider = this.ctx.id.name?.split("#")[0];
      if (!provider) throw new Error("a ProviderLimiter is reached by getByName(providerId) only");
      const saved = new Map<string, string>();
      for (const row of this.ctx.storage.sql.exec<{ key: string; value: string }>("SELECT key, value FROM state")) saved.set(row.key, row.value);
      this.ledger = new ProviderLedger(provider, saved, undefined, this.now());
    }
    return this.ledger;
  }

  private schedulePersist(): void {
    if (this.persistTimer !== undefined || !this.ledger?.dirty.size) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      this.persist();
    }, PERSIST_EVERY_MS);
  }

  /** Writes every changed row now. */
  persist(): void {
    const ledger = this.ledger;
    if (!ledger) return;
    for (const key of ledger.dirty) {
      const value = ledger.serialize(key);
      if (value !== undefined) this.ctx.storage.sql.exec("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", key, value);
    }
    ledger.dirty.clear();
  }

  async acquire(req: AcquireRequest): Promise<AcquireResult> {
    const result = this.ledgerFor().acquire(req, this.now());
    this.schedulePersist();
    return result;
  }

  async settle(reports: AttemptReport[], returns: LeaseReturn[]): Promise<SettleResult> {
    const result = this.ledgerFor().settle(reports, returns, this.now());
    this.schedulePersist();
    return result;
  }

  /** The provider's shared access token, fetched here once when none is fresh. */
  async accessToken(ask: TokenAsk): Promise<TokenOutcome> {
    this.desk ??= new TokenDesk(this.ctx.storage.sql);
    return this.desk.get(ask, this.now());
  }

  async status(): Promise<ProviderStatus> {
    return this.ledgerFor().status(this.now());
  }
}
