/**
 * /dashboard through the Worker entry: public, data-free, and served with a CSP whose
 * hashes are those of the page's own inline script and style, so a browser runs exactly
 * that code and nothing else. The browser side is in test/e2e/dashboard.test.ts.
 */
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}

const inline = (html: string, tag: string) => {
  const parts = html.split(`<${tag}>`);
  expect(parts).toHaveLength(2);
  return parts[1]!.split(`</${tag}>`)[0]!;
};

describe("GET /dashboard", () => {
  it("serves the page without a key, with no model data in it", async () => {
    const res = await call("/dashboard", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toContain('id="login-form"');
    for (const name of ["sim-small", "exact-50", "simroute", "SCEN"]) expect(html).not.toContain(name);
    expect(html.length).toBeLessThan(24_000);
  });

  it("allows exactly its own inline script and style, and nothing from anywhere else", async () => {
    const res = await call("/dashboard", { key: null });
    const html = await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...v]) => [name, v.join(" ")]));
    expect(directives).toEqual({
      "default-src": "'none'",
      "script-src": await sha256(inline(html, "script")),
      "style-src": await sha256(inline(html, "style")),
      "connect-src": "'self'",
      "base-uri": "'none'",
      "form-action": "'none'",
      "frame-ancestors": "'none'",
      "require-trusted-types-for": "'script'",
      "trusted-types": "'none'",
    });
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    // Nothing in the markup that the CSP would have to allow: no handlers, no style attributes, no URLs.
    expect(html).not.toMatch(/\son[a-z]+=|\sstyle=|\s(?:src|href)=|https?:\/\//i);
  });

  it("answers HEAD, refuses other methods with 405, and protects paths below it", async () => {
    expect((await call("/dashboard", { key: null, method: "HEAD" })).status).toBe(200);
    expect((await call("/dashboard/", { key: null })).status).toBe(200);
    const post = await call("/dashboard", { key: null, method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await call("/dashboard/x", { key: null })).status).toBe(401);
  });
});
