/**
 * Bad embeddings requests are OpenAI-shaped 400s naming the field (the item, for inputs),
 * refused before any upstream is called: malformed input, token arrays for models that
 * read text only, unknown models and options, inputs longer than a model takes.
 */
import { describe, expect, it } from "vitest";
import { call, postJson, recorded, sim } from "./helpers";

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function refusal(res: Response, status = 400): Promise<ErrorBody["error"]> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return ((await res.json()) as ErrorBody).error;
}

describe("malformed requests", () => {
  it.each([
    ["no input", { model: "emb-openai" }, "input"],
    ["an empty string", { model: "emb-openai", input: "" }, "input"],
    ["an empty list", { model: "emb-openai", input: [] }, "input"],
    ["an object", { model: "emb-openai", input: { text: "x" } }, "input"],
    ["a number", { model: "emb-openai", input: 42 }, "input"],
    ["an empty string in a list", { model: "emb-openai", input: ["a", ""] }, "input[1]"],
    ["a number among strings", { model: "emb-openai", input: ["a", "b", 3] }, "input[2]"],
    ["a fraction among token ids", { model: "emb-openai", input: [[1, 2.5]] }, "input[0]"],
    ["an empty token array", { model: "emb-openai", input: [[1, 2], []] }, "input[1]"],
    ["negative token ids", { model: "emb-openai", input: [-1, 2] }, "input[0]"],
    ["2049 inputs", { model: "emb-openai", input: Array.from({ length: 2049 }, () => "x") }, "input"],
    ["no model", { input: "x" }, "model"],
    ["an unknown encoding", { model: "emb-openai", input: "x", encoding_format: "binary" }, "encoding_format"],
    ["zero dimensions", { model: "emb-openai", input: "x", dimensions: 0 }, "dimensions"],
    ["dimensions as text", { model: "emb-openai", input: "x", dimensions: "8" }, "dimensions"],
    ["a user that is not text", { model: "emb-openai", input: "x", user: 7 }, "user"],
  ])("refuses %s with a 400 naming it", async (_, body, param) => {
    const error = await refusal(await postJson("/v1/embeddings", body));
    expect(error).toMatchObject({ type: "invalid_request_error", param });
  });

  it("answers 404 model_not_found for an unknown model, 415 for a body that is not JSON", async () => {
    expect(await refusal(await postJson("/v1/embeddings", { model: "nope", input: "x" }), 404)).toMatchObject({ code: "model_not_found", param: "model" });
    const res = await call("/v1/embeddings", { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" });
    expect((await refusal(res, 415)).code).toBe("unsupported_media_type");
  });
});

describe("what a target cannot take", () => {
  it.each(["emb-gemini", "emb-workers"])("refuses token arrays for %s, which reads text only, without calling it", async (model) => {
    const t = `tok-${crypto.randomUUID()}`;
    const error = await refusal(await postJson("/v1/embeddings", { model, input: [[1, 2, 3]], user: sim({ tag: t }) }));
    expect(error).toMatchObject({ param: "input", code: "invalid_value" });
    expect(error.message).toBe(`The model '${model}' reads text only; send 'input' as strings, not as token-id arrays.`);
    expect(await recorded(t)).toEqual([]);
  });

  it("serves token arrays only from the OpenAI-compatible model of a space, never sending them to the others", async () => {
    // emb-a (OpenAI-compatible) takes tokens itself; when it fails, emb-b and emb-c cannot: the failure stands.
    const t = `tok-${crypto.randomUUID()}`;
    const ok = await postJson("/v1/embeddings", { model: "emb-a", input: [5, 6, 7], user: sim({ tag: t }) });
    expect(ok.status).toBe(200);
    const failing = await postJson("/v1/embeddings", { model: "emb-a", input: [5, 6, 7], user: sim({ tag: t, status: 500 }) });
    expect((await refusal(failing, 502)).code).toBe("upstream_error");
    expect((await recorded(t)).every((r) => r.path === "/openai/v1/embeddings")).toBe(true);
  });

  it("refuses an input longer than the model's max_input_tokens, which counts per input", async () => {
    const many = await postJson("/v1/embeddings", { model: "emb-ctx", input: ["short", "also short", "fine"] });
    expect(many.status).toBe(200);
    const error = await refusal(await postJson("/v1/embeddings", { model: "emb-ctx", input: ["short", "this one is far longer than five tokens"] }));
    expect(error).toMatchObject({ param: "input", code: "context_length_exceeded" });
  });
});
