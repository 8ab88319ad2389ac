/**
 * /v1/embeddings with the clients RAG apps use, through the real Worker entry: the openai
 * SDK (base64 by default, which it decodes, and float), LangChain's OpenAIEmbeddings and
 * the AI SDK's embed/embedMany, against each upstream shape. Every vector must be the one
 * the simulator makes for that input, at that input's index.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { OpenAIEmbeddings } from "@langchain/openai";
import { embed, embedMany } from "ai";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { simVector } from "../simulator/vectors";
import { openaiClient } from "./clients";
import { BASE, KEY, postJson, recorded, sim } from "./helpers";

const workerFetch = (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input as RequestInfo, init));
const tag = () => `emb-${crypto.randomUUID()}`;
const MODELS = ["emb-openai", "emb-gemini", "emb-workers"];

describe("the openai SDK", () => {
  it.each(MODELS)("embeddings.create on %s: base64 by default, decoded to the simulator's vectors", async (model) => {
    const t = tag();
    const input = [`alpha ${sim({ tag: t })}`, "beta", "gamma"];
    const { data: answer, response } = await openaiClient().embeddings.create({ model, input }).withResponse();
    expect(response.headers.get("x-proxy-model")).toBe(model);
    expect(answer.object).toBe("list");
    expect(answer.model).toBe(model);
    expect(answer.data.map((d) => [d.object, d.index])).toEqual([["embedding", 0], ["embedding", 1], ["embedding", 2]]);
    expect(answer.data.map((d) => Array.from(d.embedding))).toEqual(input.map((text) => simVector(text)));
    expect(answer.usage.prompt_tokens).toBeGreaterThan(0);
    expect(answer.usage.total_tokens).toBe(answer.usage.prompt_tokens);
    // The SDK asked for base64; an OpenAI-compatible upstream is asked for it as sent.
    const [upstream] = await recorded(t);
    if (model === "emb-openai") expect(upstream?.body).toMatchObject({ model: "sim/emb-openai", encoding_format: "base64", input });
  });

  it.each(MODELS)("embeddings.create on %s with encoding_format float answers plain numbers", async (model) => {
    const raw = await postJson("/v1/embeddings", { model, input: "one text", encoding_format: "float" });
    expect(raw.status).toBe(200);
    const body = (await raw.json()) as { data: Array<{ embedding: unknown }> };
    expect(body.data[0]?.embedding).toEqual(simVector("one text"));
    const answer = await openaiClient().embeddings.create({ model, input: "one text", encoding_format: "float" });
    expect(answer.data[0]?.embedding).toEqual(simVector("one text"));
  });

  it("sends the float32 bytes themselves as base64, little-endian, for a translated upstream", async () => {
    const res = await postJson("/embeddings", { model: "emb-gemini", input: ["x"], encoding_format: "base64" });
    const body = (await res.json()) as { data: Array<{ embedding: string }> };
    const bytes = Uint8Array.from(atob(body.data[0]!.embedding), (ch) => ch.charCodeAt(0));
    expect(Array.from(new Float32Array(bytes.buffer))).toEqual(simVector("x"));
  });

  it("passes token arrays, dimensions and user to an OpenAI-compatible upstream", async () => {
    const t = tag();
    const answer = await openaiClient().embeddings.create({ model: "emb-openai", input: [[1, 2, 3], [4, 5]], dimensions: 4, user: `u ${sim({ tag: t })}` });
    expect(answer.data.map((d) => Array.from(d.embedding))).toEqual([simVector([1, 2, 3], 4), simVector([4, 5], 4)]);
    expect(answer.usage.prompt_tokens).toBe(5);
    expect((await recorded(t))[0]?.body).toMatchObject({ input: [[1, 2, 3], [4, 5]], dimensions: 4 });
  });
});

describe("LangChain's OpenAIEmbeddings", () => {
  const embeddings = (model: string, batchSize?: number) =>
    new OpenAIEmbeddings({ model, apiKey: KEY, ...(batchSize ? { batchSize } : {}), configuration: { baseURL: `${BASE}/v1`, fetch: workerFetch } });

  it.each(MODELS)("embeds documents and a query through %s", async (model) => {
    const docs = ["The lighthouse stands on the cape.", "Tides follow the moon.", "Gulls nest on the cliffs."];
    expect(await embeddings(model).embedDocuments(docs)).toEqual(docs.map((d) => simVector(d)));
    expect(await embeddings(model).embedQuery("Where is the lighthouse?")).toEqual(simVector("Where is the lighthouse?"));
  });

  it("works with its default model name through an alias (text-embedding-* -> EMBED)", async () => {
    const client = new OpenAIEmbeddings({ apiKey: KEY, configuration: { baseURL: `${BASE}/v1`, fetch: workerFetch } });
    expect(await client.embedQuery("aliases reach embedding categories")).toEqual(simVector("aliases reach embedding categories"));
    const res = await postJson("/v1/embeddings", { model: "text-embedding-ada-002", input: "x" });
    expect(res.headers.get("x-proxy-model")).toBe("emb-cat-1");
  });

  it("sends its own batches (batchSize 2), each split again to the provider's maximum", async () => {
    const docs = Array.from({ length: 5 }, (_, i) => `document number ${i}`);
    expect(await embeddings("emb-gemini", 2).embedDocuments(docs)).toEqual(docs.map((d) => simVector(d)));
  });
});

describe("the AI SDK", () => {
  const provider = createOpenAI({ baseURL: `${BASE}/v1`, apiKey: KEY, fetch: workerFetch });

  it.each(MODELS)("embed and embedMany through %s", async (model) => {
    const one = await embed({ model: provider.embedding(model), value: "sunny day at the beach", maxRetries: 0 });
    expect(one.embedding).toEqual(simVector("sunny day at the beach"));
    const values = ["rainy afternoon", "snow in the mountains", "fog over the bay"];
    const many = await embedMany({ model: provider.embedding(model), values, maxRetries: 0 });
    expect(many.embeddings).toEqual(values.map((v) => simVector(v)));
    expect(many.usage.tokens).toBeGreaterThan(0);
  });
});
