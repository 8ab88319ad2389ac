/**
 * Turns one benchmark run into bench/results/latest.json and latest.md: absolute figures
 * beside the ratios that survive a change of machine (ai-proxy / floor, ai-proxy / peer),
 * and each target of the benchmark issue marked met or missed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LatencySummary, Throughput } from "./measure";

export interface Report {
  when: string;
  quick: boolean;
  machine: { cpus: number; cpu: string; memGiB: number; node: string };
  versions: { peer: string | null; peerReason: string | null };
  latency: Record<"c1" | "c10" | "c32", Record<string, LatencySummary>>;
  throughput: Record<string, { c32: Throughput; c100: Throughput }>;
  /**
   * CPU per request in µs (bench/lib/cpu.ts): ai-proxy on each path, and the floor's and the
   * pump's pass-through of the same upstream (the pump: the least a Worker that reads what
   * it forwards costs; absent in reports from before it).
   */
  cpu: Array<{ path: string; floorUs: number; pumpUs?: number; proxyUs: number }>;
  maxRateP99Under10ms: Record<string, number>;
  streaming: Record<string, { ttft: LatencySummary; gap: LatencySummary; complete: number; of: number }>;
  ramp: Array<{ streams: number; lossless: number }>;
  /** The pump's figures are absent in reports from before it. */
  memory: { idleKb: number; perStreamKb: number; floorPerStreamKb: number; pumpPerStreamKb?: number };
  /** The same streams with a long prompt (a coding agent's history): what each holds of its request. */
  longPrompt?: { streams: number; promptKb: number; lossless: number; perStreamKb: number; floorPerStreamKb: number; pumpPerStreamKb?: number };
  bundle: { gzipBytes: number; bytes: number };
  dev: { latency: LatencySummary; direct: LatencySummary; c32: Throughput } | { error: string } | undefined;
  names: { direct: string; floor: string; pump?: string; proxy: string; proxyNoLimits: string; peer: string | null };
}

const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(3)} ms` : "n/a");
const num = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "n/a");
/** A ratio to the floor, with the pump's own beside it when the report has one. */
const againstFloor = (value: number, floorValue: number, pumpValue: number | undefined) =>
  `${ratio(value, floorValue)}${pumpValue === undefined ? "" : ` (the pump: ${ratio(pumpValue, floorValue)})`}`;

export function writeReport(r: Report, dir: string): { markdown: string } {
  const { direct, floor, pump, proxy, proxyNoLimits, peer } = r.names;
  const added = (level: "c1" | "c10" | "c32", name: string, p: "p50" | "p99" | "p999") => (r.latency[level][name]?.[p] ?? Number.NaN) - (r.latency[level][direct]?.[p] ?? Number.NaN);
  const targets = [floor, proxy, proxyNoLimits, ...(peer ? [peer] : [])];
  const lines: string[] = [];
  lines.push(`# ai-proxy benchmark${r.quick ? " (quick)" : ""}`, "");
  lines.push(`${r.when} · ${r.machine.cpus} × ${r.machine.cpu} · ${r.machine.memGiB} GiB · Node ${r.machine.node}${peer ? ` · peer: Portkey gateway ${r.versions.peer}` : ` · peer unavailable: ${r.versions.peerReason}`}`, "");

  lines.push("## Added latency over the direct call", "", "| target | c1 p50 | c1 p99 | c1 p99.9 | c10 p50 | c10 p99 | c32 p50 | c32 p99 |", "|---|---|---|---|---|---|---|---|");
  for (const t of targets) {
    lines.push(`| ${t} | ${ms(added("c1", t, "p50"))} | ${ms(added("c1", t, "p99"))} | ${ms(added("c1", t, "p999"))} | ${ms(added("c10", t, "p50"))} | ${ms(added("c10", t, "p99"))} | ${ms(added("c32", t, "p50"))} | ${ms(added("c32", t, "p99"))} |`);
  }
  lines.push("", `Direct call itself: c1 p50 ${ms(r.latency.c1[direct]?.p50 ?? Number.NaN)}.`, "");

  lines.push("## Throughput (requests/s)", "", "| target | c32 | c100 | max rate with p99 < 10 ms |", "|---|---|---|---|");
  for (const t of [direct, ...targets, ...(pump ? [pump] : [])]) {
    const tp = r.throughput[t];
    lines.push(`| ${t} | ${num(tp?.c32.rps ?? Number.NaN)} | ${num(tp?.c100.rps ?? Number.NaN)} | ${r.maxRateP99Under10ms[t] !== undefined ? num(r.maxRateP99Under10ms[t]!) : "–"} |`);
  }

  lines.push("", "## CPU per request (workerd process, idle subtracted)", "", "| path | floor | pump | ai-proxy | ratio to the floor | to the pump |", "|---|---|---|---|---|---|");
  for (const c of r.cpu) {
    const pump = c.pumpUs === undefined ? ["–", "–"] : [`${num(c.pumpUs)} µs`, ratio(c.proxyUs, c.pumpUs)];
    lines.push(`| ${c.path} | ${num(c.floorUs)} µs | ${pump[0]} | ${num(c.proxyUs)} µs | ${ratio(c.proxyUs, c.floorUs)} | ${pump[1]} |`);
  }
  if (r.cpu.some((c) => c.pumpUs !== undefined)) {
    lines.push("", "The pump is the floor with what passes through read in JavaScript and nothing else done with it: the request parsed and serialised, a JSON answer parsed, a stream's chunks read and enqueued one by one. Any Worker that looks at what it forwards pays that; ai-proxy's own work is what it costs above the pump.");
  }
  const plain = r.cpu.find((c) => c.path === "non-stream chat");
  const streams = r.cpu.filter((c) => c.path.startsWith("1,000-event"));
  const perEvent = Math.max(...streams.map((c) => (c.proxyUs - (plain?.proxyUs ?? 0)) / 1000));
  const freePlanEvents = Math.floor((10_000 - (plain?.proxyUs ?? 0)) / perEvent);
  lines.push("", `On the Workers Free plan's 10 ms of CPU per request: a non-stream request takes ${num(plain?.proxyUs ?? Number.NaN)} µs; a stream about ${perEvent.toFixed(0)} µs per event on its most costly path, so about ${num(freePlanEvents)} events fit.`);

  lines.push("", "## Streaming (64 chunks, 20 ms apart)", "", "| target | added TTFT p50 | gap p50 | gap p99 | added gap p99 | complete |", "|---|---|---|---|---|---|");
  const s = r.streaming;
  for (const t of targets) {
    const x = s[t];
    if (!x) continue;
    lines.push(`| ${t} | ${ms(x.ttft.p50 - (s[direct]?.ttft.p50 ?? Number.NaN))} | ${ms(x.gap.p50)} | ${ms(x.gap.p99)} | ${ms(x.gap.p99 - (s[direct]?.gap.p99 ?? Number.NaN))} | ${x.complete}/${x.of} |`);
  }
  lines.push("", `Concurrent streams through ai-proxy with every frame delivered: ${r.ramp.map((x) => `${x.lossless}/${x.streams}`).join(", ")}.`);
  const pumpKb = (kb: number | undefined) => (kb === undefined ? "" : `, the pump: ${kb.toFixed(1)} KB`);
  lines.push(`Memory: ${num(r.memory.idleKb)} KB idle, ${r.memory.perStreamKb.toFixed(1)} KB per concurrent stream (the floor: ${r.memory.floorPerStreamKb.toFixed(1)} KB${pumpKb(r.memory.pumpPerStreamKb)}). Bundle: ${(r.bundle.gzipBytes / 1024).toFixed(1)} KB gzipped (${(r.bundle.bytes / 1024).toFixed(1)} KB raw).`, "");
  if (r.longPrompt) {
    const l = r.longPrompt;
    lines.push(`With a ${num(l.promptKb)} KB prompt, ${l.streams} concurrent streams (${l.lossless} whole): ${l.perStreamKb.toFixed(1)} KB per stream (the floor: ${l.floorPerStreamKb.toFixed(1)} KB${pumpKb(l.pumpPerStreamKb)}).`, "");
  }

  if (r.dev && "latency" in r.dev) {
    lines.push(`ai-proxy under wrangler dev (separately): added c1 p50 ${ms(r.dev.latency.p50 - r.dev.direct.p50)}, c32 ${num(r.dev.c32.rps)} req/s.`, "");
  } else if (r.dev) lines.push(`wrangler dev could not be measured: ${r.dev.error}`, "");

  const tp = (t: string | null, k: "c32" | "c100") => (t ? (r.throughput[t]?.[k].rps ?? Number.NaN) : Number.NaN);
  const addedTtft = (s[proxy]?.ttft.p50 ?? Number.NaN) - (s[direct]?.ttft.p50 ?? Number.NaN);
  const floorTtft = (s[floor]?.ttft.p50 ?? Number.NaN) - (s[direct]?.ttft.p50 ?? Number.NaN);
  const addedGap = (s[proxy]?.gap.p99 ?? Number.NaN) - (s[direct]?.gap.p99 ?? Number.NaN);
  const checks: Array<[string, string, boolean]> = [
    ["added p50 at c1 ≤ 2× the floor's", ratio(added("c1", proxy, "p50"), added("c1", floor, "p50")), added("c1", proxy, "p50") <= 2 * added("c1", floor, "p50")],
    ["throughput ≥ 60% of the floor's (c32, limits declared)", againstFloor(tp(proxy, "c32"), tp(floor, "c32"), pump ? tp(pump, "c32") : undefined), tp(proxy, "c32") >= 0.6 * tp(floor, "c32")],
    ["throughput ≥ 60% of the floor's (c32, no limits)", ratio(tp(proxyNoLimits, "c32"), tp(floor, "c32")), tp(proxyNoLimits, "c32") >= 0.6 * tp(floor, "c32")],
    ["throughput ≥ 3× the peer's (c32)", ratio(tp(proxy, "c32"), tp(peer, "c32")), tp(proxy, "c32") >= 3 * tp(peer, "c32")],
    ["added time to first token ≤ the floor's + 1 ms", `${ms(addedTtft)} (floor ${ms(floorTtft)})`, addedTtft <= floorTtft + 1],
    ["added gap p99 ≤ 0.5 ms", ms(addedGap), addedGap <= 0.5],
    ["memory per concurrent stream ≤ 1.5× the floor's", againstFloor(r.memory.perStreamKb, r.memory.floorPerStreamKb, r.memory.pumpPerStreamKb), r.memory.perStreamKb <= 1.5 * r.memory.floorPerStreamKb],
    [`${r.ramp.at(-1)?.streams ?? 0} concurrent streams, zero lost frames`, `${r.ramp.at(-1)?.lossless ?? 0}`, r.ramp.at(-1)?.lossless === r.ramp.at(-1)?.streams],
    ...(plain ? [["CPU per non-stream request ≤ 1.5× the floor's", againstFloor(plain.proxyUs, plain.floorUs, plain.pumpUs), plain.proxyUs <= 1.5 * plain.floorUs] as [string, string, boolean]] : []),
    ...streams.map((c): [string, string, boolean] => [`CPU per ${c.path} ≤ 2× the floor's pass-through`, againstFloor(c.proxyUs, c.floorUs, c.pumpUs), c.proxyUs <= 2 * c.floorUs]),
    ["bundle ≤ 64 KB gzipped", `${(r.bundle.gzipBytes / 1024).toFixed(1)} KB`, r.bundle.gzipBytes <= 64 * 1024],
  ];
  lines.push("## Targets", "", "| target | measured | met |", "|---|---|---|");
  for (const [name, value, met] of checks) lines.push(`| ${name} | ${value} | ${met ? "yes" : "**no**"} |`);
  const markdown = `${lines.join("\n")}\n`;
  mkdirSync(dir, { recursive: true });
  const stem = r.quick ? "quick" : "latest";
  writeFileSync(join(dir, `${stem}.md`), markdown);
  writeFileSync(join(dir, `${stem}.json`), `${JSON.stringify(r, null, 2)}\n`);
  return { markdown };
}
