/**
 * `npm run bench:profile [-- --stream [--model bench-gemini]]`: a V8 CPU profile of
 * ai-proxy's bundle under raw workerd while autocannon drives it (non-stream chat, or
 * 1,000-event streams), summarised as self time per function and inclusive time per
 * function of the bundle (callees included). For finding where the proxy
 * spends its per-request and per-event time; not part of the benchmark report.
 */
import autocannon from "autocannon";
import { chatBody } from "./lib/measure";
import { startInspected } from "./lib/inspected";
import { stopAll } from "./lib/targets";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

/** Inclusive samples per function: each sample counts once for every function on its stack (recursion once). */
function inclusive(nodes: Node[], keyOf: (n: Node) => string): Map<string, number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  const below = new Map<number, number>();
  const totalOf = (n: Node): number => {
    let t = below.get(n.id);
    if (t === undefined) {
      t = n.hitCount + (n.children ?? []).reduce((sum, c) => sum + totalOf(byId.get(c)!), 0);
      below.set(n.id, t);
    }
    return t;
  };
  const walk = (n: Node, active: Set<string>) => {
    const key = keyOf(n);
    const outer = !active.has(key);
    if (outer) {
      out.set(key, (out.get(key) ?? 0) + totalOf(n));
      active.add(key);
    }
    for (const c of n.children ?? []) walk(byId.get(c)!, active);
    if (outer) active.delete(key);
  };
  if (nodes[0]) walk(nodes[0], new Set());
  return out;
}

const stream = process.argv.includes("--stream");

async function main(): Promise<void> {
  const { proxy, send, close } = await startInspected("profile");
  await autocannon({ url: proxy.url, method: "POST", headers: { "content-type": "application/json", ...proxy.headers }, body: chatBody(proxy), connections: 16, duration: 2 });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  const model = process.argv.includes("--model") ? process.argv[process.argv.indexOf("--model") + 1]! : proxy.model;
  const body = stream ? chatBody({ ...proxy, model }, { stream: true, directive: { reply_words: 1000, chunk_delay_ms: 1 } }) : chatBody({ ...proxy, model });
  const load = await autocannon({ url: proxy.url, method: "POST", headers: { "content-type": "application/json", ...proxy.headers }, body, connections: stream ? 4 : 32, duration: 5 });
  const { profile } = (await send("Profiler.stop")) as { profile: { nodes: Node[] } };
  const self = new Map<string, number>();
  let total = 0;
  const keyOf = (n: Node) => {
    const where = n.callFrame.url ? `${n.callFrame.url.split("/").at(-1)}:${n.callFrame.lineNumber}` : "";
    return `${n.callFrame.functionName || "(anonymous)"} ${where}`.trim();
  };
  for (const n of profile.nodes) {
    self.set(keyOf(n), (self.get(keyOf(n)) ?? 0) + n.hitCount);
    total += n.hitCount;
  }
  const pct = (v: number) => `${((100 * v) / total).toFixed(1).padStart(5)}%`;
  process.stdout.write(`${Math.round(load.requests.average)} req/s while profiling; self time by function:\n`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) process.stdout.write(`${pct(v)}  ${k}\n`);
  // Inclusive time, for ai-proxy's own functions: which step of a request costs what, callees included.
  process.stdout.write("\ninclusive time (callees included) of the bundle's functions:\n");
  const own = [...inclusive(profile.nodes, keyOf)].filter(([k]) => k.includes(".js:"));
  for (const [k, v] of own.sort((a, b) => b[1] - a[1]).slice(0, 40)) process.stdout.write(`${pct(v)}  ${k}\n`);
  close();
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`profile failed: ${String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
