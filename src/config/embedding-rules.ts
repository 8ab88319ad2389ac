/**
 * Build-time rules for embedding models (models.yaml), kept apart from schema.ts so the
 * schema stays readable. Vectors from different models are not comparable, so a model
 * may only stand in for another (as its fallback, or as a member of the same category)
 * when both declare one `space` and the same `dimensions`; the build refuses anything
 * else, with one line naming the models. Runs at build time only, like the schema (which
 * imports this module, never the other way round).
 */
import type { z } from "zod";

/** How an embedding model is called: OpenAI's /embeddings, Gemini's :batchEmbedContents, Workers AI's /run. */
export const EMBEDDING_APIS = ["openai", "gemini", "workers-ai"] as const;
/** Gemini's embedding task types (EmbedContentRequest.taskType). */
export const TASK_TYPES = [
  "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING", "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY",
] as const;

type EmbeddingApi = (typeof EMBEDDING_APIS)[number];
/** A provider's wire protocol (schema.ts PROTOCOLS), as far as these rules need it. */
type Protocol = "openai" | "gemini" | "anthropic" | "gigachat";

interface ModelInput {
  name: string;
  provider: string;
  type: "chat" | "image" | "embedding";
  size?: string | undefined;
  fallbacks: string[];
  space?: string | undefined;
  dimensions?: number | undefined;
  embedding_api?: EmbeddingApi | undefined;
  task_type?: string | undefined;
  batch_size?: number | undefined;
}

interface ConfigInput {
  providers: Record<string, { type: Protocol }>;
  models: ModelInput[];
}

const EMBEDDING_ONLY = ["space", "dimensions", "embedding_api", "task_type", "batch_size"] as const;

/** The embeddings API a provider type implies; Anthropic has none. */
export function defaultEmbeddingApi(protocol: Protocol): EmbeddingApi | undefined {
  return protocol === "anthropic" ? undefined : protocol === "gigachat" ? "openai" : protocol;
}

const spaceOf = (m: ModelInput) => m.space ?? m.name;
const dims = (m: ModelInput) => (m.dimensions === undefined ? "none" : String(m.dimensions));

/** Why `b` cannot stand in for `a`, or undefined when their vectors are comparable. */
function incomparable(a: ModelInput, b: ModelInput): string | undefined {
  if (spaceOf(a) !== spaceOf(b)) {
    return `"${a.name}" is in vector space "${spaceOf(a)}" and "${b.name}" in "${spaceOf(b)}": their vectors are not comparable (give both the same space)`;
  }
  if (a.dimensions === undefined || a.dimensions !== b.dimensions) {
    return `"${a.name}" and "${b.name}" share space "${spaceOf(a)}" but not declared dimensions (${dims(a)} and ${dims(b)})`;
  }
  return undefined;
}

export function checkEmbeddingModels(config: ConfigInput, ctx: z.RefinementCtx): void {
  const byName = new Map(config.models.map((m) => [m.name, m]));
  config.models.forEach((model, i) => {
    const at = (...path: Array<string | number>) => ["models", i, ...path];
    if (model.type !== "embedding") {
      const key = EMBEDDING_ONLY.find((k) => model[k] !== undefined);
      if (key) ctx.addIssue({ code: "custom", path: at(key), message: "applies only to models with type: embedding" });
    } else {
      const protocol = config.providers[model.provider]?.type;
      const api = model.embedding_api ?? (protocol && defaultEmbeddingApi(protocol));
      if (protocol && !api) ctx.addIssue({ code: "custom", path: at("embedding_api"), message: `${protocol} providers have no embeddings API of their own; set embedding_api` });
      if (model.task_type !== undefined && api !== "gemini") ctx.addIssue({ code: "custom", path: at("task_type"), message: "applies only to embedding_api: gemini" });
    }
    model.fallbacks.forEach((name, j) => {
      const fallback = byName.get(name);
      if (!fallback || fallback === model) return;
      const why = fallback.type !== model.type ? `"${name}" is ${article(fallback.type)} model and "${model.name}" ${article(model.type)} model: a fallback must be of the same type` : model.type === "embedding" ? incomparable(model, fallback) : undefined;
      if (why) ctx.addIssue({ code: "custom", path: at("fallbacks", j), message: why });
    });
  });
  // A category may mix types (each route takes its own), but its embedding models are interchangeable only within one space.
  const firstBySize = new Map<string, ModelInput>();
  config.models.forEach((model, i) => {
    if (model.type !== "embedding" || model.size === undefined) return;
    const first = firstBySize.get(model.size);
    if (!first) return void firstBySize.set(model.size, model);
    const why = incomparable(first, model);
    if (why) ctx.addIssue({ code: "custom", path: ["models", i, "size"], message: `category ${model.size}: ${why}` });
  });
}

const article = (type: string) => `${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`;
