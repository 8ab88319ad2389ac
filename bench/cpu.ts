/**
 * `npm run bench:cpu [-- --quick] [-- --only TEXT]`: only the CPU table of `npm run bench`
 * (the floor, the pump and ai-proxy on each path, per request), for iterating on per-request and
 * per-event work; `--only` keeps the paths whose name contains TEXT.
 */
import { join } from "node:path";
import { type CpuResult, cpuCases, measureCpu } from "./lib/cpu";
import { buildProxy, root, startFloor, startProxyWorkerd, startSimulator, stopAll } from "./lib/targets";

const quick = process.argv.includes("--quick");
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt > 0 ? process.argv[onlyAt + 1] : undefined;
const wanted = (name: string) => only === undefined || name.includes(only);

async function main(): Promise<void> {
  const build = join(root, "bench/.build");
  const bundle = buildProxy("bench/models.bench.yaml", join(build, "limits"));
  const sim = await startSimulator();
  const floor = await startFloor(sim.url, build);
  const pump = await startFloor(sim.url, build, "pump");
  const proxy = await startProxyWorkerd("ai-proxy", bundle.file, sim.url, build);
  const floorCases = new Map<string, CpuResult>();
  const cases = cpuCases(proxy, quick).filter((c) => wanted(c.name));
  // The floor and the pump have no translated paths: theirs are compared with their pass-through stream.
  const streams = cases.some((c) => c.name.startsWith("1,000-event"));
  const pumpCases = new Map<string, CpuResult>();
  const compared = (c: { name: string }) => wanted(c.name) || (streams && c.name.startsWith("1,000-event"));
  for (const [target, results] of [[floor, floorCases], [pump, pumpCases]] as const) {
    for (const c of cpuCases(target, quick).filter(compared)) results.set(c.name, await measureCpu(target.pid!, c));
  }
  const x = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}×` : "–");
  process.stdout.write("| path | floor µs | pump µs | ai-proxy µs | ratio to the floor | to the pump |\n|---|---|---|---|---|---|\n");
  for (const c of cases) {
    const r = await measureCpu(proxy.pid!, c);
    const f = floorCases.get(c.name) ?? floorCases.get("1,000-event stream, pass-through");
    const p = (pumpCases.get(c.name) ?? pumpCases.get("1,000-event stream, pass-through"))?.perRequestUs;
    process.stdout.write(`| ${r.name} | ${f ? Math.round(f.perRequestUs) : "–"} | ${p ? Math.round(p) : "–"} | ${Math.round(r.perRequestUs)} | ${x(r.perRequestUs, f?.perRequestUs)} | ${x(r.perRequestUs, p)} |\n`);
  }
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench:cpu failed: ${String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
