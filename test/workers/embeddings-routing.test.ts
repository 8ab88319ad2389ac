/**
 * Embeddings through routing: fallback within one vector space (across all three upstream
 * shapes), no fallback out of a model's own space, answers of the wrong count or length
 * treated as failures (never a 200), `dimensions`, categories, model types on the wrong
 * route, quota counted per upstream call and in tokens, the cache and the request log.
 */
import { describe, expect, it } from "vitest";
import { simVector } from "../simulator/vectors";
import { appPost, captureLogs } from "./app-fetch";
import { awayFromMinuteEdge, call, chat, postJson, recorded, sim, simStats } from "./helpers";

const tag = () => `route-${crypto.randomUUID()}`;
const embedIn = (model: string, input: unknown, extra: Record<string, unknown> = {}) => postJson("/v1/embeddings", { model, input, encoding_format: "float", ...extra });

interface Answer {
  data: Array<{ embedding: number[] }>;
  usage: { prompt_tokens: number };
}
interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const A = "/openai/v1/embeddings";
const B = "/gemini/v1beta/models/emb-b:batchEmbedContents";
const C = "/cloudflare/client/v4/accounts/sim-account/ai/run/@cf/baai/bge-emb-c";

describe("fallback within one vector space", () => {
  it.each([
    ["an upstream 500", { status: 500 }],
    ["a vector missing from the answer", { embed: "missing" }],
    ["vectors one number short", { embed: "short" }],
    ["a 200 without vectors", { embed: "none" }],
  ])("falls back from %s to the next model of the space", async (_, fault) => {
    const t = tag();
    const input = [`first ${sim({ tag: t, ...fault, only: ["route/emb-a"] })}`, "second"];
    const res = await embedIn("emb-a", input);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("emb-b");
    expect(res.headers.get("x-proxy-attempts")).toBe("2");
    expect(((await res.json()) as Answer).data.map((d) => d.embedding)).toEqual(input.map((i) => simVector(i)));
    expect((await recorded(t)).map((r) => r.path)).toEqual([A, B]);
  });

  it("goes on to the third shape of the space when two fail", async () => {
    const t = tag();
    const res = await embedIn("emb-a", [`x ${sim({ tag: t, status: 503, only: ["route/emb-a", "emb-b"] })}`]);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("emb-c");
    expect((await recorded(t)).map((r) => r.path)).toEqual([A, B, C]);
  });

  it("answers 502 upstream_bad_response, never a 200, when every model of the space answers wrongly", async () => {
    const t = tag();
    const res = await embedIn("emb-a", [`x ${sim({ tag: t, embed: "short" })}`]);
    expect(res.status).toBe(502);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ type: "upstream_error", code: "upstream_bad_response" });
    expect((await recorded(t)).map((r) => r.path)).toEqual([A, B, C]);
  });

  it("never leaves a model's own space: a model without `space` is retried, never replaced", async () => {
    const t = tag();
    const res = await embedIn("emb-openai", [`x ${sim({ tag: t, status: 500 })}`]);
    expect(res.status).toBe(502);
    const calls = await recorded(t);
    expect(calls.length).toBe(3);
    expect(new Set(calls.map((c) => c.body.model))).toEqual(new Set(["sim/emb-openai"]));
  });

  it("checks vectors against the model's declared dimensions", async () => {
    const ok = await embedIn("emb-dims", ["sixteen"]);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Answer).data[0]!.embedding).toHaveLength(16);
    // emb-wrong declares 16 dimensions and its upstream sends 8: a failure, not an answer.
    const wrong = await embedIn("emb-wrong", ["eight"]);
    expect(wrong.status).toBe(502);
    expect(((await wrong.json()) as ErrorBody).error.message).toContain("8 dimensions where 16 were expected");
  });
});

describe("dimensions", () => {
  it("asks OpenAI-compatible and Gemini upstreams for the length the client wants", async () => {
    for (const [model, sent] of [["emb-openai", (b: Record<string, unknown>) => b.dimensions], ["emb-gemini", (b: Record<string, unknown>) => (b.requests as Array<{ outputDimensionality: number }>)[0]!.outputDimensionality]] as const) {
      const t = tag();
      const res = await embedIn(model, [`short ${sim({ tag: t })}`], { dimensions: 4 });
      expect(res.status).toBe(200);
      expect(((await res.json()) as Answer).data[0]!.embedding).toHaveLength(4);
      expect(sent((await recorded(t))[0]!.body)).toBe(4);
    }
  });

  it("refuses dimensions a Workers AI model cannot produce, without calling it", async () => {
    const t = tag();
    const res = await embedIn("emb-workers", [`x ${sim({ tag: t })}`], { dimensions: 4 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ param: "dimensions", type: "invalid_request_error" });
    expect(await recorded(t)).toEqual([]);
  });
});

describe("categories and model types", () => {
  it("serves a category of embedding models, falling back inside it", async () => {
    const ok = await embedIn("EMBED", ["hello"]);
    expect(ok.headers.get("x-proxy-model")).toBe("emb-cat-1");
    const res = await embedIn("EMBED", [`hello ${sim({ status: 500, only: ["route/emb-cat-1"] })}`]);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("emb-cat-2");
  });

  it.each([
    ["a chat model on /v1/embeddings", () => embedIn("sim-small", "hi"), "The model 'sim-small' is a chat model; it cannot serve embedding requests."],
    ["a chat category on /v1/embeddings", () => embedIn("SMALL", "hi"), "The category 'SMALL' has only chat models; it cannot serve embedding requests."],
    ["an embedding model on /v1/chat/completions", () => chat("emb-openai"), "The model 'emb-openai' is an embedding model; it cannot serve chat requests."],
    ["an embedding category on /v1/chat/completions", () => chat("EMBED"), "The category 'EMBED' has only embedding models; it cannot serve chat requests."],
  ])("refuses %s with a 400 naming its type", async (_, send, message) => {
    const res = await send();
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error).toEqual({ message, type: "invalid_request_error", param: "model", code: "model_type_mismatch" });
  });
});

describe("quota", () => {
  it("counts each upstream call against rpm, and refuses past it without calling", async () => {
    await awayFromMinuteEdge();
    // emb-limited takes 2 inputs a call and 3 calls a minute: 4 inputs are two calls.
    expect((await embedIn("emb-limited", ["a", "b", "c", "d"])).status).toBe(200);
    expect((await embedIn("emb-limited", ["e"])).status).toBe(200);
    const refused = await embedIn("emb-limited", ["f"]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await simStats("route/emb-limited")).toEqual({ requests: 3, rate_limited: 0 });
  });

  it("reserves input tokens before the call and corrects them from the provider's usage after", async () => {
    await awayFromMinuteEdge();
    // 10 one-letter words: about 5 tokens by the estimate, 10 by the provider's count. tpm is 30.
    const words = "a b c d e f g h i j";
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await embedIn("emb-tpm", [words]);
      statuses.push(res.status);
      if (res.status === 200) expect(((await res.json()) as Answer).usage.prompt_tokens).toBe(10);
    }
    // Counted by estimate, six would fit; counted as reported, the fourth would pass 30.
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(await simStats("route/emb-tpm")).toEqual({ requests: 3, rate_limited: 0 });
  });
});

describe("status", () => {
  it("lists embedding models with their type and usage, and an embedding category's order", async () => {
    await embedIn("emb-cat-1", ["counted"]);
    const status = (await (await call("/v1/status")).json()) as {
      models: Array<{ name: string; type: string; size: string | null }>;
      categories: Array<{ name: string; order: string[] }>;
    };
    expect(status.models.find((m) => m.name === "emb-cat-1")).toMatchObject({ type: "embedding", size: "EMBED" });
    expect(status.categories.find((c) => c.name === "EMBED")?.order).toEqual(["emb-cat-1", "emb-cat-2"]);
  });
});

describe("cache and request log", () => {
  const logs = captureLogs();

  it("answers an identical request from the cache, and a different encoding from upstream", async () => {
    const t = tag();
    const body = { model: "emb-cached", input: [`cached ${sim({ tag: t })}`] };
    const first = await postJson("/v1/embeddings", body);
    expect(first.headers.get("x-proxy-cache")).toBe("MISS");
    const firstBody = await first.json();
    const second = await postJson("/v1/embeddings", body);
    expect(second.headers.get("x-proxy-cache")).toBe("HIT");
    expect(second.headers.get("x-proxy-model")).toBe("emb-cached");
    expect(await second.json()).toEqual(firstBody);
    const base64 = await postJson("/v1/embeddings", { ...body, encoding_format: "base64" });
    expect(base64.headers.get("x-proxy-cache")).toBe("MISS");
    expect(await recorded(t)).toHaveLength(2);
  });

  it("logs the model, every batch's attempts and the input tokens, never the input", async () => {
    const t = tag();
    const secret = "a confidential passage";
    const res = await appPost("/v1/embeddings", { model: "emb-a", input: [`${secret} ${sim({ tag: t, status: 500, only: ["route/emb-a"] })}`] });
    expect(res.status).toBe(200);
    const line = logs.lineFor(res);
    expect(line).toMatchObject({ route: "/v1/embeddings", requested_model: "emb-a", model: "emb-b", provider: "simemb-gemini", status: 200, tokens_out: 0, tokens_estimated: true, cache: "BYPASS" });
    expect(line.attempts).toEqual([
      { model: "emb-a", provider: "simemb-openai", error: "server_error" },
      { model: "emb-b", provider: "simemb-gemini", error: null },
    ]);
    expect(line.tokens_in).toBeGreaterThan(0);
    expect(logs.written().join("\n")).not.toContain(secret);
  });
});
