/**
 * Image requests through routing: fallback from a failing image model (errors, timeouts,
 * a 200 without a usable image), `all` in priority order, quota counted like chat, and
 * failures that name the provider without revealing keys or upstream addresses.
 */
import { describe, expect, it } from "vitest";
import { awayFromMinuteEdge, postJson, recorded, sim, simStats, upstream } from "./helpers";
import { imageInfo } from "./image-files";

const tag = () => `t-${crypto.randomUUID()}`;
const paths = async (t: string) => (await recorded(t)).map((r) => r.path);
const FIRST = "/openai/v1/images/generations";
const SECOND = "/gemini/v1beta/models/imagen-fb-second:predict";

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe("fallback between image models", () => {
  it.each([
    ["an upstream 500", { status: 500 }],
    ["a 200 without images", { image: "none" }],
    ["a tiny error payload in place of the image", { image: "tiny" }],
  ])("falls back from %s, on both endpoints", async (_, fault) => {
    for (const [path, body] of [
      ["/v1/images/generations", (prompt: string) => ({ model: "img-fb-first", prompt })],
      ["/image", (prompt: string) => ({ model: "img-fb-first", prompt })],
    ] as const) {
      const t = tag();
      const res = await postJson(path, body(`a harbour ${sim({ tag: t, ...fault, only: ["route/img-fb-first"] })}`));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-proxy-model")).toBe("img-fb-second");
      expect(res.headers.get("x-proxy-attempts")).toBe("2");
      expect(await paths(t)).toEqual([FIRST, SECOND]);
      const bytes = path === "/image" ? new Uint8Array(await res.arrayBuffer()) : Uint8Array.from(atob(((await res.json()) as { data: Array<{ b64_json: string }> }).data[0]!.b64_json), (ch) => ch.charCodeAt(0));
      expect(imageInfo(bytes).format).toBe("png");
    }
  });

  it("falls back from a model that times out", async () => {
    const t = tag();
    const res = await postJson("/image", { model: "img-slow", prompt: `slow ${sim({ tag: t, delay_ms: 1500, only: ["route/img-slow"] })}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("img-hf");
    expect(res.headers.get("content-type")).toBe("image/jpeg");
  });

  it("does not fall back when the upstream rejects the prompt itself", async () => {
    const t = tag();
    const res = await postJson("/v1/images/generations", {
      model: "img-fb-first",
      prompt: `x ${sim({ tag: t, status: 400, message: "Your request was rejected as a result of our safety system." })}`,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("rejected as a result of our safety system");
    expect(await paths(t)).toEqual([FIRST]);
  });

  it.each(["img-gpt", "img-together", "img-imagen", "img-gemini", "img-openrouter", "img-workers", "img-workers-sdxl", "img-hf"])(
    "answers 502 upstream_bad_response when %s keeps sending 200s without an image",
    async (model) => {
      const t = tag();
      const res = await postJson("/image", { model, prompt: `nothing ${sim({ tag: t, image: "none" })}` });
      expect(res.status).toBe(502);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("upstream_bad_response");
      // Retried like any transient failure, within the attempt budget.
      expect((await recorded(t)).length).toBe(3);
    },
  );
});

describe("model: all", () => {
  it("uses the image model of highest priority when model is missing or `all`", async () => {
    for (const model of [undefined, "all"]) {
      const res = await postJson("/image", { model, prompt: "a mountain" });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-proxy-model")).toBe("img-all-a");
    }
    const res = await postJson("/v1/images/generations", { prompt: "a mountain" });
    expect(res.headers.get("x-proxy-model")).toBe("img-all-a");
  });

  it("falls back to the next image model by priority", async () => {
    const t = tag();
    const res = await postJson("/image", { model: "all", prompt: `a valley ${sim({ tag: t, status: 503, only: ["route/img-all-a"] })}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-proxy-model")).toBe("img-all-b");
    expect(await paths(t)).toEqual([FIRST, "/openrouter/api/v1/chat/completions"]);
  });

  it("serves n images from the first model that makes them", async () => {
    const t = tag();
    const all = await postJson("/v1/images/generations", { prompt: `dogs ${sim({ tag: t })}`, n: 2 });
    expect(all.status).toBe(200);
    expect(((await all.json()) as { data: unknown[] }).data).toHaveLength(2);
  });
});

describe("quota", () => {
  it("counts image requests against the model's limits and refuses past them without calling", async () => {
    await awayFromMinuteEdge();
    for (let i = 0; i < 2; i++) expect((await postJson("/image", { model: "img-limited", prompt: "one" })).status).toBe(200);
    const refused = await postJson("/image", { model: "img-limited", prompt: "three" });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as ErrorBody).error.code).toBe("rate_limit_exceeded");
    expect(await simStats("route/img-limited")).toEqual({ requests: 2, rate_limited: 0 });
  });
});

describe("nothing leaks", () => {
  it("hides keys and upstream addresses when every candidate fails", async () => {
    const leaky = { error: { message: `bad key sk-sim-openai-secret sim-gemini-secret at ${upstream()}/openai/v1/images/generations` } };
    for (const path of ["/image", "/v1/images/generations"]) {
      const res = await postJson(path, { model: "img-fb-first", prompt: `x ${sim({ status: 500, error_body: leaky })}` });
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ error: { type: "upstream_error", code: "upstream_error" } });
      for (const secret of ["sk-sim-openai-secret", "sim-gemini-secret", upstream(), "127.0.0.1", "/images/generations", ":predict"]) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it("reports a provider refusing the proxy's key as the proxy's problem, without the key", async () => {
    const res = await postJson("/image", { model: "img-hf", prompt: `x ${sim({ status: 401, message: "Invalid credentials in Authorization header: sk-sim-openai-secret" })}` });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: "upstream_auth_failed" } });
    expect(text).not.toContain("sk-sim-openai-secret");
  });
});
