/**
 * CPU time per request, as Workers bill it: the workerd process's time on CPU (every
 * thread's, from /proc/<pid>/task/<tid>/schedstat, in nanoseconds) over a run, minus
 * what it spends idle over the same wall time, divided by the requests served. It
 * includes the runtime's own I/O, so the floor's figure shows what any Worker costs and
 * ai-proxy's the same plus its own work. Linux only.
 */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { Target } from "./targets";

/** Nanoseconds the process has run on a CPU, all threads. */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // A thread that ended between listing and reading.
    }
  }
  return total;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One request to completion; resolves with the number of SSE data events received. */
function request(url: string, headers: Record<string, string>, body: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json", ...headers } }, (res) => {
      let events = 0;
      let tail = "";
      res.setEncoding("utf8");
      res.on("data", (text: string) => {
        const joined = tail + text;
        events += joined.split("\n\n").length - 1;
        tail = joined.slice(joined.lastIndexOf("\n\n") + 2);
      });
      res.on("end", () => (res.statusCode === 200 ? resolve(events) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

export interface CpuCase {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Requests in the run, and at most this many at once. */
  count: number;
  concurrency: number;
  /** Each answer must carry at least this many SSE events (0 for JSON), or the case is void. */
  minEvents: number;
}

export interface CpuResult {
  name: string;
  /** Microseconds of CPU per request, idle subtracted. */
  perRequestUs: number;
  requests: number;
  wallMs: number;
}

/** Idle CPU rate of the process (ns per ms of wall time), over `ms`. */
async function idleRate(pid: number, ms: number): Promise<number> {
  const before = cpuNs(pid);
  const t0 = performance.now();
  await sleep(ms);
  return (cpuNs(pid) - before) / (performance.now() - t0);
}

export async function measureCpu(pid: number, c: CpuCase): Promise<CpuResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: c.concurrency });
  // Warm the path (JIT, pools, leases) before counting.
  await Promise.all(Array.from({ length: Math.min(c.concurrency, c.count) }, () => request(c.url, c.headers, c.body, agent)));
  const idle = await idleRate(pid, 500);
  const before = cpuNs(pid);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: c.concurrency }, async () => {
      while (next < c.count) {
        next++;
        const events = await request(c.url, c.headers, c.body, agent);
        if (events < c.minEvents) throw new Error(`${c.name}: ${events} events, expected at least ${c.minEvents}`);
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const used = cpuNs(pid) - before - idle * wallMs;
  agent.destroy();
  return { name: c.name, perRequestUs: Math.max(0, used) / 1000 / c.count, requests: c.count, wallMs };
}

const WORDS_1000 = { reply_words: 1000, chunk_delay_ms: 1 };

/** The cases of the CPU table: each path through ai-proxy, and the floor's and the pump's pass-through of the same upstream. */
export function cpuCases(t: Target, quick: boolean): CpuCase[] {
  const n = quick ? { plain: 300, streams: 4 } : { plain: 2000, streams: 20 };
  const chat = (model: string, stream: boolean, directive?: object) =>
    JSON.stringify({ model, stream, messages: [{ role: "user", content: directive ? `hi <<sim ${JSON.stringify(directive)}>>` : "hi" }] });
  const base = { url: t.url, headers: t.headers };
  // A coding agent's request: its history is tens of KB or more, mostly text.
  const longPrompt = JSON.stringify({ model: t.model, messages: [{ role: "user", content: `${"lorem ipsum dolor sit amet ".repeat(3704)}hi` }] });
  const cases: CpuCase[] = [
    { name: "non-stream chat", ...base, body: chat(t.model, false), count: n.plain, concurrency: 8, minEvents: 0 },
    { name: "non-stream chat, 100 KB prompt", ...base, body: longPrompt, count: n.plain / 2, concurrency: 8, minEvents: 0 },
    { name: "1,000-event stream, pass-through", ...base, body: chat(t.model, true, WORDS_1000), count: n.streams, concurrency: 4, minEvents: 1000 },
  ];
  if (t.name === "floor" || t.name === "pump") return cases;
  const messagesUrl = t.url.replace(/\/chat\/completions$/, "/messages");
  return [
    ...cases,
    { name: "1,000-event stream from Anthropic", ...base, body: chat("bench-anthropic", true, WORDS_1000), count: n.streams, concurrency: 4, minEvents: 1000 },
    // The simulator splits Gemini's frames across two writes unless told not to: one read per event, as on every other path.
    { name: "1,000-event stream from Gemini", ...base, body: chat("bench-gemini", true, { ...WORDS_1000, whole_writes: true }), count: n.streams, concurrency: 4, minEvents: 1000 },
    {
      name: "1,000-event stream via /v1/messages",
      url: messagesUrl,
      headers: t.headers,
      body: JSON.stringify({ model: t.model, stream: true, max_tokens: 4096, messages: [{ role: "user", content: `hi <<sim ${JSON.stringify(WORDS_1000)}>>` }] }),
      count: n.streams,
      concurrency: 4,
      minEvents: 1000,
    },
    {
      name: "1,000-event stream via /v1/responses",
      url: t.url.replace(/\/chat\/completions$/, "/responses"),
      headers: t.headers,
      body: JSON.stringify({ model: t.model, stream: true, store: false, input: `hi <<sim ${JSON.stringify(WORDS_1000)}>>` }),
      count: n.streams,
      concurrency: 4,
      minEvents: 1000,
    },
  ];
}
