/**
 * Starts and stops everything the benchmark measures, each as its own process on
 * loopback: the upstream simulator, the floor Worker and ai-proxy under raw `workerd
 * serve`, ai-proxy under `wrangler dev`, and the peer gateway. Every process started here
 * is tracked and killed by stopAll(), whatever happens.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { workerdConfig } from "./workerd-config";

export const root = resolve(import.meta.dirname, "../..");
const bin = (name: string) => join(root, "node_modules/.bin", name);
export const BENCH_KEY = "bench-key";
const COMPAT_DATE = "2026-11-01";

export interface Target {
  name: string;
  /** Full URL of the chat completions endpoint. */
  url: string;
  headers: Record<string, string>;
  /** The `model` the target should be asked for. */
  model: string;
  pid?: number;
}

const children = new Set<ChildProcess>();

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as import("node:net").AddressInfo;
      s.close(() => ok(port));
    });
  });
}

function start(cmd: string, args: string[], env: Record<string, string> = {}, cwd = root): ChildProcess {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  Object.defineProperty(child, "log", { get: () => log });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

const logOf = (c: ChildProcess) => (c as ChildProcess & { log: string }).log;

async function waitFor(url: string, child: ChildProcess, timeoutMs = 60_000, init?: RequestInit): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited early:\n${logOf(child)}`);
    if (await fetch(url, init).then((r) => r.status < 500, () => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not come up:\n${logOf(child)}`);
}

export async function stopAll(): Promise<void> {
  await Promise.all(
    [...children].map(
      (c) =>
        new Promise<void>((done) => {
          if (c.exitCode !== null) return done();
          const timer = setTimeout(() => c.kill("SIGKILL"), 3000);
          c.once("exit", () => {
            clearTimeout(timer);
            done();
          });
          c.kill("SIGTERM");
        }),
    ),
  );
}

export async function startSimulator(): Promise<{ url: string; pid: number }> {
  const port = await freePort();
  const child = start(bin("tsx"), ["test/simulator/main.ts", "--port", String(port)]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/__stats?model=x`, child);
  return { url, pid: child.pid! };
}

export function directTarget(sim: string): Target {
  return { name: "direct", url: `${sim}/openai/v1/chat/completions`, headers: {}, model: "sim/bench" };
}

/** The deployable bundle, exactly as `wrangler deploy` would upload it, built for a config. */
export function buildProxy(modelsFile: string, outDir: string, opts: { minify?: boolean } = {}): { file: string; gzipBytes: number; bytes: number } {
  rmSync(outDir, { recursive: true, force: true });
  const r = spawnSync(bin("wrangler"), ["deploy", "--dry-run", "--outdir", outDir, ...(opts.minify === false ? ["--no-minify"] : [])], {
    cwd: root,
    env: { ...process.env, MODELS_FILE: modelsFile, WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  const file = join(outDir, "index.js");
  const gz = spawnSync("gzip", ["-c", file]);
  return { file, gzipBytes: gz.stdout.length, bytes: spawnSync("cat", [file]).stdout.length };
}

/** workerd resolves `embed` relative to the config file: give each config its own copy. */
function placeModule(source: string, dir: string, name: string): string {
  const file = `${name}.js`;
  copyFileSync(source, join(dir, file));
  return file;
}

async function startWorkerd(name: string, dir: string, config: string, port: number): Promise<{ pid: number; url: string }> {
  const file = join(dir, `${name}.capnp`);
  writeFileSync(file, config);
  const inspector = process.env.WORKERD_INSPECTOR;
  const child = start(bin("workerd"), ["serve", file, "--experimental", ...(inspector ? [`--inspector-addr=127.0.0.1:${inspector}`] : [])], {}, dir);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/ping`, child);
  return { pid: child.pid!, url };
}

/** The floor (`bench/floor/worker.js`), or with `pump` the floor with what passes through read in JavaScript (`pump.js`). */
export async function startFloor(sim: string, dir: string, kind: "floor" | "pump" = "floor"): Promise<Target> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const source = join(root, kind === "floor" ? "bench/floor/worker.js" : "bench/floor/pump.js");
  const config = workerdConfig({ port, moduleFile: placeModule(source, dir, kind), compatibilityDate: COMPAT_DATE, bindings: { UPSTREAM: sim } });
  const { pid, url } = await startWorkerd(kind, dir, config, port);
  return { name: kind, url: `${url}/openai/v1/chat/completions`, headers: {}, model: "sim/bench", pid };
}

export async function startProxyWorkerd(name: string, bundle: string, sim: string, dir: string): Promise<Target> {
  const port = await freePort();
  const storageDir = join(dir, `${name}-do`);
  rmSync(storageDir, { recursive: true, force: true });
  mkdirSync(storageDir, { recursive: true });
  const config = workerdConfig({
    port,
    moduleFile: placeModule(bundle, dir, name.replace(/\W+/g, "-")),
    compatibilityDate: COMPAT_DATE,
    bindings: { UPSTREAM: sim, PROXY_API_KEYS: BENCH_KEY, RETRY_MAX_ATTEMPTS: "3", BENCH_UPSTREAM_KEY: "bench-upstream-key" },
    durableObjects: { classes: { LIMITER: "ProviderLimiter" }, storageDir },
  });
  const { pid, url } = await startWorkerd(name, dir, config, port);
  return { name, url: `${url}/v1/chat/completions`, headers: { authorization: `Bearer ${BENCH_KEY}` }, model: "bench", pid };
}

export async function startWranglerDev(sim: string): Promise<Target> {
  const port = await freePort();
  const inspector = await freePort();
  const child = start(
    bin("wrangler"),
    ["dev", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspector), "--var", `UPSTREAM:${sim}`, "--var", `PROXY_API_KEYS:${BENCH_KEY}`, "--show-interactive-dev-session=false"],
    { MODELS_FILE: "bench/models.bench.yaml", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/ping`, child, 90_000);
  return { name: "ai-proxy (wrangler dev)", url: `${url}/v1/chat/completions`, headers: { authorization: `Bearer ${BENCH_KEY}` }, model: "bench", pid: child.pid };
}

/** The peer gateway, installed into bench/peer on first use; undefined (with the reason) if it cannot be. */
export async function startPeer(sim: string): Promise<{ target?: Target; reason?: string; version?: string }> {
  const dir = join(root, "bench/peer");
  const entry = join(dir, "node_modules/@portkey-ai/gateway/build/start-server.js");
  if (!existsSync(entry)) {
    const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, encoding: "utf8", env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` } });
    if (r.status !== 0 || !existsSync(entry)) return { reason: `could not install @portkey-ai/gateway: ${(r.stderr || r.stdout).trim().split("\n").at(-1)}` };
  }
  const port = await freePort();
  const child = start(join(root, "node_modules/.bin/node"), [entry, `--port=${port}`, "--headless"], {}, dir);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/`, child, 30_000);
  } catch (err) {
    return { reason: `peer gateway did not start: ${String(err).slice(0, 300)}` };
  }
  return {
    target: {
      name: "peer (Portkey gateway)",
      url: `${url}/v1/chat/completions`,
      headers: { "x-portkey-provider": "openai", "x-portkey-custom-host": `${sim}/openai/v1`, authorization: "Bearer bench" },
      model: "sim/bench",
      pid: child.pid,
    },
    version: "1.15.2",
  };
}
