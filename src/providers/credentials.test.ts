/** Where each `auth` type puts a provider's key, and which key of a pool goes out. */
import { describe, expect, it } from "vitest";
import type { ResolvedModel } from "../config/catalog";
import type { AuthConfig, Protocol } from "../config/schema";
import { authorize } from "./credentials";

function target(type: Protocol, auth?: AuthConfig) {
  const model: ResolvedModel = {
    name: "m",
    provider: "p",
    model: "m",
    type: "chat",
    fallbacks: [],
    providerId: "p",
    providerConfig: { type, base_url: "https://up.example", headers: {}, timeout_ms: 1, ttft_ms: 1, idle_ms: 1, total_ms: 1, ...(auth ? { auth } : {}) },
  };
  return { model, baseUrl: "https://up.example", keys: ["key-one", "key-two"] };
}
const spec = { url: "https://up.example/chat?alt=sse", headers: { "content-type": "application/json" }, body: "{}" };

describe("authorize", () => {
  it("puts the key where each protocol expects it by default", async () => {
    expect((await authorize(spec, target("openai"))).headers.authorization).toBe("Bearer key-one");
    expect((await authorize(spec, target("gemini"))).headers["x-goog-api-key"]).toBe("key-one");
    expect((await authorize(spec, target("anthropic"))).headers["x-api-key"]).toBe("key-one");
  });

  it("follows the auth block: bearer, a named header, a query parameter", async () => {
    expect((await authorize(spec, target("gemini", { type: "bearer" }))).headers).toEqual({ "content-type": "application/json", authorization: "Bearer key-one" });
    expect((await authorize(spec, target("openai", { type: "header", name: "X-Key" }))).headers["x-key"]).toBe("key-one");
    const query = await authorize(spec, target("openai", { type: "query", name: "key" }));
    expect(query.url).toBe("https://up.example/chat?alt=sse&key=key-one");
    expect(query.headers.authorization).toBeUndefined();
  });

  it("sends the pool key it is told to", async () => {
    expect((await authorize(spec, target("openai"), 1)).headers.authorization).toBe("Bearer key-two");
  });
});
