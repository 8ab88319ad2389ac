import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { BASE, call } from "./helpers";

interface ModelList {
  object: string;
  data: Array<{ id: string; object: string; created: number; owned_by: string }>;
}

describe("/ping", () => {
  it("answers GET and HEAD publicly", async () => {
    const get = await call("/ping", { key: null });
    expect(get.status).toBe(200);
    expect(get.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await get.text()).toBe("OK");
    const head = await call("/ping", { key: null, method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("answers 405 with Allow to other methods", async () => {
    const res = await call("/ping", { key: null, method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("method_not_allowed");
  });
});

describe("models", () => {
  it("lists every configured model and one entry per size category", async () => {
    const res = await call("/v1/models");
    expect(res.status).toBe(200);
    const body = (await res.json()) as ModelList;
    expect(body.object).toBe("list");
    const ids = body.data.map((m) => m.id);
    expect(ids.slice(0, 5)).toEqual(["sim-small", "sim-small-2", "sim-big", "gemini-sim", "claude-sim"]);
    expect(ids).toContain("open-model");
    // Models first, then one entry per category, in order of first appearance.
    const categories = body.data.filter((m) => m.owned_by === "ai-proxy").map((m) => m.id);
    expect(categories.slice(0, 2)).toEqual(["SMALL", "BIG"]);
    expect(categories).toContain("SCEN");
    expect(ids.slice(-categories.length)).toEqual(categories);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of body.data) {
      expect(m.object).toBe("model");
      expect(Number.isInteger(m.created)).toBe(true);
    }
    expect(body.data.find((m) => m.id === "gemini-sim")?.owned_by).toBe("simgemini");
    expect(body.data.find((m) => m.id === "SMALL")?.owned_by).toBe("ai-proxy");
  });

  it("serves the same list at /models and with a trailing or doubled slash", async () => {
    const expected = await (await call("/v1/models")).json();
    for (const path of ["/models", "/v1/models/", "//v1//models"]) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(await res.json()).toEqual(expected);
    }
  });

  it("returns one model or category by id", async () => {
    const model = await call("/v1/models/sim-big");
    expect(model.status).toBe(200);
    expect(await model.json()).toMatchObject({ id: "sim-big", object: "model", owned_by: "sim" });
    const category = await call("/v1/models/BIG");
    expect(await category.json()).toMatchObject({ id: "BIG", owned_by: "ai-proxy" });
  });

  it("lists aliases after the categories, and finds any name a prefix alias matches", async () => {
    const ids = ((await (await call("/v1/models")).json()) as ModelList).data.map((m) => m.id);
    expect(ids.slice(-5)).toEqual(["claude-opus-4-8", "gpt-4o", "claude-haiku*", "claude-*", "text-embedding-*"]);
    const matched = await call("/v1/models/claude-sonnet-4-5");
    expect(matched.status).toBe(200);
    expect(await matched.json()).toMatchObject({ id: "claude-sonnet-4-5", object: "model", owned_by: "ai-proxy" });
  });

  it("answers 404 model_not_found for an unknown id", async () => {
    const res = await call("/v1/models/gpt-17");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: "The model 'gpt-17' does not exist.", type: "not_found_error", param: "model", code: "model_not_found" },
    });
  });
});

describe("errors and request ids", () => {
  it("answers an unknown route with an OpenAI-shaped 404", async () => {
    const res = await call("/v2/everything");
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(body.error.code).toBe("unknown_route");
  });

  it("answers a wrong method on a known route with 405 and Allow", async () => {
    const res = await call("/v1/models", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
  });

  it("keeps a sane client request id and replaces anything else", async () => {
    const kept = await call("/v1/models", { headers: { "x-request-id": "client-abc_123" } });
    expect(kept.headers.get("x-request-id")).toBe("client-abc_123");
    for (const bad of ["has space", "x".repeat(200), "semi;colon", "<script>", "a/b"]) {
      const res = await call("/v1/models", { headers: { "x-request-id": bad } });
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("puts a fresh request id on every response, errors included", async () => {
    const ids = new Set<string>();
    for (const res of [await call("/ping", { key: null }), await call("/v1/models", { key: null }), await call("/nope"), await call("/v1/models", { method: "PUT" })]) {
      const id = res.headers.get("x-request-id");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      ids.add(id!);
    }
    expect(ids.size).toBe(4);
  });

  it("puts the request id on chat responses too, streamed and not", async () => {
    for (const stream of [false, true]) {
      const res = await call("/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": `chat-${stream}` },
        body: JSON.stringify({ model: "sim-small", stream, messages: [{ role: "user", content: "hi" }] }),
      });
      await res.text();
      expect(res.headers.get("x-request-id")).toBe(`chat-${stream}`);
    }
  });

  it("refuses requests with a clear 500 when a setting is invalid, naming the variable", async () => {
    const res = await app.fetch(
      new Request(`${BASE}/v1/models`, { headers: { authorization: "Bearer test-key-1" } }),
      { ...env, RETRY_MAX_ATTEMPTS: "lots" },
      createExecutionContext(),
    );
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe("proxy_misconfigured");
    expect(body.error.message).toContain("RETRY_MAX_ATTEMPTS");
  });
});
