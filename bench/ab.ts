/**
 * `npm run bench:ab -- --build DIR`: builds the working tree's bundle, with the benchmark's
 * config, into DIR. `npm run bench:ab -- A B [--case NAME] [--blocks N]`: the CPU per
 * request of two bundles (each a bundle file, or `pump` for the benchmark's pump) on one
 * path of the CPU table ("non-stream chat" unless told), served side by side and measured
 * in alternating blocks, so a drift of the shared machine hits both alike; prints each
 * block and the medians. For deciding whether a change, or a part cut out for the
 * experiment, moves the CPU per request by more than the noise.
 */
import { join } from "node:path";
import { cpuCases, measureCpu } from "./lib/cpu";
import { buildProxy, root, startFloor, startProxyWorkerd, startSimulator, stopAll, type Target } from "./lib/targets";

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
};
const log = (s: string) => process.stdout.write(`${s}\n`);

async function compare(a: string, b: string, caseName: string, blocks: number): Promise<void> {
  const dir = join(root, "bench/.build/ab");
  const sim = await startSimulator();
  const start = (file: string, name: string): Promise<Target> => (file === "pump" ? startFloor(sim.url, dir, "pump") : startProxyWorkerd(name, file, sim.url, dir));
  const targets = [await start(a, "A"), await start(b, "B")] as const;
  const results: [number[], number[]] = [[], []];
  for (let block = 0; block < blocks; block++) {
    // Which goes first alternates too.
    for (const i of block % 2 ? [1, 0] : [0, 1]) {
      const t = targets[i]!;
      const c = cpuCases(t, false).find((x) => x.name === caseName);
      if (!c) throw new Error(`no path named '${caseName}'`);
      results[i]!.push((await measureCpu(t.pid!, { ...c, count: Math.min(c.count, 1000) })).perRequestUs);
    }
    log(`block ${block + 1}: A ${Math.round(results[0].at(-1)!)} µs, B ${Math.round(results[1].at(-1)!)} µs`);
  }
  const median = (x: number[]) => {
    const s = [...x].sort((p, q) => p - q);
    const mid = s.length >> 1;
    return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  };
  const [ma, mb] = results.map(median) as [number, number];
  log(`median: A ${Math.round(ma)} µs, B ${Math.round(mb)} µs; B/A ${(mb / ma).toFixed(3)}; B below A in ${results[1].filter((v, i) => v < results[0][i]!).length} of ${blocks} blocks`);
}

async function main(): Promise<void> {
  const out = option("--build");
  if (out) {
    const built = buildProxy("bench/models.bench.yaml", out);
    log(`${built.file}: ${(built.gzipBytes / 1024).toFixed(1)} KB gzipped`);
    return;
  }
  const caseName = option("--case") ?? "non-stream chat";
  const blocks = Number(option("--blocks") ?? 8);
  const [a, b] = args;
  if (!a || !b) throw new Error("usage: bench:ab -- A B [--case NAME] [--blocks N], or bench:ab -- --build DIR");
  await compare(a, b, caseName, blocks);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench:ab failed: ${String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
