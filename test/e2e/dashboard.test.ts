/**
 * The dashboard in a real browser: Chromium, driven over CDP, loads /dashboard from the
 * Worker under `wrangler dev`. It checks what a user and an attacker would see: nothing
 * before a key, an error for a wrong one, live bars that move as requests are served, a
 * CSP that the page itself satisfies, and no request to any other origin. Every test
 * starts from a fresh browser context and signs in itself, so any one runs alone or in any
 * order. Screenshots go to test/e2e/artifacts/ for a human to look at.
 */
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumFor } from "./browser";
import { E2E_KEY, type RunningProxy, startProxy } from "./wrangler-dev";

const ARTIFACTS = resolve(import.meta.dirname, "artifacts");
const chromiumPath = chromiumFor("dashboard");
// Named clients with rules in test/models.test.yaml: an admin, and one with an allow-list.
const ADMIN_KEY = "cl-admin:sk-e2e-admin-0123";
const NARROW_KEY = "cl-narrow:sk-e2e-narrow-0123";
const ONE_KEY = "cl-one:sk-e2e-one-0123";
const keyOf = (entry: string) => entry.slice(entry.indexOf(":") + 1);
// A key pool whose first key the simulator refuses ("revoked…"): test/models.test.yaml's pool-revoked.
const POOL = { POOL_REVOKED: "revoked-e2e-pool-key-0123456789", POOL_KEY_2: "sk-e2e-pool-second-0123456789" };

let proxy: RunningProxy;
let browser: Browser;

beforeAll(async () => {
  if (!chromiumPath) return;
  proxy = await startProxy({ PROXY_API_KEYS: `${E2E_KEY},${ADMIN_KEY},${NARROW_KEY},${ONE_KEY}`, ...POOL });
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
  await mkdir(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
});

// Each test gets a browser context of its own (its own sessionStorage, no key from another
// test) and its own record of requests and page errors, so no test depends on another's.
let context: BrowserContext;
let page: Page;
let requested: Array<{ url: string; authorization: string | undefined }>;
let problems: string[];

beforeEach(async () => {
  if (!chromiumPath) return;
  requested = [];
  problems = [];
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.on("request", (r) => requested.push({ url: r.url(), authorization: r.headers().authorization }));
  page = await context.newPage();
  // A CSP violation (a hash that does not match, say) surfaces only as a console error.
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 401/.test(m.text())) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
});

afterEach(async () => {
  if (!chromiumPath) return;
  await context.close();
  expect(problems).toEqual([]);
});

/** Opens the page signed out, as a first visit does. */
async function open() {
  const res = await page.goto(`${proxy.url}/dashboard`);
  await expect.poll(() => page.locator("#login").isVisible()).toBe(true);
  return res;
}

/** Opens the page and signs in with a client key of the proxy. */
async function signIn(key = E2E_KEY, model = "exact-50") {
  await open();
  await page.fill("#key", key);
  await page.click("#login-form button");
  await card(model).waitFor();
}

const chat = (model: string, content = "hi", key = E2E_KEY) =>
  fetch(`${proxy.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content }] }),
  });
const directive = (d: Record<string, unknown>) => `<<sim ${JSON.stringify(d)}>>`;
const card = (model: string) => page.locator(`[data-model="${model}"]`);
const usedOf = async (scope: string, window: string) => {
  const text = await page.locator(`${scope} [data-window="${window}"] .used`).textContent();
  return Number(text?.split("/")[0]?.trim());
};
/** [successes, errors] in the model's recent window. */
const recentOf = async (model: string) => ((await card(model).locator(".nums").getAttribute("data-recent")) ?? "").split("/").map(Number);

describe.skipIf(!chromiumPath)("dashboard in Chromium", () => {
  it("is public, strict about what it loads, and shows nothing before a key", async () => {
    const res = await open();
    expect(res?.status()).toBe(200);
    const headers = res!.headers();
    expect(headers["content-type"]).toContain("text/html");
    const csp = new Map((headers["content-security-policy"] ?? "").split(";").map((d) => {
      const [name = "", ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }));
    expect(csp.get("default-src")).toEqual(["'none'"]);
    expect(csp.get("script-src")).toEqual([expect.stringMatching(/^'sha256-[A-Za-z0-9+/]{43}='$/)]);
    expect(csp.get("style-src")).toEqual([expect.stringMatching(/^'sha256-[A-Za-z0-9+/]{43}='$/)]);
    expect(csp.get("connect-src")).toEqual(["'self'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(headers["content-security-policy"]).not.toMatch(/unsafe|\*|https?:/);
    expect(headers["x-content-type-options"]).toBe("nosniff");

    expect(await page.locator("#board").isVisible()).toBe(false);
    expect(await page.locator("[data-model], [data-category]").count()).toBe(0);
    const text = await page.locator("body").innerText();
    for (const name of ["exact-50", "sim-small", "SMALL", "simroute"]) expect(text).not.toContain(name);
    // The script ran under the CSP (it revealed the form), so its hash matched.
    expect(requested.filter((r) => r.url.includes("/v1/status"))).toHaveLength(0);
  });

  it("shows the proxy's error for a wrong key and keeps nothing", async () => {
    await open();
    await page.fill("#key", "not-a-key");
    await page.click("#login-form button");
    await expect.poll(() => page.locator("#login-error").textContent()).toContain("Invalid or missing API key");
    expect(await page.locator("#board").isVisible()).toBe(false);
    expect(await page.locator("[data-model]").count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it("logs in, then its bars, counts and countdowns follow the traffic without a reload", async () => {
    // rpm counts reset on the minute: do not let the boundary fall inside this test.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 25_000) await new Promise((r) => setTimeout(r, left + 100));

    await signIn();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    // wrangler dev keeps the limiters' state between runs: compare with what is there now.
    const before = await usedOf('[data-model="exact-50"]', "rpm");
    const [okBefore = 0, errorsBefore = 0] = await recentOf("exact-50");
    const sharedBefore = await usedOf('[data-provider="simshared"]', "rpm");
    expect(await card("exact-50").locator('[data-window="rpm"] .used').textContent()).toBe(`${before} / 50`);
    expect(await card("exact-50").locator('[data-window="rpm"] .reset').textContent()).toMatch(/^resets in (0:\d\d|1:00)$/);
    expect(await page.locator('[data-category="LU"] .next').textContent()).toBe("Next: lu-a");

    const ok = await Promise.all([1, 2, 3].map(() => chat("exact-50")));
    expect(ok.map((r) => r.status)).toEqual([200, 200, 200]);
    // One 500 and its successful retry; a 429 that cools lu-b down for two minutes.
    expect((await chat("exact-50", directive({ tag: `dash-${Date.now()}`, status: 500, times: 1 }))).status).toBe(200);
    expect((await chat("lu-b", directive({ status: 429, headers: { "retry-after": "120" } }))).status).toBe(429);
    // Three failed attempts in a row open flaky-a's breaker (15 s at first).
    expect((await chat("flaky-a", directive({ status: 500 }))).status).toBeGreaterThanOrEqual(500);
    for (const model of ["SMALL", "SMALL", "BIG", "lu-a", "lu-a", "res-counted"]) expect((await chat(model)).status).toBe(200);
    // simshared allows 5 a minute in all; an earlier run in this minute may have used some.
    for (let i = 0; i < 3; i++) expect([200, 429]).toContain((await chat("SHARED")).status);

    // Every attempt takes a slot (the failed one too), and leased slots count until they
    // are given back, so the figure settles at exactly 5 more.
    await expect.poll(() => usedOf('[data-model="exact-50"]', "rpm"), { timeout: 20_000, interval: 250 }).toBe(before + 5);
    await expect.poll(() => recentOf("exact-50"), { timeout: 10_000 }).toEqual([okBefore + 4, errorsBefore + 1]);
    const width = await card("exact-50").locator(".fill").evaluate((e) => parseFloat((e as HTMLElement).style.width));
    expect(width).toBeCloseTo(((before + 5) / 50) * 100, 1);
    expect(await card("exact-50").locator(".nums b").nth(2).textContent()).toMatch(/^\d+ ms$/);

    // Tokens are known only after the answer, and shown in their own window.
    await expect.poll(() => usedOf('[data-model="res-counted"]', "tpm"), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await card("res-counted").locator('[data-window="tpm"] .used').textContent()).toMatch(/^\d+ \/ 1M$/);

    const cooling = card("lu-b").locator("[data-cooldown]");
    await cooling.waitFor();
    const first = await cooling.textContent();
    expect(first).toMatch(/^Cooling down, ready in \d:\d\d$/);
    await expect.poll(() => cooling.textContent(), { timeout: 3_000 }).not.toBe(first);
    expect(await page.locator('[data-category="LU"] .next').textContent()).toBe("Next: lu-a");
    await expect.poll(() => card("flaky-a").locator("[data-breaker]").getAttribute("data-breaker")).toBe("open");
    expect(await card("flaky-a").locator("[data-cooldown]").textContent()).toMatch(/^Breaker open, retry in \d+:\d\d$/);
    await expect.poll(() => usedOf('[data-provider="simshared"]', "rpm")).toBe(Math.min(5, sharedBefore + 3));

    // Only models with something to show, for the picture.
    await page.check("#active");
    expect(await page.locator("[data-model]").count()).toBeLessThan(15);
    expect(await card("sim-small").count()).toBe(1);
    expect(await card("tie-a").count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(14, 18, 23)");
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-dark.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone.png"), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  }, 90_000);

  it("stays signed in across a reload, and forgets everything on sign-out", async () => {
    await signIn();
    await page.reload();
    await card("exact-50").waitFor();
    await page.click("#logout");
    expect(await page.locator("#login").isVisible()).toBe(true);
    expect(await page.locator("[data-model], [data-category], [data-provider]").count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it("shows an admin every client's usage against its limits, and a client only its own usage and models", async () => {
    await signIn(keyOf(ADMIN_KEY));
    await page.locator('[data-client="cl-narrow"]').waitFor();
    expect(await page.locator("#clients-title").textContent()).toBe("Clients");
    const names = await page.locator("[data-client]").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.client));
    expect(names).toEqual(expect.arrayContaining(["cl-admin", "cl-narrow", expect.stringMatching(/^key-[0-9a-f]{8}$/)]));
    // cl-burst has no key here, so it has no card; cl-narrow's card has no limits to draw.
    expect(names).not.toContain("cl-burst");
    expect(await page.locator('[data-client="cl-narrow"] .none').textContent()).toBe("No declared limits");
    // cl-one may make 5 requests a day: its bar is drawn against that, and moves with them.
    const rpd = page.locator('[data-client="cl-one"] [data-window="rpd"]');
    expect(await rpd.locator(".track").getAttribute("aria-valuemax")).toBe("5");
    const oneBefore = Number(await rpd.locator(".track").getAttribute("aria-valuenow"));
    const asked = await chat("cl-rpd100", "hi", keyOf(ONE_KEY));
    expect(asked.status).toBe(oneBefore < 5 ? 200 : 429);
    await expect.poll(() => rpd.locator(".used").textContent(), { timeout: 20_000, interval: 250 }).toBe(`${Math.min(5, oneBefore + 1)} / 5`);
    expect(await page.locator("[data-model]").count()).toBeGreaterThan(50);

    const before = Number((await page.locator('[data-client="cl-narrow"] .nums').getAttribute("data-today"))?.split("/")[0]);
    expect((await chat("cl-cat-b", "hi", keyOf(NARROW_KEY))).status).toBe(200);
    await expect.poll(() => page.locator('[data-client="cl-narrow"] .nums').getAttribute("data-today"), { timeout: 20_000, interval: 250 }).toBe(`${before + 1}/0`);
    expect((await page.locator('[data-client="cl-narrow"] .chip').allTextContents()).some((t) => /^cl-cat-b \d+$/.test(t))).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-admin.png"), fullPage: true });
    await page.click("#logout");

    await signIn(keyOf(NARROW_KEY), "cl-cat-b");
    await page.locator('[data-client="cl-narrow"]').waitFor();
    expect(await page.locator("#clients-title").textContent()).toBe("Your usage");
    expect(await page.locator("[data-client]").count()).toBe(1);
    const models = await page.locator("[data-model]").evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.model).sort());
    expect(models).toEqual(["cl-cat-b", "sim-small"]);
    const text = await page.locator("body").innerText();
    for (const hidden of ["exact-50", "cl-admin", "sk-e2e"]) expect(text).not.toContain(hidden);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-client.png"), fullPage: true });
  }, 90_000);

  it("shows a key pool's keys by fingerprint only, the one the provider rejected as benched", async () => {
    // Conversations spread over both keys: one meets the rejected key, which is then benched
    // (wrangler dev keeps limiter state between runs: it may be benched already).
    for (let i = 0; i < 8; i++) expect((await chat("pool-revoked", `e2e-pool-${i}`)).status).toBe(200);
    await signIn(E2E_KEY, "pool-revoked");
    const rows = card("pool-revoked").locator("[data-key]");
    await expect.poll(() => rows.count()).toBe(2);
    const keys = await rows.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.key ?? ""));
    for (const k of keys) expect(k).toMatch(/^…[0-9a-f]{4}$/);
    await expect.poll(() => card("pool-revoked").locator('[data-state="benched"]').count()).toBe(1);
    expect(await card("pool-revoked").locator('[data-state="benched"] .cool').textContent()).toMatch(/^Rejected by the provider, tried again in \d/);
    const text = await page.locator("body").innerText();
    for (const secret of Object.values(POOL)) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(-8));
    }
    await card("pool-revoked").screenshot({ path: join(ARTIFACTS, "dashboard-keys.png") });
  }, 60_000);

  it("sends the key only to /v1/status and /v1/usage, and nothing to any other origin", async () => {
    await signIn();
    await page.reload();
    await card("exact-50").waitFor();
    await page.click("#logout");
    const origin = new URL(proxy.url).origin;
    const outside = requested.filter((r) => !r.url.startsWith("data:") && new URL(r.url).origin !== origin);
    expect(outside).toEqual([]);
    const withKey = requested.filter((r) => r.authorization !== undefined);
    expect(withKey.length).toBeGreaterThan(1);
    for (const r of withKey) expect(["/v1/status", "/v1/usage"]).toContain(new URL(r.url).pathname);
  });
});
