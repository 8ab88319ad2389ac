import { describe, expect, it } from "vitest";
import { buildCatalog } from "../config/catalog";
import type { ProxyConfig } from "../config/schema";
import { InvalidRequestError, NotFoundError } from "../errors";
import { resolveImageModels } from "./resolve";

const provider = { type: "openai" as const, base_url: "https://x", headers: {}, timeout_ms: 1, ttft_ms: 1, idle_ms: 1, total_ms: 1 };
const model = (name: string, type: "chat" | "image", priority?: number) => ({
  name,
  provider: "p",
  model: name,
  type,
  fallbacks: [],
  ...(priority === undefined ? {} : { priority }),
  ...(type === "image" ? { image_api: "openai" as const } : {}),
});
const config = (models: ReturnType<typeof model>[]): ProxyConfig => ({ providers: { p: provider }, models, categories: {}, default_size: undefined });

describe("resolveImageModels", () => {
  const catalog = buildCatalog(
    config([model("chat-a", "chat", 0), model("img-late", "image"), model("img-2", "image", 2), model("img-1", "image", 1), model("img-late-2", "image")]),
    0,
  );

  it("takes every image model by priority for no model or `all`, unset priorities last in file order", () => {
    for (const requested of [undefined, "all"]) {
      const resolution = resolveImageModels(requested, catalog);
      expect(resolution.candidates.map((m) => m.name)).toEqual(["img-1", "img-2", "img-late", "img-late-2"]);
      expect(resolution.strategy).toBe("priority");
    }
  });

  it("resolves a name like chat does, refusing chat models", () => {
    expect(resolveImageModels("img-2", catalog).candidates.map((m) => m.name)).toEqual(["img-2"]);
    expect(() => resolveImageModels("chat-a", catalog)).toThrow(InvalidRequestError);
  });

  it("answers 404 when no image model is configured", () => {
    const chatOnly = buildCatalog(config([model("chat-a", "chat")]), 0);
    expect(() => resolveImageModels(undefined, chatOnly)).toThrow(NotFoundError);
  });
});
