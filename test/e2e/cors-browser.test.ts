/**
 * CORS in a real browser: a page served from another origin calls the proxy (under
 * `wrangler dev`) with `fetch`, as a browser app would. Chromium enforces the preflight
 * and the response checks, so what passes here is what works for users; an origin outside
 * CORS_ORIGINS is refused by the browser itself.
 */
import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumFor } from "./browser";
import { E2E_KEY, type RunningProxy, startProxy } from "./wrangler-dev";

const chromiumPath = chromiumFor("CORS");

let proxy: RunningProxy;
let site: Server;
let sitePort: number;
let profile: string;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!chromiumPath) return;
  site = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title>"));
  await new Promise<void>((r) => site.listen(0, "127.0.0.1", () => r()));
  sitePort = (site.address() as import("node:net").AddressInfo).port;
  // Only the page's 127.0.0.1 origin is allowed; the same page as localhost is another origin.
  proxy = await startProxy({ CORS_ORIGINS: `http://127.0.0.1:${sitePort}` });
  profile = await mkdtemp(join(tmpdir(), "ai-proxy-cors-"));
  context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
  page = context.pages()[0] ?? (await context.newPage());
}, 120_000);

afterAll(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await proxy?.stop();
  site?.close();
});

interface Outcome {
  status?: number;
  requestId?: string | null;
  model?: string | null;
  text?: string;
  failed?: string;
}

/** Runs `fetch` in the page: a POST with a key and JSON, so the browser must preflight it. */
function fetchFromPage(body: unknown): Promise<Outcome> {
  return page.evaluate(
    async ({ url, key, body }) => {
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "x-proxy-cache-ttl": "0" },
          body: JSON.stringify(body),
        });
        return { status: res.status, requestId: res.headers.get("x-request-id"), model: res.headers.get("x-proxy-model"), text: await res.text() };
      } catch (err) {
        return { failed: String(err) };
      }
    },
    { url: `${proxy.url}/v1/chat/completions`, key: E2E_KEY, body },
  );
}

describe.skipIf(!chromiumPath)("CORS in Chromium", () => {
  it("lets a page on an allowed origin call the proxy and read its headers, streamed or not", async () => {
    await page.goto(`http://127.0.0.1:${sitePort}/`);
    const plain = await fetchFromPage({ model: "sim-small", messages: [{ role: "user", content: "hi" }] });
    expect(plain.failed).toBeUndefined();
    expect(plain.status).toBe(200);
    expect(plain.requestId).toMatch(/\S/);
    expect(plain.model).toBe("sim-small");
    expect(JSON.parse(plain.text!).choices[0].message.content).toMatch(/Hello/);

    const streamed = await fetchFromPage({ model: "sim-small", stream: true, messages: [{ role: "user", content: "hi" }] });
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain("data: [DONE]");
  });

  it("lets the page read the proxy's errors", async () => {
    await page.goto(`http://127.0.0.1:${sitePort}/`);
    const unknown = await fetchFromPage({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text!).error.code).toBe("model_not_found");
  });

  it("is refused by the browser on an origin outside CORS_ORIGINS", async () => {
    await page.goto(`http://localhost:${sitePort}/`);
    const refused = await fetchFromPage({ model: "sim-small", messages: [{ role: "user", content: "hi" }] });
    expect(refused.failed).toMatch(/TypeError/);
  });
});
