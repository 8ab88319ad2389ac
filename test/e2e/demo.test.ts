/**
 * `npm run demo`, the README's first command, as a user runs it: on the port they ask
 * for while the defaults (8787, and 8788 where the simulator used to live) are taken, its
 * printed examples working against it, and a busy port refused with one line. The
 * README's Anthropic SDK command (demo/anthropic-stream.mjs) streams from it as well.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const held: Server[] = [];

/** Occupies a port for the test, unless something else already does (then it is busy anyway). */
async function occupy(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((r) => {
    server.once("error", () => r());
    server.listen(port, "127.0.0.1", () => {
      held.push(server);
      r();
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as import("node:net").AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function demo(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = "";
  const child = spawn(resolve(root, "node_modules/.bin/tsx"), ["scripts/demo.ts", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, output: () => output, exited };
}

beforeAll(async () => {
  await occupy(8787);
  await occupy(8788);
});
afterAll(async () => {
  for (const s of held) s.close();
  // The demo's wrangler rebuilt the generated config from demo/models.yaml: put the tests' back.
  await new Promise((r) => spawn(resolve(root, "node_modules/.bin/tsx"), ["scripts/build-config.ts"], { cwd: root, stdio: "ignore", env: { ...process.env, MODELS_FILE: "test/models.test.yaml" } }).once("exit", r));
});

describe("npm run demo", () => {
  it("refuses a busy port with one line naming it and the flag", async () => {
    const busy = demo(["--port", "8787"]);
    expect(await busy.exited).toBe(1);
    expect(busy.output()).toBe("npm run demo: port 8787 is busy; choose another with `npm run demo -- --port <port>`\n");
    const sim = demo(["--port", String(await freePort()), "--sim-port", "8788"]);
    expect(await sim.exited).toBe(1);
    expect(sim.output()).toBe("npm run demo: port 8788 is busy; choose another with `npm run demo -- --sim-port <port>`\n");
  });

  it("serves on the port it is given, with the defaults taken, and its examples work", async () => {
    const port = await freePort();
    const run = demo(["--port", String(port)]);
    try {
      const base = `http://127.0.0.1:${port}`;
      await expect.poll(() => run.output(), { timeout: 90_000, interval: 250 }).toContain("ai-proxy demo is running on");
      expect(run.output()).toContain(`ai-proxy demo is running on ${base}`);
      const headers = { authorization: "Bearer demo-key", "content-type": "application/json" };
      const models = (await (await fetch(`${base}/v1/models`, { headers })).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id)).toContain("SMALL");
      // The printed tool-call example, as printed.
      const toolCall = /-d '(\{"model":"flash","tools".*?)'\n/.exec(run.output())?.[1];
      expect(toolCall).toBeDefined();
      const toolRes = await fetch(`${base}/v1/chat/completions`, { method: "POST", headers, body: toolCall });
      const toolText = await toolRes.text();
      // The body in the message: a failure here says what the proxy answered instead.
      expect(toolRes.status, toolText).toBe(200);
      const answer = JSON.parse(toolText) as {
        choices: Array<{ message: { tool_calls: Array<{ function: { name: string; arguments: string } }> } }>;
      };
      expect(answer.choices[0]?.message.tool_calls[0]?.function).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
      // The printed embeddings example: two vectors, in order, from the EMBED category.
      const embedding = /-d '(\{"model":"EMBED".*?)'\n/.exec(run.output())?.[1];
      expect(embedding).toBeDefined();
      const res = await fetch(`${base}/v1/embeddings`, { method: "POST", headers, body: embedding });
      expect(res.headers.get("x-proxy-model")).toBe("embed-a");
      const vectors = (await res.json()) as { data: Array<{ index: number; embedding: number[] }> };
      expect(vectors.data.map((d) => [d.index, d.embedding.length])).toEqual([[0, 8], [1, 8]]);
    } finally {
      run.child.kill("SIGTERM");
      await run.exited;
    }
  }, 120_000);

  it("streams an answer from flash to the README's Anthropic SDK command", async () => {
    // The command as the README prints it, pointed at this run's port.
    const readme = readFileSync(resolve(root, "README.md"), "utf8");
    const command = /ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:8787 ANTHROPIC_API_KEY=(\S+) node (demo\/anthropic-stream\.mjs)\n/.exec(readme);
    expect(command).not.toBeNull();
    const [, key, script] = command!;
    const port = await freePort();
    const run = demo(["--port", String(port)]);
    try {
      await expect.poll(() => run.output(), { timeout: 90_000, interval: 250 }).toContain("ai-proxy demo is running on");
      const env = { ...process.env, ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}`, ANTHROPIC_API_KEY: key! };
      const client = spawn(process.execPath, [script!], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      client.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      client.stderr?.on("data", (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((r) => client.once("exit", r));
      expect(code, out).toBe(0);
      // Streamed text, then the script's trailer naming the model that answered.
      expect(out, out).toMatch(/^\S[^\n]*\n\[answered by flash \([^)]+\), stop_reason end_turn, [1-9]\d* tokens out\]\n$/);
    } finally {
      run.child.kill("SIGTERM");
      await run.exited;
    }
  }, 120_000);
});
