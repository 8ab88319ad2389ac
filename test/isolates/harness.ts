/**
 * Serves the real deployable bundle from several isolates at once, as a deployment does:
 * one `workerd` process, one Worker service (so one isolate, with its own lease pools and
 * caches) per socket, every service bound to the same Durable Object namespace, in front
 * of the upstream simulator. Tests drive the sockets with the `openai` SDK and count at the
 * simulator what reached the upstream.
 *
 * The bundle is built from a copy of the project, so the config under test never replaces
 * the generated config other test runs are using.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import OpenAI from "openai";
import { freePort } from "../../bench/lib/targets";
import { workerdConfig } from "../../bench/lib/workerd-config";
import { type Simulator, startSimulator } from "../simulator/server";

const root = resolve(import.meta.dirname, "../..");
const bin = (name: string) => join(root, "node_modules/.bin", name);
export const ISOLATES_KEY = "isolates-key";
/** Named client keys (`name:key`), for the clients a config's `clients` section gives limits. */
export const CLIENT_KEYS = { "iso-cl-a": "iso-cl-a-key-0123456789", "iso-cl-b": "iso-cl-b-key-0123456789" } as const;
const COMPAT_DATE = "2026-11-01";

export interface Isolates {
  /** One OpenAI client per isolate, never retrying on its own. */
  clients: OpenAI[];
  sim: Simulator;
  stop(): Promise<void>;
}

/** `wrangler deploy --dry-run` of a copy of the project configured by `modelsYaml`: the bundle's path. */
function buildBundle(modelsYaml: string, dir: string): string {
  const stage = join(dir, "stage");
  mkdirSync(stage, { recursive: true });
  for (const entry of ["src", "scripts", "wrangler.toml", "package.json", "tsconfig.json", "tsconfig.dashboard.json"]) {
    cpSync(join(root, entry), join(stage, entry), { recursive: true, filter: (p) => !p.endsWith(".test.ts") && !p.endsWith("models.generated.ts") });
  }
  symlinkSync(join(root, "node_modules"), join(stage, "node_modules"), "dir");
  writeFileSync(join(stage, "models.isolates.yaml"), modelsYaml);
  const out = join(dir, "dist");
  const r = spawnSync(bin("wrangler"), ["deploy", "--dry-run", "--outdir", out], {
    cwd: stage,
    env: { ...process.env, MODELS_FILE: "models.isolates.yaml", WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`bundle build failed:\n${r.stdout}\n${r.stderr}`);
  return join(out, "index.js");
}

async function waitUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`workerd exited:\n${log()}`);
    if (await fetch(`${url}/ping`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} did not come up:\n${log()}`);
}

/** `vars`: more Worker variables, such as the secrets a provider's token is fetched with. */
export async function startIsolates(modelsYaml: string, isolates: number, vars: Record<string, string> = {}): Promise<Isolates> {
  const dir = mkdtempSync(join(tmpdir(), "ai-proxy-isolates-"));
  const sim = await startSimulator();
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const bundle = buildBundle(modelsYaml, dir);
    cpSync(bundle, join(dir, "index.js"));
    const storageDir = join(dir, "do");
    mkdirSync(storageDir);
    const ports = await Promise.all(Array.from({ length: isolates }, freePort));
    const config = workerdConfig({
      port: ports,
      moduleFile: "index.js",
      compatibilityDate: COMPAT_DATE,
      bindings: { UPSTREAM: sim.url, PROXY_API_KEYS: [ISOLATES_KEY, ...Object.entries(CLIENT_KEYS).map(([name, key]) => `${name}:${key}`)].join(","), RETRY_MAX_ATTEMPTS: "3", ...vars },
      durableObjects: { classes: { LIMITER: "ProviderLimiter", CLIENTS: "ClientLimiter" }, storageDir },
    });
    writeFileSync(join(dir, "isolates.capnp"), config);
    let log = "";
    child = spawn(bin("workerd"), ["serve", "isolates.capnp", "--experimental"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    // Keep the tail for failure messages; request log lines are many and say nothing here.
    const keep = (d: Buffer) => (log = (log + d.toString()).slice(-8000));
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    for (const url of urls) await waitUp(url, child, () => log);
    const clients = urls.map((url) => new OpenAI({ baseURL: `${url}/v1`, apiKey: ISOLATES_KEY, maxRetries: 0, timeout: 60_000 }));
    return { clients, sim, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface Answer {
  status: number;
  /** Seconds, from the Retry-After of a refusal. */
  retryAfter: number | undefined;
  /** Which configured model answered. */
  model: string | null;
  at: number;
}

/** One chat completion through `client`, its outcome whatever it is. */
export async function ask(client: OpenAI, model: string, content = "hi"): Promise<Answer> {
  try {
    const { response } = await client.chat.completions.create({ model, messages: [{ role: "user", content }] }).withResponse();
    return { status: response.status, retryAfter: undefined, model: response.headers.get("x-proxy-model"), at: Date.now() };
  } catch (err) {
    if (!(err instanceof OpenAI.APIError) || err.status === undefined) throw err;
    const ra = err.headers?.get("retry-after");
    return { status: err.status, retryAfter: ra ? Number(ra) : undefined, model: null, at: Date.now() };
  }
}

/** Requests and 429s the simulator answered for an upstream model id. */
export async function simStats(sim: Simulator, model: string): Promise<{ requests: number; rate_limited: number }> {
  return (await fetch(`${sim.url}/__stats?model=${encodeURIComponent(model)}`)).json() as Promise<{ requests: number; rate_limited: number }>;
}

/**
 * Limits count per calendar minute: a scenario that must stay inside one starts with at
 * least `needMs` of it left, or waits for the next.
 */
export async function awayFromMinuteEdge(needMs: number): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (60_000 - intoMinute < needMs) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50));
}

export const minuteOf = (at: number) => Math.floor(at / 60_000);
