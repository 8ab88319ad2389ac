/**
 * `npm run bench [-- --quick]`: what ai-proxy adds, measured side by side in one run
 * against the same upstream simulator: the direct call, a bare pass-through Worker (the
 * floor; for throughput, CPU and memory also the pump, the floor with what passes through
 * read in JavaScript), ai-proxy's real bundle under raw workerd (with and without declared
 * limits), ai-proxy under wrangler dev, and a peer gateway. Writes
 * bench/results/latest.{md,json}.
 */
import http from "node:http";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { chatBody, interleaved, maxRateUnder, rssKb, summarize, throughput, timedStream, latencies } from "./lib/measure";
import { cpuCases, measureCpu } from "./lib/cpu";
import { type Report, writeReport } from "./lib/report";
import { buildProxy, directTarget, root, startFloor, startPeer, startProxyWorkerd, startSimulator, startWranglerDev, stopAll, type Target } from "./lib/targets";

const quick = process.argv.includes("--quick");
const P = quick
  ? { warm: 100, rounds: 3, perRound: 100, concRounds: 2, concPer: 200, seconds: 2, ladderSeconds: 1, ladder: [500, 1000, 2000, 3000], streams: 3, ramp: [100, 250], longStreams: 100, devRequests: 100 }
  : { warm: 300, rounds: 10, perRound: 300, concRounds: 5, concPer: 1000, seconds: 5, ladderSeconds: 3, ladder: [250, 500, 1000, 1500, 2000, 3000, 4000, 6000], streams: 10, ramp: [100, 250, 500, 1000], longStreams: 250, devRequests: 300 };
/** The prompt of the long-request memory case: a coding agent's history is tens of KB or more. */
const LONG_PROMPT_CHARS = 100_000;
const WORDS = Array.from({ length: 64 }, (_, i) => `w${i}`).join(" ");
const log = (s: string) => process.stdout.write(`${s}\n`);

async function main(): Promise<void> {
  const build = join(root, "bench/.build");
  log("building bundles…");
  const limited = buildProxy("bench/models.bench.yaml", join(build, "limits"));
  const unlimited = buildProxy("bench/models.nolimits.yaml", join(build, "nolimits"));
  const deployable = buildProxy("models.yaml", join(build, "deploy"));

  const sim = await startSimulator();
  const direct = directTarget(sim.url);
  const floor = await startFloor(sim.url, build);
  const pump = await startFloor(sim.url, build, "pump");
  const proxy = await startProxyWorkerd("ai-proxy", limited.file, sim.url, build);
  const proxyNoLimits = await startProxyWorkerd("ai-proxy (no limits)", unlimited.file, sim.url, build);
  const peerStart = await startPeer(sim.url);
  const peer = peerStart.target;
  log(peer ? "peer gateway running" : `peer gateway unavailable: ${peerStart.reason}`);
  const main: Target[] = [direct, floor, proxy, proxyNoLimits, ...(peer ? [peer] : [])];

  log("warming up…");
  for (const t of main) await latencies(t, P.warm, 4);

  log("latency at concurrency 1…");
  const c1 = await interleaved(main, P.rounds, P.perRound, 1);
  const c10 = await interleaved(main, P.concRounds, P.concPer, 10);
  const c32 = await interleaved(main, P.concRounds, P.concPer, 32);

  log("throughput…");
  const tput: Report["throughput"] = {};
  for (const t of [...main, pump]) {
    tput[t.name] = { c32: await throughput(t, 32, P.seconds), c100: await throughput(t, 100, P.seconds) };
  }
  const maxRate: Record<string, number> = {};
  for (const t of [floor, proxy, ...(peer ? [peer] : [])]) maxRate[t.name] = await maxRateUnder(t, 10, P.ladderSeconds, P.ladder);

  log("CPU per request…");
  const floorCpu = new Map<string, number>();
  for (const c of cpuCases(floor, quick)) floorCpu.set(c.name, (await measureCpu(floor.pid!, c)).perRequestUs);
  const pumpCpu = new Map<string, number>();
  for (const c of cpuCases(pump, quick)) pumpCpu.set(c.name, (await measureCpu(pump.pid!, c)).perRequestUs);
  const cpu: Report["cpu"] = [];
  for (const c of cpuCases(proxy, quick)) {
    const [floorUs, pumpUs] = [floorCpu, pumpCpu].map((m) => m.get(c.name) ?? m.get("1,000-event stream, pass-through") ?? Number.NaN) as [number, number];
    cpu.push({ path: c.name, floorUs, pumpUs, proxyUs: (await measureCpu(proxy.pid!, c)).perRequestUs });
  }

  log("streaming…");
  const streamBody = (t: Target) => chatBody(t, { stream: true, directive: { reply: WORDS, chunk_delay_ms: 20 } });
  const streaming: Report["streaming"] = {};
  for (const t of main) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ttft: number[] = [];
    const gaps: number[] = [];
    let complete = 0;
    for (let i = 0; i < P.streams; i++) {
      const s = await timedStream(t, streamBody(t), agent, 64);
      ttft.push(s.ttft);
      gaps.push(...s.gaps);
      if (s.done) complete++;
    }
    streaming[t.name] = { ttft: summarize(ttft), gap: summarize(gaps), complete, of: P.streams };
  }

  log("concurrent streams and memory…");
  /** n concurrent streams through a target: how many arrived whole, and the peak memory per stream. */
  const concurrentStreams = async (t: Target, n: number, body = streamBody) => {
    const idle = rssKb(t.pid!);
    const agent = new http.Agent({ keepAlive: false, maxSockets: n });
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKb(t.pid!))), 100);
    const results = await Promise.all(Array.from({ length: n }, () => timedStream(t, body(t), agent, 64).catch(() => undefined)));
    clearInterval(sampler);
    return { lossless: results.filter((r) => r?.done).length, idleKb: idle, perStreamKb: (peak - idle) / n };
  };
  const ramp: Report["ramp"] = [];
  let memory: Report["memory"] = { idleKb: Number.NaN, perStreamKb: Number.NaN, floorPerStreamKb: Number.NaN };
  for (const n of P.ramp) {
    const r = await concurrentStreams(proxy, n);
    ramp.push({ streams: n, lossless: r.lossless });
    if (n === P.ramp.at(-1)) {
      // The floor's own cost per stream is what workerd itself spends; ai-proxy's is on top.
      const f = await concurrentStreams(floor, n);
      const p = await concurrentStreams(pump, n);
      memory = { idleKb: r.idleKb, perStreamKb: r.perStreamKb, floorPerStreamKb: f.perStreamKb, pumpPerStreamKb: p.perStreamKb };
    }
  }
  // A coding agent's request carries its whole history: what a stream holds of a long one.
  const history = `${"earlier turn of the conversation ".repeat(Math.ceil(LONG_PROMPT_CHARS / 33))}`.slice(0, LONG_PROMPT_CHARS);
  const longBody = (t: Target) => chatBody(t, { stream: true, history, directive: { reply: WORDS, chunk_delay_ms: 20 } });
  const longRun = await concurrentStreams(proxy, P.longStreams, longBody);
  const longFloor = await concurrentStreams(floor, P.longStreams, longBody);
  const longPump = await concurrentStreams(pump, P.longStreams, longBody);
  const longPrompt = { streams: P.longStreams, promptKb: LONG_PROMPT_CHARS / 1000, lossless: longRun.lossless, perStreamKb: longRun.perStreamKb, floorPerStreamKb: longFloor.perStreamKb, pumpPerStreamKb: longPump.perStreamKb };

  log("wrangler dev…");
  let dev: Report["dev"];
  try {
    const devTarget = await startWranglerDev(sim.url);
    const [devLat, directLat] = [await latencies(devTarget, P.devRequests, 1), await latencies(direct, P.devRequests, 1)];
    dev = { latency: summarize(devLat), direct: summarize(directLat), c32: await throughput(devTarget, 32, P.seconds) };
  } catch (err) {
    dev = { error: String(err).slice(0, 300) };
  }

  const report: Report = {
    when: new Date().toISOString(),
    quick,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown", memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    versions: { peer: peerStart.version ?? null, peerReason: peerStart.reason ?? null },
    latency: {
      c1: Object.fromEntries([...c1].map(([k, v]) => [k, summarize(v)])),
      c10: Object.fromEntries([...c10].map(([k, v]) => [k, summarize(v)])),
      c32: Object.fromEntries([...c32].map(([k, v]) => [k, summarize(v)])),
    },
    throughput: tput,
    cpu,
    maxRateP99Under10ms: maxRate,
    streaming,
    ramp,
    memory,
    longPrompt,
    bundle: { gzipBytes: deployable.gzipBytes, bytes: deployable.bytes },
    dev,
    names: { direct: direct.name, floor: floor.name, pump: pump.name, proxy: proxy.name, proxyNoLimits: proxyNoLimits.name, peer: peer?.name ?? null },
  };
  const { markdown } = writeReport(report, join(root, "bench/results"));
  log(markdown);
}

const deadline = setTimeout(() => {
  log("benchmark exceeded its time limit; stopping");
  void stopAll().then(() => process.exit(2));
}, quick ? 120_000 : 1_200_000);

main()
  .catch((err: unknown) => {
    process.stderr.write(`benchmark failed: ${String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    clearTimeout(deadline);
    await stopAll();
  });
