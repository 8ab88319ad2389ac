/**
 * Batches larger than a provider takes: split to each API's documented maximum (Gemini and
 * Workers AI 100, a model's own batch_size), sent in order of inputs, and every vector put
 * back at its input's index, whichever batch finished first and in whatever order the
 * upstream listed them.
 */
import { describe, expect, it } from "vitest";
import { simVector } from "../simulator/vectors";
import { postJson, recorded, sim } from "./helpers";

const tag = () => `batch-${crypto.randomUUID()}`;

interface Answer {
  data: Array<{ object: string; index: number; embedding: number[] }>;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** `count` distinct inputs, each carrying the tag, so every batch is recorded. */
const inputs = (t: string, count: number) => Array.from({ length: count }, (_, i) => `passage ${i} ${sim({ tag: t })}`);

async function embedAll(model: string, input: string[]): Promise<{ res: Response; body: Answer }> {
  const res = await postJson("/v1/embeddings", { model, input, encoding_format: "float" });
  return { res, body: (await res.json()) as Answer };
}

function expectInOrder(body: Answer, input: string[]): void {
  expect(body.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
  expect(body.data.map((d) => d.embedding)).toEqual(input.map((text) => simVector(text)));
}

describe("batching", () => {
  it("splits 250 inputs for Gemini into 100, 100 and 50, and answers them in input order", async () => {
    const t = tag();
    const input = inputs(t, 250);
    const { res, body } = await embedAll("emb-gemini", input);
    expect(res.status).toBe(200);
    expectInOrder(body, input);
    const calls = await recorded(t);
    expect(calls.map((c) => c.path)).toEqual(Array(3).fill("/gemini/v1beta/models/gemini-embedding-sim:batchEmbedContents"));
    const sent = calls.map((c) => (c.body.requests as Array<{ content: { parts: Array<{ text: string }> }; taskType: string }>));
    expect(sent.map((r) => r.length).sort()).toEqual([100, 100, 50]);
    expect(sent.flat().map((r) => r.content.parts[0]!.text).sort()).toEqual([...input].sort());
    expect(new Set(sent.flat().map((r) => r.taskType))).toEqual(new Set(["RETRIEVAL_DOCUMENT"]));
    expect(res.headers.get("x-proxy-attempts")).toBe("3");
  });

  it("splits 150 inputs for Workers AI into 100 and 50", async () => {
    const t = tag();
    const input = inputs(t, 150);
    const { res, body } = await embedAll("emb-workers", input);
    expect(res.status).toBe(200);
    expectInOrder(body, input);
    const calls = await recorded(t);
    expect(calls.map((c) => c.path)).toEqual(Array(2).fill("/cloudflare/client/v4/accounts/sim-account/ai/run/@cf/baai/bge-sim"));
    expect(calls.map((c) => (c.body.text as string[]).length).sort()).toEqual([100, 50]);
  });

  it("keeps a model's own batch_size, and places vectors by their index when the upstream lists them out of order", async () => {
    const t = tag();
    const input = Array.from({ length: 7 }, (_, i) => `note ${i} ${sim({ tag: t, shuffle: true })}`);
    const { res, body } = await embedAll("emb-batch3", input);
    expect(res.status).toBe(200);
    expectInOrder(body, input);
    const calls = await recorded(t);
    expect(calls.map((c) => (c.body.input as string[]).length).sort()).toEqual([1, 3, 3]);
    // Usage is the sum of what each batch's provider reported: 4 words an input (the marker is two).
    expect(body.usage).toEqual({ prompt_tokens: 28, total_tokens: 28 });
  });

  it("fails the whole request, never a partial answer, when one batch cannot be served", async () => {
    const t = tag();
    const input = [...inputs(t, 100), `the last one ${sim({ tag: t, status: 400, message: "this input is refused" })}`];
    const res = await postJson("/v1/embeddings", { model: "emb-gemini", input });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("this input is refused");
  });
});
