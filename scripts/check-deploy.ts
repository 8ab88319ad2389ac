/**
 * `npm run check:deploy`: builds exactly what `wrangler deploy` would upload (into dist/,
 * without uploading) and prints its size. Fails when the bundle outgrows its budget: the
 * Worker bundle is on every cold start's path.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

// 64 KiB until the Responses API, embeddings and provider credentials (key pools, OAuth,
// Google service accounts) arrived: 69.2 KiB with them. Raised with them, not before:
// growth past this needs a reason as good. 72 KiB until named clients (2.1 KiB), the
// GigaChat adapter (1.1 KiB), count_tokens upstream and token-fault handling (0.7 KiB):
// 73.8 KiB with them and Claude on Vertex. 74 KiB until access tokens shared across
// isolates through the provider's Durable Object, and rejected keys benched for
// every isolate (0.9 KiB): 74.7 KiB with them. 75 KiB until Messages passed through to
// Anthropic providers (1.2 KiB): 75.9 KiB with it. 76 KiB until Responses passed through
// to providers that serve the Responses API, their Responses stored (1.3 KiB): 77.2 KiB;
// 77.4 KiB with item aliases for the Responses passed through; 77.8 KiB with inbound
// stream encoders running in the stream guard's loop. 78 KiB until bodies sent on as the
// client wrote them were spliced instead of serialised again (0.5 KiB: a 100 KB prompt
// costs about 8 µs of CPU instead of 80, a Messages body passed through 27 µs instead of
// 79): 78.5 KiB with it.
const BUDGET_GZIP_BYTES = 79 * 1024;
const root = resolve(import.meta.dirname, "..");
const outdir = join(root, "dist");
const build = spawnSync(join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
  cwd: root,
  encoding: "utf8",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
if (build.status !== 0) {
  process.stderr.write(`${build.stdout}\n${build.stderr}\n`);
  process.exit(build.status ?? 1);
}
const bundle = readFileSync(join(outdir, "index.js"));
const gzip = gzipSync(bundle, { level: 9 }).length;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
process.stdout.write(`deployable bundle: ${kib(bundle.length)}, ${kib(gzip)} gzipped (budget ${kib(BUDGET_GZIP_BYTES)})\n`);
if (gzip > BUDGET_GZIP_BYTES) {
  process.stderr.write("the bundle is over its gzip budget\n");
  process.exit(1);
}
