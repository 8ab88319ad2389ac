/**
 * The measurements themselves. Latency uses a plain keep-alive HTTP client timed with
 * hrtime, so sub-millisecond differences are visible; throughput uses autocannon. Every
 * loop is bounded by a count and a time limit.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import autocannon from "autocannon";
import type { Target } from "./targets";

export const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN);
const sortNum = (xs: number[]) => [...xs].sort((a, b) => a - b);

const agents = new Map<number, http.Agent>();
function agentFor(concurrency: number): http.Agent {
  let a = agents.get(concurrency);
  if (!a) {
    a = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    agents.set(concurrency, a);
  }
  return a;
}

export function chatBody(target: Target, opts: { stream?: boolean; directive?: Record<string, unknown>; history?: string } = {}): string {
  const text = (opts.history ?? "") + (opts.directive ? `hi <<sim ${JSON.stringify(opts.directive)}>>` : "hi");
  return JSON.stringify({ model: target.model, stream: opts.stream ?? false, messages: [{ role: "user", content: text }] });
}

/** One request; resolves with its latency in ms, or rejects on a non-200. */
export function timedRequest(target: Target, body: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.request(target.url, { method: "POST", agent, headers: { "content-type": "application/json", ...target.headers } }, (res) => {
      res.on("data", () => undefined);
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`${target.name}: HTTP ${res.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - start) / 1e6);
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** `count` requests at `concurrency`, latencies in ms. */
export async function latencies(target: Target, count: number, concurrency: number): Promise<number[]> {
  const agent = agentFor(concurrency);
  const body = chatBody(target);
  const out: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        out.push(await timedRequest(target, body, agent));
      }
    }),
  );
  return out;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  p999: number;
  n: number;
}

export function summarize(samples: number[]): LatencySummary {
  const s = sortNum(samples);
  return { p50: percentile(s, 50), p99: percentile(s, 99), p999: percentile(s, 99.9), n: s.length };
}

/** Interleaved rounds so drift on a shared machine hits every target alike. */
export async function interleaved(targets: Target[], rounds: number, perRound: number, concurrency: number): Promise<Map<string, number[]>> {
  const all = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const t of targets) all.get(t.name)!.push(...(await latencies(t, perRound, concurrency)));
  }
  return all;
}

export interface Throughput {
  rps: number;
  p99: number;
  errors: number;
}

export async function throughput(target: Target, connections: number, seconds: number, overallRate?: number): Promise<Throughput> {
  const result = await autocannon({
    url: target.url,
    method: "POST",
    headers: { "content-type": "application/json", ...target.headers },
    body: chatBody(target),
    connections,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
  });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts };
}

/** The highest request rate (of a rising ladder) that keeps p99 under `limitMs`. */
export async function maxRateUnder(target: Target, limitMs: number, seconds: number, ladder: number[]): Promise<number> {
  let best = 0;
  for (const rate of ladder) {
    const t = await throughput(target, 64, seconds, rate);
    if (t.p99 >= limitMs || t.errors > 0 || t.rps < rate * 0.9) break;
    best = rate;
  }
  return best;
}

export interface StreamTiming {
  ttft: number;
  gaps: number[];
  frames: number;
  done: boolean;
}

/** One streamed request: time to first content frame, gaps between content frames, frame count. */
export function timedStream(target: Target, body: string, agent: http.Agent, expectFrames: number): Promise<StreamTiming> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let last = 0;
    let ttft = -1;
    let frames = 0;
    let done = false;
    let buffer = "";
    const gaps: number[] = [];
    const req = http.request(target.url, { method: "POST", agent, headers: { "content-type": "application/json", ...target.headers } }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (text: string) => {
        const now = Number(process.hrtime.bigint() - start) / 1e6;
        buffer += text;
        let cut = buffer.indexOf("\n\n");
        while (cut !== -1) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          cut = buffer.indexOf("\n\n");
          if (event.includes("[DONE]")) done = true;
          else if (event.includes('"content":"') && !event.includes('"content":""')) {
            frames++;
            if (ttft < 0) ttft = now;
            else gaps.push(now - last);
            last = now;
          }
        }
      });
      res.on("end", () => (res.statusCode === 200 ? resolve({ ttft, gaps, frames, done: done && frames === expectFrames }) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

export function rssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}
