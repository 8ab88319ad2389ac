/**
 * Write-behind for client usage: each finished model request is queued per client and
 * sent to its ClientLimiter off the request path. Like the provider limiters' outbox, every
 * send runs on the waitUntil of the request that starts it, so no call outlives the request
 * that carries it; a report arriving while a send is scheduled rides with it. A report that
 * frees a concurrency place goes at once (another request may be waiting for it), the rest
 * after a short delay, together. A hold (a place, reserved tokens) must not be lost to a
 * failed call, or it stays taken: such reports are tried once more. The queue is bounded.
 */
import type { Bindings } from "../env";
import { logLine } from "../observability/log-line";
import { sleep } from "../routing/backoff";
import type { UseReport } from "./usage-body";

const FLUSH_DELAY_MS = 250;
const RETRY_DELAY_MS = 1_000;
const MAX_QUEUED = 1_000;

interface Queue {
  reports: UseReport[];
  scheduled: boolean;
}

const queues = new Map<string, Queue>();

async function flush(env: Bindings, client: string): Promise<void> {
  const q = queues.get(client);
  if (!q) return;
  q.scheduled = false;
  if (q.reports.length === 0) return;
  const batch = q.reports;
  q.reports = [];
  try {
    await env.CLIENTS.getByName(client).record(batch);
  } catch (err) {
    logLine("error", { msg: "client usage not recorded", client, reports: batch.length, error: String(err) });
    const again = batch.filter((r) => r.hold && !r.retried).map((r) => ({ ...r, retried: true }));
    if (again.length === 0) return;
    q.reports.unshift(...again);
    await sleep(RETRY_DELAY_MS);
    await flush(env, client);
  }
}

export function reportUse(env: Bindings, client: string, report: UseReport, waitUntil: (p: Promise<unknown>) => void): void {
  if (!env.CLIENTS) return;
  let q = queues.get(client);
  if (!q) queues.set(client, (q = { reports: [], scheduled: false }));
  // Bounded even if the limiter stays unreachable: the oldest reports go first.
  if (q.reports.length >= MAX_QUEUED) q.reports.splice(0, q.reports.length - MAX_QUEUED + 1);
  q.reports.push(report);
  if (report.hold?.concurrency) waitUntil(flush(env, client));
  else if (!q.scheduled) {
    q.scheduled = true;
    waitUntil(sleep(FLUSH_DELAY_MS).then(() => flush(env, client)));
  }
}
