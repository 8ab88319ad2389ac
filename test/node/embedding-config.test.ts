/**
 * The build's rules for embedding models: the new keys and their defaults, and a one-line
 * refusal of every config in which a model could stand in for another of a different
 * vector space (a fallback, a category) or for one of another type.
 */
import { describe, expect, it } from "vitest";
import { compileConfig } from "../../scripts/compile-config";

const base = `
providers:
  oai: { type: openai, base_url: https://api.openai.com/v1 }
  gh: { type: openai, base_url: https://models.github.ai/inference }
  gem: { type: gemini, base_url: https://generativelanguage.googleapis.com/v1beta }
  cf: { type: openai, base_url: "https://api.cloudflare.com/client/v4/accounts/\${CF}/ai" }
  claude: { type: anthropic, base_url: https://api.anthropic.com }
models:
  - { name: chat, provider: oai, size: SMALL }
  - { name: te3, provider: gh, model: openai/text-embedding-3-small, type: embedding, space: te3s, dimensions: 1536, fallbacks: [te3-oai] }
  - { name: te3-oai, provider: oai, model: text-embedding-3-small, type: embedding, space: te3s, dimensions: 1536 }
  - { name: gemini-embed, provider: gem, model: gemini-embedding-001, type: embedding, task_type: RETRIEVAL_QUERY }
  - { name: bge, provider: cf, model: "@cf/baai/bge-base-en-v1.5", type: embedding, embedding_api: workers-ai, dimensions: 768 }
`;

/** The base file with `lines` added to its models. */
const withModels = (...lines: string[]) => base + lines.map((l) => `  ${l}\n`).join("");

function errorFor(yaml: string): string {
  const result = compileConfig(yaml, "models.yaml");
  if (result.ok) throw new Error("expected the build to refuse this file");
  expect(result.message).not.toContain("\n");
  return result.message;
}

describe("embedding models in models.yaml", () => {
  it("fills in space (the model's own name) and embedding_api (from the provider's type)", () => {
    const result = compileConfig(base, "models.yaml");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const pick = (name: string) => {
      const m = result.config.models.find((x) => x.name === name)!;
      return [m.space, m.embedding_api, m.dimensions, m.task_type];
    };
    expect(pick("te3")).toEqual(["te3s", "openai", 1536, undefined]);
    expect(pick("gemini-embed")).toEqual(["gemini-embed", "gemini", undefined, "RETRIEVAL_QUERY"]);
    expect(pick("bge")).toEqual(["bge", "workers-ai", 768, undefined]);
    expect(pick("chat")).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("accepts a category whose embedding models share one space, beside chat models", () => {
    const yaml = base.replace("space: te3s, dimensions: 1536, fallbacks", "space: te3s, dimensions: 1536, size: SMALL, fallbacks").replace("space: te3s, dimensions: 1536 }", "space: te3s, dimensions: 1536, size: SMALL }");
    expect(compileConfig(yaml, "models.yaml").ok).toBe(true);
  });

  it.each([
    [
      "a fallback to another vector space",
      base.replace("fallbacks: [te3-oai]", "fallbacks: [te3-oai, bge]"),
      'models.yaml: models[1].fallbacks[1]: "te3" is in vector space "te3s" and "bge" in "bge": their vectors are not comparable (give both the same space)',
    ],
    [
      "a fallback between models without a space (each is its own)",
      withModels("- { name: bge-2, provider: cf, model: x, type: embedding, embedding_api: workers-ai, fallbacks: [bge] }"),
      'models.yaml: models[5].fallbacks[0]: "bge-2" is in vector space "bge-2" and "bge" in "bge": their vectors are not comparable (give both the same space)',
    ],
    [
      "one space with different dimensions",
      base.replace("space: te3s, dimensions: 1536 }", "space: te3s, dimensions: 512 }"),
      'models.yaml: models[1].fallbacks[0]: "te3" and "te3-oai" share space "te3s" but not declared dimensions (1536 and 512)',
    ],
    [
      "one space without declared dimensions",
      base.replace("space: te3s, dimensions: 1536 }", "space: te3s }"),
      'models.yaml: models[1].fallbacks[0]: "te3" and "te3-oai" share space "te3s" but not declared dimensions (1536 and none)',
    ],
    [
      "an embedding model falling back to a chat model",
      withModels("- { name: e, provider: oai, type: embedding, fallbacks: [chat] }"),
      'models.yaml: models[5].fallbacks[0]: "chat" is a chat model and "e" an embedding model: a fallback must be of the same type',
    ],
    [
      "a chat model falling back to an embedding model",
      base.replace("size: SMALL }", "size: SMALL, fallbacks: [bge] }"),
      'models.yaml: models[0].fallbacks[0]: "bge" is an embedding model and "chat" a chat model: a fallback must be of the same type',
    ],
    [
      "a category mixing vector spaces",
      withModels("- { name: e1, provider: oai, type: embedding, size: EMB, dimensions: 8 }", "- { name: e2, provider: gem, type: embedding, size: EMB, dimensions: 8 }"),
      'models.yaml: models[6].size: category EMB: "e1" is in vector space "e1" and "e2" in "e2": their vectors are not comparable (give both the same space)',
    ],
    [
      "a category of one space without dimensions",
      withModels("- { name: e1, provider: oai, type: embedding, size: EMB, space: s }", "- { name: e2, provider: gem, type: embedding, size: EMB, space: s }"),
      'models.yaml: models[6].size: category EMB: "e1" and "e2" share space "s" but not declared dimensions (none and none)',
    ],
    ["space on a chat model", base.replace("size: SMALL }", "size: SMALL, space: x }"), "models.yaml: models[0].space: applies only to models with type: embedding"],
    ["dimensions on a chat model", base.replace("size: SMALL }", "size: SMALL, dimensions: 8 }"), "models.yaml: models[0].dimensions: applies only to models with type: embedding"],
    ["batch_size on a chat model", base.replace("size: SMALL }", "size: SMALL, batch_size: 8 }"), "models.yaml: models[0].batch_size: applies only to models with type: embedding"],
    ["task_type off Gemini", withModels("- { name: e, provider: oai, type: embedding, task_type: CLUSTERING }"), "models.yaml: models[5].task_type: applies only to embedding_api: gemini"],
    ["an unknown task_type", base.replace("task_type: RETRIEVAL_QUERY", "task_type: SEARCH"), `models.yaml: models[3].task_type: Invalid option: expected one of "RETRIEVAL_QUERY"|"RETRIEVAL_DOCUMENT"|"SEMANTIC_SIMILARITY"|"CLASSIFICATION"|"CLUSTERING"|"QUESTION_ANSWERING"|"FACT_VERIFICATION"|"CODE_RETRIEVAL_QUERY"`],
    ["an unknown embedding_api", base.replace("embedding_api: workers-ai", "embedding_api: cohere"), 'models.yaml: models[4].embedding_api: Invalid option: expected one of "openai"|"gemini"|"workers-ai"'],
    ["zero dimensions", base.replace("dimensions: 768", "dimensions: 0"), "models.yaml: models[4].dimensions: must be a positive integer"],
    [
      "an Anthropic embedding model without an embedding API",
      withModels("- { name: e, provider: claude, type: embedding }"),
      "models.yaml: models[5].embedding_api: anthropic providers have no embeddings API of their own; set embedding_api",
    ],
  ])("refuses %s in one line", (_, yaml, expected) => {
    expect(errorFor(yaml)).toBe(expected);
  });
});
