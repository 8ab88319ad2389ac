/**
 * `npm run bench:cpu [-- --quick]`: only the CPU table of `npm run bench` (the floor and
 * ai-proxy on each path, per request), for iterating on per-request and per-event work.
 */
import { join } from "node:path";
import { type CpuResult, cpuCases, measureCpu } from "./lib/cpu";
import { buildProxy, root, startFloor, startProxyWorkerd, startSimulator, stopAll } from "./lib/targets";

const quick = process.argv.includes("--quick");

async function main(): Promise<void> {
  const build = join(root, "bench/.build");
  const bundle = buildProxy("bench/models.bench.yaml", join(build, "limits"));
  const sim = await startSimulator();
  const floor = await startFloor(sim.url, build);
  const proxy = await startProxyWorkerd("ai-proxy", bundle.file, sim.url, build);
  const floorCases = new Map<string, CpuResult>();
  for (const c of cpuCases(floor, quick)) floorCases.set(c.name, await measureCpu(floor.pid!, c));
  process.stdout.write("| path | floor µs | ai-proxy µs | ratio |\n|---|---|---|---|\n");
  for (const c of cpuCases(proxy, quick)) {
    const r = await measureCpu(proxy.pid!, c);
    const f = floorCases.get(c.name) ?? floorCases.get("1,000-event stream, pass-through");
    process.stdout.write(`| ${r.name} | ${f ? Math.round(f.perRequestUs) : "–"} | ${Math.round(r.perRequestUs)} | ${f ? (r.perRequestUs / f.perRequestUs).toFixed(2) : "–"}× |\n`);
  }
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench:cpu failed: ${String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
