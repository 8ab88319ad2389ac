/**
 * CORS as a browser sees it: preflights answered without a key and never forwarded,
 * every answer to an allowed origin (errors and streams included) readable by the page,
 * nothing for origins that are not allowed, and CORS_ORIGINS as a list or turned off.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { parseCorsOrigins } from "../../src/middleware/cors";
import { BASE, call, chat, recorded, sim } from "./helpers";

const PAGE = "https://app.example";

function preflight(path: string, origin: string, requestHeaders = "authorization, content-type", method = "POST") {
  return call(path, {
    method: "OPTIONS",
    key: null,
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": requestHeaders },
  });
}

/** The real app under another CORS_ORIGINS setting. */
async function withOrigins(origins: string, request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(request, { ...env, CORS_ORIGINS: origins }, ctx);
  await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return res;
}

const exposed = (res: Response) => (res.headers.get("access-control-expose-headers") ?? "").split(",").map((h) => h.trim());

describe("CORS with the default CORS_ORIGINS (*)", () => {
  it("answers a preflight without a key, allowing what the SDKs send", async () => {
    const res = await preflight("/v1/chat/completions", PAGE, "Authorization, Content-Type, X-Stainless-Lang, X-Custom-Thing");
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toMatch(/\bPOST\b/);
    expect(res.headers.get("access-control-allow-methods")).toMatch(/\bGET\b/);
    const allowed = res.headers.get("access-control-allow-headers")!.split(",").map((h) => h.trim());
    for (const h of ["authorization", "content-type", "x-api-key", "anthropic-version", "anthropic-beta", "x-request-id", "traceparent", "x-proxy-cache-ttl", "x-stainless-lang", "x-custom-thing"]) {
      expect(allowed).toContain(h);
    }
    expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("never forwards a preflight upstream, whatever it carries", async () => {
    const tag = `cors-${crypto.randomUUID()}`;
    const res = await call("/v1/chat/completions", {
      method: "OPTIONS",
      key: null,
      headers: { origin: PAGE, "access-control-request-method": "POST", "content-type": "application/json" },
      body: JSON.stringify({ model: "sim-small", messages: [{ role: "user", content: sim({ tag }) }] }),
    });
    expect(res.status).toBe(204);
    expect(await recorded(tag)).toEqual([]);
  });

  it("lets the page read the answer and the proxy's headers", async () => {
    const res = await chat("sim-small", "hi", {}, { origin: PAGE });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    for (const h of ["x-request-id", "x-proxy-model", "x-proxy-provider", "x-proxy-attempts", "retry-after"]) expect(exposed(res)).toContain(h);
  });

  it("lets the page read errors too: a missing key, a bad body, a stream", async () => {
    const noKey = await call("/v1/models", { key: null, headers: { origin: PAGE } });
    expect(noKey.status).toBe(401);
    expect(noKey.headers.get("access-control-allow-origin")).toBe("*");
    const bad = await call("/v1/chat/completions", { method: "POST", headers: { origin: PAGE, "content-type": "application/json" }, body: "{" });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("access-control-allow-origin")).toBe("*");
    const stream = await chat("sim-small", "hi", { stream: true }, { origin: PAGE });
    expect(stream.headers.get("access-control-allow-origin")).toBe("*");
    expect(await stream.text()).toContain("data: [DONE]");
  });

  it("still needs the key for everything but the preflight", async () => {
    const res = await call("/v1/models", { method: "OPTIONS", key: null, headers: { origin: PAGE } });
    expect(res.status).not.toBe(200);
    expect(res.status).toBeLessThan(500);
    expect(await res.json()).toMatchObject({ error: { type: expect.any(String) } });
  });

  it("adds nothing to requests without an Origin", async () => {
    const res = await call("/v1/models");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("CORS_ORIGINS as a list, or off", () => {
  const request = (origin: string, init: RequestInit = {}) =>
    new Request(`${BASE}/v1/models`, { ...init, headers: { origin, authorization: "Bearer test-key-1", ...(init.headers as Record<string, string>) } });

  it("echoes an allowed origin, varies on Origin, and refuses others", async () => {
    const list = "https://a.example, https://B.example/";
    const ok = await withOrigins(list, request("https://b.example"));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://b.example");
    expect(ok.headers.get("vary")).toMatch(/origin/i);
    const other = await withOrigins(list, request("https://evil.example"));
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("access-control-expose-headers")).toBeNull();
    const pre = await withOrigins(list, request("https://evil.example", { method: "OPTIONS", headers: { "access-control-request-method": "POST" } }));
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    expect(pre.headers.get("access-control-allow-methods")).toBeNull();
  });

  it("turns CORS off with an empty CORS_ORIGINS: a preflight is an ordinary unauthenticated request", async () => {
    const pre = await withOrigins("", new Request(`${BASE}/v1/models`, { method: "OPTIONS", headers: { origin: PAGE, "access-control-request-method": "GET" } }));
    expect(pre.status).toBe(401);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const res = await withOrigins("", request(PAGE));
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("parses the variable", () => {
    expect(parseCorsOrigins(undefined)).toEqual({ kind: "any" });
    expect(parseCorsOrigins("")).toEqual({ kind: "off" });
    expect(parseCorsOrigins(" , ")).toEqual({ kind: "off" });
    expect(parseCorsOrigins("https://a.example,*")).toEqual({ kind: "any" });
    expect(parseCorsOrigins("https://A.example/, http://localhost:5173")).toEqual({ kind: "list", origins: new Set(["https://a.example", "http://localhost:5173"]) });
  });
});
