/**
 * `npm run bench:hostile`: the hostile-upstream memory cases, by hand, under `wrangler
 * dev` (test/models.test.yaml, against the simulator), watching the workerd process's
 * resident memory. Each case gets a fresh `wrangler dev`, so memory one case leaves
 * behind does not count against the next; it reports workerd's VmRSS when idle, the peak
 * sampled while the case ran (every 20 ms) and VmHWM after it, with five other clients
 * served at the same time. The automated versions of these cases are test/workers/hostile-memory.test.ts;
 * this adds the figure a test should not assert: how much memory each one costs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { E2E_KEY, startProxy } from "../test/e2e/wrangler-dev";

const MB = 1024 ** 2;
const GB = 1024 ** 3;
const sim = (d: Record<string, unknown>) => `<<sim ${JSON.stringify(d)}>>`;

function status(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? Number.NaN);
  return { rss: kb("VmRSS") * 1024, hwm: kb("VmHWM") * 1024 };
}

/**
 * The workerd processes among `root`'s descendants. `wrangler dev` runs two: a small one
 * in front, and the runtime that runs the Worker; both are watched, and the larger is the
 * one reported.
 */
function findWorkerds(root: number): number[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
      parents.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const isBelow = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true;
    return false;
  };
  const found = [...names].filter(([pid, name]) => name.startsWith("workerd") && isBelow(pid)).map(([pid]) => pid);
  if (found.length === 0) throw new Error("no workerd process below wrangler");
  return found;
}

type Post = (model: string, directive: Record<string, unknown>, extra?: Record<string, unknown>, headers?: Record<string, string>) => Promise<Response>;
interface Case {
  name: string;
  run: (post: Post, simUrl: string) => Promise<string>;
}

const outcome = async (res: Response) => {
  const text = await res.text();
  const code = /"code":"([a-z_]+)"/.exec(text)?.[1];
  return `${res.status}${code ? ` ${code}` : ""}${text.includes("[DONE]") ? " [DONE]" : ""}`;
};

function cases(): Case[] {
  const adapters = [
    { model: "hx-openai", upstream: "sim/hx-openai", preamble: 1 },
    { model: "hx-gemini", upstream: "gemini-hx", preamble: 0 },
    { model: "hx-claude", upstream: "claude-hx", preamble: 3 },
  ];
  const list: Case[] = [];
  for (const a of adapters) {
    // Before content: the fallback (not hostile) answers, invisibly.
    list.push({
      name: `512 MB SSE line without a newline, ${a.model}`,
      run: async (post) => outcome(await post(a.model, { sse_line_bytes: 512 * MB, line_after: a.preamble, only: [a.upstream] }, { stream: true })),
    });
  }
  for (const a of adapters) list.push({ name: `1 GB non-stream body, ${a.model}`, run: async (post) => outcome(await post(a.model, { body_bytes: GB })) });
  for (const a of adapters) list.push({ name: `gzip bomb (1 GB inflated), ${a.model}`, run: async (post) => outcome(await post(a.model, { body_bytes: GB, gzip: true })) });
  for (const a of adapters) list.push({ name: `1 GB error body, ${a.model}`, run: async (post) => outcome(await post(a.model, { status: 503, body_bytes: GB })) });
  for (const a of adapters) {
    list.push({
      name: `512 MB line after content, ${a.model}`,
      run: async (post) => outcome(await post(a.model, { reply: "one two three four", sse_line_bytes: 512 * MB, line_after: a.preamble + 2 }, { stream: true })),
    });
  }
  list.push({ name: "15 MB body of tiny JSON objects (under the cap), hx-openai", run: async (post) => outcome(await post("hx-openai", { body_bytes: 15 * MB, many_objects: true })) });
  for (const cached of [true, false]) {
    list.push({
      name: `5 ${cached ? "cache " : "plain (no cache) "}clients that never read (endless streams, held 5 s)`,
      run: (post, simUrl) => neverReading(post, simUrl, cached ? { "x-proxy-cache-ttl": "60" } : {}),
    });
  }
  return list;
}

/** Five endless streams whose clients never read, held for 5 s, then cancelled. */
async function neverReading(post: Post, simUrl: string, headers: Record<string, string>): Promise<string> {
  const tag = `mem-${Date.now()}`;
  const open = await Promise.all(
    Array.from({ length: 5 }, (_, i) => post("sim-small", { tag, reply: `endless ${i} word`, endless_from: 1 }, { stream: true }, headers)),
  );
  await new Promise((r) => setTimeout(r, 5000));
  const seen = (await (await fetch(`${simUrl}/__requests?tag=${tag}`)).json()) as Array<{ sent: number; blocked: boolean }>;
  for (const res of open) await res.body?.cancel();
  return `${open.map((r) => r.status).join(",")}; upstream sent ${seen.map((x) => `${(x.sent / MB).toFixed(1)} MB${x.blocked ? " (held)" : ""}`).join(", ")}`;
}

/** Five other clients, plain and streamed: whether each got exactly its answer. */
function bystanders(post: Post): Promise<boolean[]> {
  return Promise.all(
    Array.from({ length: 5 }, async (_, i) => {
      const stream = i % 2 === 1;
      const res = await post("sim-small", { reply: `bystander ${i}` }, stream ? { stream: true } : {});
      const text = await res.text();
      const content = stream
        ? [...text.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join("")
        : (JSON.parse(text) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content;
      return res.status === 200 && content === `bystander ${i}`;
    }),
  );
}

/** One case in a fresh `wrangler dev`: its table row. */
async function measure(c: Case): Promise<string> {
  const proxy = await startProxy();
  try {
    // Let wrangler settle, then watch the largest workerd: the Worker's runtime.
    await new Promise((r) => setTimeout(r, 2000));
    const workerd = findWorkerds(proxy.pid!).sort((a, b) => status(b).rss - status(a).rss)[0]!;
    const post: Post = (model, directive, extra = {}, headers = {}) =>
      fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${E2E_KEY}`, "content-type": "application/json", ...headers },
        body: JSON.stringify({ model, messages: [{ role: "user", content: sim(directive) }], ...extra }),
      });
    const others = () => bystanders(post);
    // Warm up the route the others use, so their first-request cost is not the case's.
    await others();
    const idle = status(workerd);
    let peak = idle.rss;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, status(workerd).rss);
      } catch {
        peak = Number.NaN;
      }
    }, 20);
    const [result, served] = await Promise.all([c.run(post, proxy.sim.url).catch((e: unknown) => `failed: ${String(e)}`), others()]);
    clearInterval(sampler);
    const alive = await fetch(`${proxy.url}/ping`).then((r) => r.ok, () => false);
    const after = status(workerd);
    const mb = (n: number) => `${(n / MB).toFixed(0)} MB`;
    return `| ${c.name} | ${result} | ${served.filter(Boolean).length}/5 | ${alive ? "yes" : "NO"} | ${mb(idle.rss)} | ${mb(peak)} | ${mb(after.hwm)} |`;
  } finally {
    await proxy.stop();
  }
}

async function main() {
  const only = process.argv[2];
  const rows: string[] = [];
  for (const c of cases().filter((x) => !only || x.name.includes(only))) {
    const row = await measure(c);
    rows.push(row);
    process.stdout.write(`${row}\n`);
  }
  process.stdout.write(`\n| case | answer | others served | alive | idle VmRSS | peak VmRSS | VmHWM after |\n|---|---|---|---|---|---|---|\n${rows.join("\n")}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
