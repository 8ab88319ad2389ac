/** What a requested name means: models and categories first, then exact aliases, then prefix aliases in file order. */
import { describe, expect, it } from "vitest";
import { buildCatalog } from "../config/catalog";
import { configSchema } from "../config/schema";
import { NotFoundError } from "../errors";
import { aliasTarget, resolveModel } from "./resolve-model";

const catalog = buildCatalog(
  configSchema.parse({
    providers: { p: { type: "openai", base_url: "https://example.com/v1" } },
    models: [
      { name: "claude-local", provider: "p", size: "BIG" },
      { name: "fast", provider: "p", size: "SMALL" },
      { name: "pic", provider: "p", type: "image" },
    ],
    aliases: { "claude-sonnet-4-5": "fast", "claude-haiku*": "SMALL", "claude-*": "BIG", "gpt-image": "pic" },
  }),
  0,
);

const names = (requested: string, type: "chat" | "image" = "chat") => resolveModel(requested, type, catalog).candidates.map((m) => m.name);

describe("aliases", () => {
  it("resolves an exact alias before any prefix, and prefixes in file order", () => {
    expect(names("claude-sonnet-4-5")).toEqual(["fast"]);
    expect(names("claude-haiku-4-5")).toEqual(["fast"]);
    expect(names("claude-opus-4-8")).toEqual(["claude-local"]);
    expect(resolveModel("claude-haiku-4-5", "chat", catalog).requested).toBe("SMALL");
  });

  it("never shadows a model or category name", () => {
    expect(names("claude-local")).toEqual(["claude-local"]);
    expect(aliasTarget("claude-local", catalog)).toBe("BIG");
    expect(resolveModel("claude-local", "chat", catalog).strategy).toBe("fixed");
  });

  it("works for every model type, and unknown names stay 404", () => {
    expect(names("gpt-image", "image")).toEqual(["pic"]);
    expect(() => resolveModel("gemini-pro", "chat", catalog)).toThrow(NotFoundError);
    expect(aliasTarget("gemini-pro", catalog)).toBeUndefined();
  });
});
