/**
 * Write-behind for client usage: each finished model request is queued per client and
 * sent to its ClientLimiter off the request path (waitUntil). While one call is on its
 * way, later requests' reports join the queue and go together in the next, so a busy
 * client costs its limiter far fewer calls than requests. A held slot (tokens reserved,
 * a concurrency place) is settled by the same report.
 */
import type { Bindings } from "../env";
import { logLine } from "../observability/log-line";
import type { UseReport } from "./usage-body";

const pending = new Map<string, UseReport[]>();

async function flush(env: Bindings, client: string): Promise<void> {
  try {
    for (let batch = pending.get(client); batch?.length; batch = pending.get(client)) {
      pending.set(client, []);
      await env.CLIENTS.getByName(client).record(batch);
    }
  } catch (err) {
    logLine("error", { msg: "client usage not recorded", client, error: String(err) });
  } finally {
    pending.delete(client);
  }
}

export function reportUse(env: Bindings, client: string, report: UseReport, waitUntil: (p: Promise<unknown>) => void): void {
  if (!env.CLIENTS) return;
  const queued = pending.get(client);
  if (queued) queued.push(report);
  else {
    pending.set(client, [report]);
    waitUntil(flush(env, client));
  }
}
