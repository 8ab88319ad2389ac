/**
 * One Durable Object per named client (`getByName(client)`): the exact, global authority
 * on its own limits and concurrency, and the keeper of its usage. Only clients with limits
 * or max_concurrent are asked before a request; every client's finished requests arrive
 * afterwards, in batches, off the request path. Persistence is write-behind, as in the
 * ProviderLimiter: state lives in memory, one row goes to SQLite at most once a second.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";
import { ClientLedger, type ClientState } from "./client-ledger";
import type { AdmitResult, ClientUsage, UseReport } from "./usage-body";

const PERSIST_EVERY_MS = 1_000;

export class ClientLimiter extends DurableObject<Bindings> {
  /** The clock every decision uses; tests replace it to move through windows. */
  now: () => number = () => Date.now();
  private ledger: ClientLedger | undefined;
  private persistTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  private ledgerFor(): ClientLedger {
    if (!this.ledger) {
      const name = this.ctx.id.name;
      if (!name) throw new Error("a ClientLimiter is reached by getByName(client) only");
      let saved: Partial<ClientState> | undefined;
      for (const row of this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM state WHERE key = 'client'")) {
        try {
          saved = JSON.parse(row.value) as Partial<ClientState>;
        } catch {
          saved = undefined;
        }
      }
      this.ledger = new ClientLedger(name, saved);
    }
    return this.ledger;
  }

  private changed(): void {
    if (this.persistTimer !== undefined) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      if (this.ledger) this.ctx.storage.sql.exec("INSERT OR REPLACE INTO state (key, value) VALUES ('client', ?)", JSON.stringify(this.ledger.state));
    }, PERSIST_EVERY_MS);
  }

  async admit(estimatedInput: number, maxOutputTokens: number | undefined): Promise<AdmitResult> {
    const result = this.ledgerFor().admit(estimatedInput, maxOutputTokens, this.now());
    if (result.ok) this.changed();
    return result;
  }

  async record(reports: UseReport[]): Promise<void> {
    this.ledgerFor().record(reports, this.now());
    this.changed();
  }

  async usage(): Promise<ClientUsage> {
    return this.ledgerFor().usage(this.now());
  }
}
