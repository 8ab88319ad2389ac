import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import type { UsageBody } from "../../src/clients/usage-body";
import { captureLogs } from "./app-fetch";
import { BASE, call } from "./helpers";

const logs = captureLogs();

const errorOf = async (res: Response) => ((await res.json()) as { error: { message: string; type: string; code: string } }).error;

describe("bearer auth", () => {
  it("rejects a request without a key: 401, OpenAI body, bare challenge", async () => {
    const res = await call("/v1/models", { key: null });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="ai-proxy"');
    const error = await errorOf(res);
    expect(error.type).toBe("authentication_error");
    expect(error.code).toBe("invalid_api_key");
  });

  it("rejects a wrong key with error=invalid_token, and says no more than a missing key does", async () => {
    const wrong = await call("/v1/models", { key: "test-key-3" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBe('Bearer realm="ai-proxy", error="invalid_token"');
    const missing = await call("/v1/models", { key: null });
    expect((await errorOf(wrong)).message).toBe((await errorOf(missing)).message);
  });

  it("rejects a prefix, a longer key and other schemes", async () => {
    for (const authorization of ["Bearer test-key", "Bearer test-key-10", "Basic dGVzdC1rZXktMQ==", "test-key-1", "Bearer", "Bearer a b"]) {
      const res = await call("/v1/models", { key: null, headers: { authorization } });
      expect(res.status, authorization).toBe(401);
    }
  });

  it("accepts every configured key, with the scheme in any case", async () => {
    expect((await call("/v1/models", { key: "test-key-1" })).status).toBe(200);
    expect((await call("/v1/models", { key: "test-key-2" })).status).toBe(200);
    expect((await call("/v1/models", { key: null, headers: { authorization: "bearer test-key-2" } })).status).toBe(200);
  });

  it("accepts the key as x-api-key on every route, as the Anthropic SDK sends it", async () => {
    expect((await call("/v1/models", { key: null, headers: { "x-api-key": "test-key-2" } })).status).toBe(200);
    const chat = await call("/v1/chat/completions", {
      key: null,
      method: "POST",
      headers: { "x-api-key": "test-key-1", "content-type": "application/json" },
      body: JSON.stringify({ model: "sim-small", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(chat.status).toBe(200);
    // One valid key is enough when a client sends both headers.
    expect((await call("/v1/models", { key: "test-key-1", headers: { "x-api-key": "stale" } })).status).toBe(200);
    expect((await call("/v1/models", { key: null, headers: { "x-api-key": "test-key-3" } })).status).toBe(401);
    expect((await call("/v1/models", { key: null, headers: { "x-api-key": "" } })).status).toBe(401);
  });

  it("answers HEAD / and HEAD /v1 without a key (Claude Code's connectivity probe), and nothing else", async () => {
    for (const path of ["/", "/v1", "/v1/"]) {
      const res = await call(path, { key: null, method: "HEAD" });
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe("");
    }
    expect((await call("/", { key: null })).status).toBe(401);
    expect((await call("/v1/models", { key: null, method: "HEAD" })).status).toBe(401);
  });

  it("protects every spelling of every path except /ping", async () => {
    const paths = [
      "/v1/models", "/v1/models/", "//v1//models", "/V1/MODELS", "/v1/%6dodels", "/models",
      "/v1/models/sim-small", "/v1/chat/completions", "/v1/status", "/nope", "/", "/PING", "/%70ing", "/ping/x",
    ];
    for (const path of paths) {
      const res = await call(path, { key: null });
      expect(res.status, path).toBe(401);
    }
  });

  it("fails closed when no client keys are configured", async () => {
    for (const keys of ["", " , ", undefined]) {
      const res = await app.fetch(
        new Request(`${BASE}/v1/models`, { headers: { authorization: "Bearer test-key-1" } }),
        { ...env, PROXY_API_KEYS: keys },
        createExecutionContext(),
      );
      expect(res.status).toBe(401);
      const error = await errorOf(res);
      expect(error.code).toBe("no_client_keys_configured");
      expect(error.message).toMatch(/no client keys configured/);
    }
  });

  it("picks up a changed key list", async () => {
    const ctx = createExecutionContext();
    const req = () => new Request(`${BASE}/v1/models`, { headers: { authorization: "Bearer rotated" } });
    expect((await app.fetch(req(), { ...env, PROXY_API_KEYS: "rotated" }, ctx)).status).toBe(200);
    // Accepted twice, so its digest is remembered: a key taken out of the list is still refused.
    expect((await app.fetch(req(), { ...env, PROXY_API_KEYS: "rotated" }, ctx)).status).toBe(200);
    expect((await app.fetch(req(), { ...env, PROXY_API_KEYS: "other" }, ctx)).status).toBe(401);
    expect((await app.fetch(req(), { ...env, PROXY_API_KEYS: "other,rotated2" }, ctx)).status).toBe(401);
  });

  it("names clients by name:key, one name for several keys, a bare key by a fingerprint; rules for a name no key carries are said once", async () => {
    const keys = "alice:sk-alice-1, alice:sk-alice-2, sk-bare-key, cl-admin:sk-root, weird/name:sk-x";
    const whoAmI = async (key: string) => {
      const res = await app.fetch(new Request(`${BASE}/v1/usage`, { headers: { authorization: `Bearer ${key}` } }), { ...env, PROXY_API_KEYS: keys }, createExecutionContext());
      return res.status === 200 ? ((await res.json()) as UsageBody).clients.map((c) => c.client) : res.status;
    };
    expect(await whoAmI("sk-alice-1")).toEqual(["alice"]);
    expect(await whoAmI("sk-alice-2")).toEqual(["alice"]);
    expect(await whoAmI("alice")).toBe(401);
    const [bare] = (await whoAmI("sk-bare-key")) as string[];
    expect(bare).toMatch(/^key-[0-9a-f]{8}$/);
    // Not a client name, so the whole entry is a bare key.
    expect(await whoAmI("weird/name:sk-x")).toEqual([expect.stringMatching(/^key-[0-9a-f]{8}$/)]);
    expect(await whoAmI("sk-root")).toEqual(["alice", bare, "cl-admin", expect.stringMatching(/^key-/)]);
    const said = logs.written().filter((l) => l.includes("no key in PROXY_API_KEYS"));
    expect(said.map((l) => (JSON.parse(l) as { client: string }).client).sort()).toEqual(["cl-burst", "cl-conc", "cl-ctmix", "cl-ctopen", "cl-narrow", "cl-one", "cl-tokens", "cl-two"]);
    for (const line of logs.written()) expect(line).not.toMatch(/sk-alice|sk-bare|sk-root/);
  });
});
