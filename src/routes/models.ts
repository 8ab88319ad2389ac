/**
 * GET /models, /v1/models and /v1/models/{id}: every configured model, plus one entry
 * per size category, which clients may send as `model` to let the proxy choose, plus one
 * per alias (a prefix alias is listed as written, `claude-*`; any name it matches is
 * found by id). A client with an allow-list sees only what it may use.
 */
import { Hono } from "hono/tiny";
import { type ClientRules, mayAsk, rulesFor } from "../clients/rules";
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

function listModels(rules: ClientRules): ModelObject[] {
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
  return [...models, ...categories, ...aliases].filter((m) => mayAsk(rules, m.id));
}

// Built once per isolate and client: the config cannot change without a new deployment.
const cache = new Map<string, { list: ModelObject[]; byId: Map<string, ModelObject> }>();
function models(client: string) {
  let entry = cache.get(client);
  if (!entry) {
    const list = listModels(rulesFor(client));
    cache.set(client, (entry = { list, byId: new Map(list.map((m) => [m.id, m])) }));
  }
  return entry;
}

export const modelsRoutes = new Hono<AppEnv>()
  .get("/models", (c) => c.json({ object: "list", data: models(c.get("client")).list }))
  .get("/models/:id{.+}", (c) => {
    const id = c.req.param("id");
    const rules = rulesFor(c.get("client"));
    const model = models(c.get("client")).byId.get(id) ?? (aliasTarget(id) === undefined || !mayAsk(rules, id) ? undefined : { id, object: "model", created: catalog.builtAt, owned_by: "ai-proxy" });
    if (!model) throw new NotFoundError(`The model '${id}' does not exist.`, "model_not_found", "model");
    return c.json(model);
  });
