/**
 * GET /models, /v1/models and /v1/models/{id}: every configured model, plus one entry
 * per size category, which clients may send as `model` to let the proxy choose, plus one
 * per alias (a prefix alias is listed as written, `claude-*`; any name it matches is
 * found by id).
 */
import { Hono } from "hono/tiny";
import { catalog } from "../config/catalog";
import type { AppEnv } from "../env";
import { NotFoundError } from "../errors";
import { aliasTarget } from "../routing/resolve-model";

interface ModelObject {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

function listModels(): ModelObject[] {
  const created = catalog.builtAt;
  const models: ModelObject[] = [...catalog.models.values()].map((m) => ({
    id: m.name,
    object: "model",
    created,
    owned_by: m.providerId,
  }));
  const categories: ModelObject[] = [...catalog.categories.keys()].map((size) => ({
    id: size,
    object: "model",
    created,
    owned_by: "ai-proxy",
  }));
  const aliases: ModelObject[] = [...catalog.aliases.keys(), ...catalog.aliasPrefixes.map(([prefix]) => `${prefix}*`)].map((id) => ({
    id,
    object: "model",
    created,
    owned_by: "ai-proxy",
  }));
  return [...models, ...categories, ...aliases];
}

// Built once per isolate: the config cannot change without a new deployment.
let cache: { list: ModelObject[]; byId: Map<string, ModelObject> } | undefined;
function models() {
  if (!cache) {
    const list = listModels();
    cache = { list, byId: new Map(list.map((m) => [m.id, m])) };
  }
  return cache;
}

export const modelsRoutes = new Hono<AppEnv>()
  .get("/models", (c) => c.json({ object: "list", data: models().list }))
  .get("/models/:id{.+}", (c) => {
    const id = c.req.param("id");
    const model = models().byId.get(id) ?? (aliasTarget(id) === undefined ? undefined : { id, object: "model", created: catalog.builtAt, owned_by: "ai-proxy" });
    if (!model) throw new NotFoundError(`The model '${id}' does not exist.`, "model_not_found", "model");
    return c.json(model);
  });
