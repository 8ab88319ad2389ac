/**
 * What a model did lately, for people watching it (the dashboard, /v1/status): successes
 * and errors per calendar minute over the last five minutes, and the median of its latest
 * latencies. Minute buckets roll over lazily, like the quota windows. Nothing here decides
 * anything; the breaker and quotas live in the ledger.
 */
import type { ModelStatus } from "./limiter-types";
import { windowAt } from "./windows";

const RECENT_MINUTES = 5;
export const RECENT_WINDOW_S = RECENT_MINUTES * 60;
/** The median is taken over this many of the latest measured latencies. */
const LATENCY_SAMPLES = 50;

export interface Activity {
  /** [minute start, successes, errors], oldest first. */
  recent: Array<[number, number, number]>;
  /** The latest measured latencies, oldest first. */
  latencies: number[];
}

const recentFloor = (now: number) => windowAt("minute", now).start - (RECENT_MINUTES - 1) * 60_000;

export function countOutcome(a: Activity, success: boolean, now: number): void {
  const start = windowAt("minute", now).start;
  const floor = recentFloor(now);
  while (a.recent.length > 0 && a.recent[0]![0] < floor) a.recent.shift();
  let bucket = a.recent.at(-1);
  if (!bucket || bucket[0] !== start) {
    bucket = [start, 0, 0];
    a.recent.push(bucket);
  }
  bucket[success ? 1 : 2]++;
}

export function addLatency(a: Activity, ms: number): void {
  a.latencies.push(ms);
  if (a.latencies.length > LATENCY_SAMPLES) a.latencies.splice(0, a.latencies.length - LATENCY_SAMPLES);
}

export function recentTotals(a: Activity, now: number): ModelStatus["recent"] {
  const floor = recentFloor(now);
  let success = 0;
  let error = 0;
  for (const [start, ok, failed] of a.recent) {
    if (start < floor) continue;
    success += ok;
    error += failed;
  }
  return { success, error, window_s: RECENT_WINDOW_S };
}

/** The lower median: always a latency that was actually measured. */
export function latencyP50(a: Activity): number | null {
  if (a.latencies.length === 0) return null;
  const sorted = [...a.latencies].sort((x, y) => x - y);
  return Math.round(sorted[Math.floor((sorted.length - 1) / 2)]!);
}
