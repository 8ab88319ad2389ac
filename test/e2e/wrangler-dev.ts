/**
 * Runs the real Worker as its own process under `wrangler dev`, configured by
 * test/models.test.yaml and pointed at an upstream simulator, for end-to-end tests that
 * drive it from Node over real HTTP.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { type Simulator, startSimulator } from "../simulator/server";

const root = resolve(import.meta.dirname, "../..");

export const E2E_KEY = "e2e-key";

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as import("node:net").AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

export interface RunningProxy {
  url: string;
  /** The wrangler process; workerd runs below it. */
  pid: number | undefined;
  sim: Simulator;
  output: () => string;
  stop(): Promise<void>;
}

/** `vars` are extra Worker variables, e.g. `{ CORS_ORIGINS: "..." }`; PROXY_API_KEYS there replaces E2E_KEY. */
export async function startProxy(vars: Record<string, string> = {}): Promise<RunningProxy> {
  const sim = await startSimulator();
  const port = await freePort();
  const inspector = await freePort();
  let log = "";
  const child: ChildProcess = spawn(
    resolve(root, "node_modules/.bin/wrangler"),
    [
      "dev", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspector),
      "--var", `UPSTREAM:${sim.url}`,
      "--var", `PROXY_API_KEYS:${vars.PROXY_API_KEYS ?? E2E_KEY}`,
      "--var", "SIM_OPENAI_KEY:sk-sim-openai-secret",
      "--var", "SIM_GEMINI_KEY:sim-gemini-secret",
      "--var", "SIM_ANTHROPIC_KEY:sim-anthropic-secret",
      ...Object.entries(vars).filter(([name]) => name !== "PROXY_API_KEYS").flatMap(([name, value]) => ["--var", `${name}:${value}`]),
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, MODELS_FILE: "test/models.test.yaml", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    },
  );
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    await sim.close();
  };
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const up = await fetch(`${url}/ping`).then((r) => r.ok, () => false);
    if (up) return { url, pid: child.pid, sim, output: () => log, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not start:\n${log}`);
}
