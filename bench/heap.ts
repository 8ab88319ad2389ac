/**
 * `npm run bench:heap [-- N]`: what N concurrent streams (default 300) hold in the Worker's
 * JavaScript heap. Two V8 heap snapshots of ai-proxy's isolate under raw workerd, each
 * after a full collection: idle, then with the streams in flight; the difference per
 * stream, by kind of object (ai-proxy's classes and closures by name, the runtime's
 * objects as it names them). The rest of a stream's resident memory is outside this heap:
 * the runtime's own buffers. For finding what a stream holds; not part of the report.
 */
import http from "node:http";
import { chatBody, timedStream } from "./lib/measure";
import { startInspected } from "./lib/inspected";
import { stopAll } from "./lib/targets";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

type Tally = Map<string, { count: number; bytes: number }>;

const streams = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 300);

/** Self size and count per kind of node: objects, closures and native objects by name, the rest by type. */
function tally(snap: Snapshot): { total: number; kinds: Tally } {
  const fields = snap.snapshot.meta.node_fields;
  const [type, name, size] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size")];
  const types = snap.snapshot.meta.node_types[0];
  const kinds: Tally = new Map();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const t = types[snap.nodes[i + type]!]!;
    const kind = t === "object" || t === "closure" || t === "native" ? `${t}: ${snap.strings[snap.nodes[i + name]!] || "(anonymous)"}` : t;
    const bytes = snap.nodes[i + size]!;
    const k = kinds.get(kind) ?? { count: 0, bytes: 0 };
    k.count++;
    k.bytes += bytes;
    kinds.set(kind, k);
    total += bytes;
  }
  return { total, kinds };
}

async function main(): Promise<void> {
  const { proxy, send, onEvent, close } = await startInspected("heap");
  let chunks: string[] = [];
  onEvent((method, params) => {
    if (method === "HeapProfiler.addHeapSnapshotChunk") chunks.push((params as { chunk: string }).chunk);
  });
  // The inspector is served while the isolate has work: a request now and then keeps it answering.
  const keepAwake = setInterval(() => void fetch(`${proxy.url}/ping`).catch(() => undefined), 50);
  const snapshot = async () => {
    await send("HeapProfiler.collectGarbage");
    await send("HeapProfiler.takeHeapSnapshot");
    const snap = JSON.parse(chunks.join("")) as Snapshot;
    chunks = [];
    return tally(snap);
  };
  await send("HeapProfiler.enable");
  const idle = await snapshot();
  const agent = new http.Agent({ keepAlive: false, maxSockets: streams });
  // 200 events 50 ms apart: ten seconds, long enough to be in flight at the second snapshot.
  const body = chatBody(proxy, { stream: true, directive: { reply_words: 200, chunk_delay_ms: 50 } });
  const running = Promise.all(Array.from({ length: streams }, () => timedStream(proxy, body, agent, 10).catch(() => undefined)));
  await new Promise((r) => setTimeout(r, 4000));
  const busy = await snapshot();
  await running;
  clearInterval(keepAwake);
  close();
  const kb = (n: number) => (n / 1024).toFixed(1);
  process.stdout.write(`JavaScript heap: ${kb(idle.total)} KB idle, ${kb(busy.total)} KB with ${streams} streams: ${kb((busy.total - idle.total) / streams)} KB per stream\n`);
  const rows = [...busy.kinds].map(([kind, b]) => ({ kind, count: b.count - (idle.kinds.get(kind)?.count ?? 0), bytes: b.bytes - (idle.kinds.get(kind)?.bytes ?? 0) }));
  for (const r of rows.sort((a, b) => b.bytes - a.bytes).slice(0, 30)) {
    process.stdout.write(`${(r.bytes / streams).toFixed(0).padStart(7)} B ${(r.count / streams).toFixed(1).padStart(6)} ×  ${r.kind}\n`);
  }
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench:heap failed: ${String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
