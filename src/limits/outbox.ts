/**
 * What an isolate owes its providers' limiters: attempt reports (outcomes, real token
 * usage, freed concurrency) and ended leases (slots and tokens not used), sent off the
 * request path. Plain successes wait a moment and travel together in one call per
 * limiter (a provider, or one key of its pool); anything other isolates may be waiting for goes at once.
 */
import { logLine } from "../observability/log-line";
import type { AttemptReport, LeaseReturn, SettleResult } from "./limiter-types";
import type { QuotaContext } from "./quota-context";

const SUCCESS_FLUSH_DELAY_MS = 250;

interface Box {
  reports: AttemptReport[];
  returns: LeaseReturn[];
  scheduled: boolean;
}

export class Outbox {
  private readonly boxes = new Map<string, Box>();

  constructor(private readonly onSettled: (limiter: string, reports: readonly AttemptReport[], result: SettleResult, ctx: QuotaContext) => void) {}

  /** Failures, freed concurrency and exhausted providers change what others should do: they go at once, as does anything `now`. */
  report(provider: string, ctx: QuotaContext, report: AttemptReport, now: boolean): void {
    this.box(provider).reports.push(report);
    const urgent =
      now || report.outcome !== "success" || report.releaseConcurrency || report.rate?.remainingRequests === 0 || report.rate?.remainingTokens === 0;
    this.send(provider, ctx, urgent);
  }

  giveBack(provider: string, ctx: QuotaContext, ret: LeaseReturn, now: boolean): void {
    this.box(provider).returns.push(ret);
    this.send(provider, ctx, now);
  }

  private box(provider: string): Box {
    let box = this.boxes.get(provider);
    if (!box) this.boxes.set(provider, (box = { reports: [], returns: [], scheduled: false }));
    return box;
  }

  private send(provider: string, ctx: QuotaContext, now: boolean): void {
    const box = this.box(provider);
    if (now) ctx.waitUntil(this.flush(provider, ctx));
    else if (!box.scheduled) {
      box.scheduled = true;
      ctx.waitUntil(new Promise((r) => setTimeout(r, SUCCESS_FLUSH_DELAY_MS)).then(() => this.flush(provider, ctx)));
    }
  }

  private async flush(provider: string, ctx: QuotaContext): Promise<void> {
    const box = this.box(provider);
    box.scheduled = false;
    if (box.reports.length === 0 && box.returns.length === 0) return;
    const { reports, returns } = box;
    box.reports = [];
    box.returns = [];
    try {
      this.onSettled(provider, reports, await ctx.limiter.getByName(provider).settle(reports, returns), ctx);
    } catch (err) {
      logLine("error", { msg: "limiter settle failed", provider, error: String(err) });
    }
  }
}
