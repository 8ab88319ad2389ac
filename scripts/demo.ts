/**
 * `npm run demo`: the proxy on http://127.0.0.1:8787 in front of the upstream simulator,
 * configured by demo/models.yaml, so it runs with no provider keys. wrangler dev rebuilds
 * the config through its [build] command with MODELS_FILE set; the simulator's address
 * reaches the config as the DEMO_UPSTREAM variable, so it can take any free port.
 *
 * `--port P` (or DEMO_PORT) moves the proxy, `--sim-port S` pins the simulator (default:
 * a free port). A busy port is one line naming it and the flag that changes it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { startSimulator } from "../test/simulator/server";
import { demoExamples } from "./demo-examples";

const KEY = "demo-key";
const root = resolve(import.meta.dirname, "..");

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function parseArgs(argv: string[]): { port: number; simPort: number } {
  const values: Record<string, string | undefined> = { port: process.env.DEMO_PORT, "sim-port": undefined };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(port|sim-port)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) fail(`npm run demo: unknown argument ${argv[i]}; use --port P (proxy, default 8787) and --sim-port S (simulator, default: a free port)`);
    values[m[1]!] = m[2] ?? argv[++i];
  }
  const port = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`npm run demo: --${name} must be a port number, not "${raw}"`);
    return n;
  };
  return { port: port("port", values.port, 8787), simPort: port("sim-port", values["sim-port"], 0) };
}

/** Resolves when `port` can be bound on loopback; rejects with its error code otherwise. */
function probePort(port: number): Promise<void> {
  return new Promise((ok, no) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => no(err.code ?? String(err)));
    server.listen(port, "127.0.0.1", () => server.close(() => ok()));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as import("node:net").AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const busy = (port: number, flag: string, code: unknown) =>
  fail(`npm run demo: port ${port} is ${code === "EADDRINUSE" ? "busy" : `not usable (${String(code)})`}; choose another with \`npm run demo -- ${flag} <port>\``);

const { port, simPort } = parseArgs(process.argv.slice(2));
await probePort(port).catch((code) => busy(port, "--port", code));
const sim = await startSimulator(simPort).catch((err: NodeJS.ErrnoException) => busy(simPort, "--sim-port", err.code));
const inspector = await freePort();

const wrangler: ChildProcess = spawn(
  resolve(root, "node_modules/.bin/wrangler"),
  [
    "dev",
    "--port", String(port),
    "--ip", "127.0.0.1",
    "--inspector-port", String(inspector),
    "--var", `DEMO_UPSTREAM:${sim.url}`,
    "--var", `PROXY_API_KEYS:${KEY}`,
    "--var", "DEMO_GEMINI_KEY:demo-gemini-key",
    "--var", "DEMO_ANTHROPIC_KEY:demo-anthropic-key",
    "--show-interactive-dev-session=false",
  ],
  { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, MODELS_FILE: "demo/models.yaml", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" } },
);

let stopping = false;
function stop(code = 0): void {
  if (stopping) return;
  stopping = true;
  wrangler.kill("SIGTERM");
  void sim.close().then(() => process.exit(code));
}
process.on("SIGINT", () => stop());
process.on("SIGTERM", () => stop());
wrangler.on("exit", (code) => stop(code ?? 1));

const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 600 && !stopping; i++) {
  const up = await fetch(`${base}/ping`).then((r) => r.ok, () => false);
  if (up) {
    process.stdout.write(demoExamples(base, sim.url, KEY));
    break;
  }
  await new Promise((r) => setTimeout(r, 200));
}
