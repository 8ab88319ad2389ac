/**
 * `npm run demo`: the proxy on http://127.0.0.1:8787 in front of the upstream simulator
 * on 127.0.0.1:8788, configured by demo/models.yaml, so it runs with no provider keys.
 * wrangler dev rebuilds the config through its [build] command with MODELS_FILE set.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { startSimulator } from "../test/simulator/server";

const PORT = Number(process.env.DEMO_PORT ?? 8787);
const SIM_PORT = 8788;
const KEY = "demo-key";
const root = resolve(import.meta.dirname, "..");

const sim = await startSimulator(SIM_PORT);
const wrangler = spawn(
  resolve(root, "node_modules/.bin/wrangler"),
  [
    "dev",
    "--port", String(PORT),
    "--ip", "127.0.0.1",
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

const base = `http://127.0.0.1:${PORT}`;
for (let i = 0; i < 600 && !stopping; i++) {
  const up = await fetch(`${base}/ping`).then((r) => r.ok, () => false);
  if (up) {
    process.stdout.write(`
ai-proxy demo is running on ${base} (upstream simulator on ${sim.url}); client key: ${KEY}

  curl -s ${base}/v1/models -H "authorization: Bearer ${KEY}"

  curl -s ${base}/v1/chat/completions -H "authorization: Bearer ${KEY}" \\
    -H "content-type: application/json" \\
    -d '{"model":"SMALL","messages":[{"role":"user","content":"Hello!"}]}'

  curl -sN ${base}/v1/chat/completions -H "authorization: Bearer ${KEY}" \\
    -H "content-type: application/json" \\
    -d '{"model":"claude","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'

The Anthropic SDK (and Claude Code) through /v1/messages, streamed from the Gemini model
flash under the Claude model name it is aliased to:

  ANTHROPIC_BASE_URL=${base} ANTHROPIC_API_KEY=${KEY} node demo/anthropic-stream.mjs

Hammer SMALL and watch the traffic move as quotas fill (fast-a: 5/min, fast-b: 20/min, then flash):

  for i in $(seq 30); do curl -s -o /dev/null -w "%{http_code} %header{x-proxy-model}\n" \
    ${base}/v1/chat/completions -H "authorization: Bearer ${KEY}" -H "content-type: application/json" \
    -d '{"model":"SMALL","messages":[{"role":"user","content":"Hi"}]}'; done

  curl -s ${base}/v1/status -H "authorization: Bearer ${KEY}"

Generate an image (the first image model by priority; the simulator draws a gradient):

  curl -s ${base}/image -H "authorization: Bearer ${KEY}" -H "content-type: application/json" \\
    -d '{"prompt":"a lighthouse at dusk"}' -o lighthouse.png

Models: fast-a, fast-b (OpenAI-compatible), flash (Gemini), smart-a (OpenAI-compatible), claude (Anthropic);
categories SMALL and BIG; aliases claude-sonnet* (flash), claude-haiku* (SMALL), claude-* (BIG), gpt-4o; images: gpt-image, imagen, nano-banana, flux-schnell, flux-hf. Press Ctrl+C to stop.
`);
    break;
  }
  await new Promise((r) => setTimeout(r, 200));
}
