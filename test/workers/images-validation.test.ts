/**
 * What the image endpoints refuse at the edge: a 400 naming the parameter (and no
 * upstream call), the wrong kind of model, auth, media type and method.
 */
import { describe, expect, it } from "vitest";
import { call, postJson, recorded, sim } from "./helpers";

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const tag = () => `t-${crypto.randomUUID()}`;

describe("POST /v1/images/generations validation", () => {
  it.each([
    ["a missing prompt", { prompt: undefined }, "prompt", "Invalid value for 'prompt': is required."],
    ["an empty prompt", { prompt: "" }, "prompt", "Invalid value for 'prompt': must have at least 1 character(s)."],
    ["a prompt over 32000 characters", { prompt: "x".repeat(32_001) }, "prompt", "Invalid value for 'prompt': must have at most 32000 character(s)."],
    ["n of 0", { n: 0 }, "n", "Invalid value for 'n': must be >= 1."],
    ["n over 10", { n: 11 }, "n", "Invalid value for 'n': must be <= 10."],
    ["a fractional n", { n: 1.5 }, "n", "Invalid value for 'n': expected int."],
    ["a size that is not WxH", { size: "huge" }, "size", "Invalid value for 'size': has an invalid format."],
    ["an unknown response_format", { response_format: "png" }, "response_format", "Invalid value for 'response_format': expected one of 'b64_json', 'url'."],
    ["an unknown quality", { quality: "ultra" }, "quality", "Invalid value for 'quality': expected one of 'auto', 'standard', 'hd', 'low', 'medium', 'high'."],
    ["stream: true", { stream: true }, "stream", "Streamed image generation is not supported; leave 'stream' unset."],
  ])("refuses %s with a 400 naming the parameter, calling no upstream", async (_, fields, param, message) => {
    const t = tag();
    const res = await postJson("/v1/images/generations", { model: "img-gpt", prompt: `a cat ${sim({ tag: t })}`, ...fields });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toMatchObject({ type: "invalid_request_error", param, message });
    expect(await recorded(t)).toEqual([]);
  });

  it("refuses n beyond what a named model makes per call", async () => {
    const t = tag();
    const res = await postJson("/v1/images/generations", { model: "img-dalle", prompt: `dogs ${sim({ tag: t })}`, n: 2 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ param: "n", message: "The model 'img-dalle' makes at most 1 image per request; lower 'n'." });
    expect(await recorded(t)).toEqual([]);
  });

  it("refuses chat models and unknown models", async () => {
    const chat = await postJson("/v1/images/generations", { model: "sim-small", prompt: "a cat" });
    expect(chat.status).toBe(400);
    expect(((await chat.json()) as ErrorBody).error).toMatchObject({
      param: "model",
      code: "model_type_mismatch",
      message: "The model 'sim-small' is a chat model; it cannot serve image requests.",
    });
    const unknown = await postJson("/v1/images/generations", { model: "dall-e-9", prompt: "a cat" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorBody).error.code).toBe("model_not_found");
  });

  it("and the chat endpoint refuses image models", async () => {
    const res = await postJson("/v1/chat/completions", { model: "img-gpt", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({
      code: "model_type_mismatch",
      message: "The model 'img-gpt' is an image model; it cannot serve chat requests.",
    });
  });
});

describe("POST /image validation", () => {
  it.each([
    ["neither prompt nor inputs", {}, "prompt"],
    ["a prompt over 32000 characters", { prompt: "x".repeat(32_001) }, "prompt"],
    ["inputs that is not a string", { inputs: ["a", "b"] }, "inputs"],
    ["a model that is not a string", { model: 7, prompt: "a cat" }, "model"],
  ])("refuses %s with a JSON 400 naming the parameter", async (_, body, param) => {
    const res = await postJson("/image", body);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ type: "invalid_request_error", param });
  });

  it("needs a key, a JSON body and POST", async () => {
    for (const path of ["/image", "/v1/images/generations"]) {
      const anonymous = await postJson(path, { prompt: "a cat" }, { key: null });
      expect(anonymous.status).toBe(401);
      const text = await call(path, { method: "POST", headers: { "content-type": "text/plain" }, body: "a cat" });
      expect(text.status).toBe(415);
      const get = await call(path);
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
    }
  });
});
